import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, isSecretName, looksLikeToken, maskArgv, maskEnv, maskValue, maskedValue } from './mask';

describe('mask', () => {
  it('masks values whose names look secret, in any case', () => {
    for (const name of [
      'API_TOKEN',
      'GITHUB_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'PGPASS',
      'MYSQL_ROOT_PASSWD',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'BASIC_AUTH',
      'PRIVATE_KEY_PATH',
      'APIKEY',
      'api_key',
      'SESSION_ID',
      'COOKIE_SECRET',
      'x_auth_header',
      'client_secret',
    ]) {
      assert.ok(isSecretName(name), name);
      assert.deepEqual(maskValue(name, 'abc123'), { value: MASK, masked: true }, name);
    }
  });

  it('leaves ordinary names and values alone', () => {
    for (const [name, value] of [
      ['PATH', '/usr/local/bin:/usr/bin'],
      ['HOME', '/root'],
      ['LANG', 'C.UTF-8'],
      ['PORT', '8080'],
      ['NODE_ENV', 'production'],
      ['DATABASE_HOST', 'db.internal'],
      ['URL', 'https://example.com/a/b'],
      ['SKU', 'sk-1'],
      ['DESC', 'ask-me-anything'],
    ] as const) {
      assert.deepEqual(maskValue(name, value), { value, masked: false }, name);
    }
  });

  it('masks known token shapes under innocent names', () => {
    const shapes = [
      'ghp_' + 'a'.repeat(36),
      'gho_' + 'B1'.repeat(18),
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'sk-' + 'x'.repeat(40),
      'sk-ant-api03-' + 'Z9'.repeat(20),
      'xoxb-1234567890-abcdefghij',
      'xoxp-1234567890-abcdefghij',
      'AKIAIOSFODNN7EXAMPLE',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY-----',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      'postgres://app:hunter2@db:5432/app',
      'glpat-' + 'a'.repeat(20),
      'AIza' + 'b'.repeat(35),
    ];
    for (const v of shapes) {
      assert.ok(looksLikeToken(v), v);
      assert.deepEqual(maskValue('SOMETHING', v), { value: MASK, masked: true }, v);
    }
  });

  it('maskEnv splits on the first "=" and masks the whole value', () => {
    assert.deepEqual(maskEnv(['API_TOKEN=abc123', 'A=b=c', 'EMPTY=', 'NOVALUE', 'X=ghp_' + '1'.repeat(36)]), [
      { name: 'API_TOKEN', value: MASK, masked: true },
      { name: 'A', value: 'b=c', masked: false },
      { name: 'EMPTY', value: '', masked: false },
      { name: 'NOVALUE', value: '', masked: false },
      { name: 'X', value: MASK, masked: true },
    ]);
  });

  it('never returns any part of a masked value', () => {
    const out = JSON.stringify(maskEnv(['DB_PASSWORD=s3cr3t-value', 'T=sk-' + 'q'.repeat(30)]));
    assert.ok(!out.includes('s3cr3t') && !out.includes('qqqq'), out);
  });

  it('masks *_PWD and other PWD names, but not the shell working directories PWD and OLDPWD', () => {
    for (const name of ['MYSQL_PWD', 'DB_PWD', 'db_pwd', 'PWD_ADMIN', 'REDISPWD']) {
      assert.ok(isSecretName(name), name);
      assert.deepEqual(maskValue(name, 'hunter2'), { value: MASK, masked: true }, name);
    }
    assert.deepEqual(maskEnv(['PWD=/srv/app', 'OLDPWD=/', 'pwd=/x']), [
      { name: 'PWD', value: '/srv/app', masked: false },
      { name: 'OLDPWD', value: '/', masked: false },
      { name: 'pwd', value: '/x', masked: false },
    ]);
  });

  it('masks only the password inside a connection string', () => {
    for (const [value, expected] of [
      [
        'Server=db;Database=app;User Id=sa;Password=hunter2;Encrypt=true',
        `Server=db;Database=app;User Id=sa;Password=${MASK};Encrypt=true`,
      ],
      [
        'Driver={ODBC Driver 18};Server=db;UID=sa;PWD=hunter2',
        `Driver={ODBC Driver 18};Server=db;UID=sa;PWD=${MASK}`,
      ],
      [
        'Host=db; Username=app; password = "a;b c"; Port=5432',
        `Host=db; Username=app; password = ${MASK}; Port=5432`,
      ],
      ["Data Source=x;Pwd='it''s';", `Data Source=x;Pwd=${MASK};`],
      ['Server=x;Password={p;w};', `Server=x;Password=${MASK};`],
      ['Password=onlyone', `Password=${MASK}`],
    ] as const) {
      assert.deepEqual(
        maskValue('ConnectionStrings__Default', value),
        { value: expected, masked: true },
        value,
      );
      assert.equal(maskedValue('com.example.dsn', value), expected, value);
    }
    // The value is never left behind, whichever way it was written.
    const out = JSON.stringify(maskEnv(['CONN=Server=db;Password=s3cr3t;', 'ODBC=DSN=x;pwd=s3cr3t']));
    assert.ok(!out.includes('s3cr3t'), out);
    // Words that merely contain the keys are not connection-string keys.
    for (const v of ['NoPassword=1;x=y', 'passwords are rotated', 'cwd=/srv']) {
      assert.deepEqual(maskValue('NOTE', v), { value: v, masked: false }, v);
    }
  });

  it('masks --password values on command lines, in one argument or the next', () => {
    assert.deepEqual(maskArgv(['app', '--password=hunter2', '--port', '8080']), [
      'app',
      `--password=${MASK}`,
      '--port',
      '8080',
    ]);
    assert.deepEqual(maskArgv(['app', '--password', 'hunter2', '--db-pwd', 'x', '--verbose']), [
      'app',
      '--password',
      MASK,
      '--db-pwd',
      MASK,
      '--verbose',
    ]);
    assert.deepEqual(maskArgv(['sh', '-c', 'exec app --password "two words" --api-secret=abc --user bob']), [
      'sh',
      '-c',
      `exec app --password ${MASK} --api-secret=${MASK} --user bob`,
    ]);
    assert.deepEqual(maskArgv(['mysqld', '--Password', 'x', '--password-file=/run/secrets/db']), [
      'mysqld',
      '--Password',
      MASK,
      '--password-file=/run/secrets/db',
    ]);
    // -p is a port as often as a password: left alone, as documented.
    assert.deepEqual(maskArgv(['app', '-p', '8080', '--password']), ['app', '-p', '8080', '--password']);
    // Env values and labels holding command lines get the same treatment.
    assert.equal(maskedValue('JAVA_OPTS', '-Xmx1g --password=s3cr3t'), `-Xmx1g --password=${MASK}`);
  });

  // Values come from untrusted push reports and containers. Quadratic patterns took ~10 s on 100 KiB
  // (it once blocked the server for minutes); linear ones take milliseconds. The timeout fails a
  // regression instead of hanging the suite.
  it('scans huge hostile values in linear time', { timeout: 5_000 }, () => {
    for (const v of [
      'a'.repeat(200_000),
      'a:'.repeat(100_000),
      'x://' + 'a'.repeat(200_000),
      'eyJ' + 'a'.repeat(200_000),
    ]) {
      assert.equal(looksLikeToken(v), false);
    }
    for (const v of [
      'pwd={a;'.repeat(30_000),
      'pwd="a;'.repeat(30_000),
      '--password "x '.repeat(20_000),
      '--' + 'a-'.repeat(100_000),
      '--a'.repeat(70_000) + ' x',
      'password' + ' '.repeat(200_000),
    ]) {
      maskedValue('V', v);
      maskArgv([v, v]);
    }
    assert.ok(looksLikeToken('postgres://app:hunter2@db:5432/app'));
    assert.ok(looksLikeToken('see ' + 'a'.repeat(100_000) + ' https://u:p@example.test'));
  });
});
