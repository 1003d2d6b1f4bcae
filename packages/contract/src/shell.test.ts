import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { shellCommand, shellQuote } from './shell';

// Real shells, not a model of them: every hostile value must come back byte for byte as one argument.
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

const HOSTILE = [
  '',
  ' ',
  "it's",
  "''''",
  "'\\''",
  '"double" and \\"escaped\\"',
  '$(touch /tmp/airlock-pwned)',
  '`touch /tmp/airlock-pwned`',
  '${IFS}$HOME$0$$',
  'a; rm -rf /',
  'a && b || c | d & e',
  'line1\nline2\r\n',
  '\t tab',
  '~root',
  '~',
  'x=1',
  '*',
  '?[a-z]',
  '{a,b}',
  '!!',
  '!$',
  '#comment',
  '-n',
  '--',
  '\\',
  'trailing\\',
  '<(cat /etc/passwd)',
  '> /tmp/airlock-pwned',
  'ünïcödé ✓ 💥',
  '\u202e bidi \u200b',
  '\x1b[31mred\x1b[0m',
  '\x01\x02\x7f',
];

test('a real shell gets every hostile value back as exactly one argument, unexpanded', () => {
  assert.ok(SHELLS.length > 0, 'no POSIX shell found at /bin/sh, /bin/dash or /bin/bash');
  for (const sh of SHELLS) {
    for (const value of HOSTILE) {
      // printf '%s\0' prints each argument NUL-terminated, so a split or a lost argument shows.
      const out = execFileSync(sh, ['-c', `printf '%s\\0' ${shellQuote(value)}`], { encoding: 'utf8' });
      assert.equal(out, `${value}\0`, `${sh} changed ${JSON.stringify(value)}`);
    }
    const argv = ['printf', '%s\\0', ...HOSTILE];
    const out = execFileSync(sh, ['-c', shellCommand(argv)], { encoding: 'utf8' });
    assert.equal(out, HOSTILE.map((v) => `${v}\0`).join(''), `${sh} split the argv differently`);
  }
  assert.equal(existsSync('/tmp/airlock-pwned'), false, 'a value was executed');
});

test('bash -i style history expansion and aliases do not apply inside quotes', () => {
  if (!existsSync('/bin/bash')) assert.fail('bash is needed for this test (apt-get install bash)');
  const out = execFileSync('/bin/bash', ['-c', `set -H; printf '%s' ${shellQuote('!! !$ !-1')}`], {
    encoding: 'utf8',
  });
  assert.equal(out, '!! !$ !-1');
});

test('plain words stay readable; NUL and empty argv are refused', () => {
  assert.equal(shellQuote('/usr/local/bin/airlock-agent'), '/usr/local/bin/airlock-agent');
  assert.equal(shellQuote('https://deck.example:8443/agent'), 'https://deck.example:8443/agent');
  assert.equal(shellQuote('x=1'), `'x=1'`);
  assert.equal(shellQuote('~'), `'~'`);
  assert.equal(shellQuote(''), `''`);
  assert.throws(() => shellQuote('a\0b'), /NUL/);
  assert.throws(() => shellCommand([]), /at least one word/);
});
