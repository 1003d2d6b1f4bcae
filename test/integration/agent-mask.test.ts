// The push agent masks on the host, before anything leaves it (issue 8 §1): *_PWD names,
// Password=/Pwd= in connection strings and --password options, as the deck's masker does.
// Runs the real script's --mask mode under each POSIX shell here, with the system awk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../agent/airlock-agent.sh');
const SHELLS = ['/bin/sh', ...(existsSync('/bin/dash') ? ['/bin/dash'] : [])];

function mask(shell: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(shell, [SCRIPT, '--mask'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    p.stdin.end(input);
  });
}

interface Inspect {
  Args: string[];
  Config: { Env: string[]; Cmd: string[]; Entrypoint: string[]; Labels: Record<string, string> };
}

describe('push agent masker: PWD names, connection strings, --password options', () => {
  const doc = {
    Id: 'abc',
    Path: 'app',
    Args: ['--password', 'arg-s1', '--port', '80'],
    Config: {
      Env: [
        'MYSQL_PWD=env-s2',
        'db_pwd=env-s3',
        'PWD=/srv/app',
        'OLDPWD=/',
        'DB=Server=db;User Id=sa;Password=conn-s4;Encrypt=true',
        'ODBC=Driver={ODBC 18};PWD={conn;s5};UID=x',
        "Q=Data Source=x;Pwd='conn''s6';",
        'JAVA_OPTS=-Xmx1g --password=opt-s7 --db-pwd opt-s8',
      ],
      Cmd: ['sh', '-c', 'exec app --password "cmd s9" --api-secret=cmd-s10 --user bob'],
      Entrypoint: ['mysqld', '--Password', 'ep-s11', '--password-file=/run/secrets/db', '-p', '8080'],
      Labels: { 'com.example.dsn': 'Host=db;Password=label-s12', plain: 'visible' },
    },
  };

  for (const [form, input] of [
    ['compact', JSON.stringify([doc])],
    ['indented', JSON.stringify([doc], null, 2)],
  ] as const) {
    it(`masks only the secret parts (${form} JSON)`, async () => {
      for (const shell of SHELLS) {
        const out = await mask(shell, input);
        assert.doesNotMatch(out, /s\d+\b/, `${shell}: a secret is left in ${out}`);
        const [c] = JSON.parse(out) as Inspect[];
        assert.deepEqual(c!.Args, ['--password', '***', '--port', '80']);
        assert.deepEqual(c!.Config.Env, [
          'MYSQL_PWD=***',
          'db_pwd=***',
          'PWD=/srv/app',
          'OLDPWD=/',
          'DB=Server=db;User Id=sa;Password=***;Encrypt=true',
          'ODBC=Driver={ODBC 18};PWD=***;UID=x',
          'Q=Data Source=x;Pwd=***;',
          'JAVA_OPTS=-Xmx1g --password=*** --db-pwd ***',
        ]);
        assert.deepEqual(c!.Config.Cmd, ['sh', '-c', 'exec app --password *** --api-secret=*** --user bob']);
        assert.deepEqual(c!.Config.Entrypoint, [
          'mysqld',
          '--Password',
          '***',
          '--password-file=/run/secrets/db',
          '-p',
          '8080',
        ]);
        assert.deepEqual(c!.Config.Labels, { 'com.example.dsn': 'Host=db;Password=***', plain: 'visible' });
      }
    });
  }

  it('stays fast and valid on hostile values with thousands of keys', { timeout: 20_000 }, async () => {
    const many = ['pwd=a;'.repeat(30_000), "Pwd='" + "''".repeat(50_000), '--password x '.repeat(20_000)];
    const input = JSON.stringify([{ Config: { Env: many.map((v, i) => `V${i}=${v}`), Cmd: many } }]);
    for (const shell of SHELLS) {
      const started = Date.now();
      const [c] = JSON.parse(await mask(shell, input)) as Inspect[];
      assert.ok(Date.now() - started < 5_000, `${shell} took ${Date.now() - started} ms`);
      for (const v of [...c!.Config.Env, ...c!.Config.Cmd]) assert.doesNotMatch(v, /=a;|'a|--password x/);
    }
  });
});
