import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { INGEST_MAX_BYTES, IngestReport } from '@airlock/contract/ingest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'agent/airlock-agent.sh');
const IMAGE = 'airlock/base:bookworm';
const SHELLS = ['/bin/sh', ...(existsSync('/bin/dash') ? ['/bin/dash'] : [])];

const SECRETS = {
  API_TOKEN: 'supersecretvalue123',
  DB_PASSWORD: 'hunter2hunter2',
  GH: `ghp_${randomBytes(27)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 36)}`,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      cwd: ROOT,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A stand-in for the deck's ingest endpoint on loopback. */
async function startIngest(): Promise<{
  url: string;
  received: Received[];
  status: { code: number };
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const status = { code: 202 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status.code, { 'content-type': 'application/json' });
      res.end(
        status.code === 202 ? JSON.stringify({ ok: true }) : JSON.stringify({ error: 'unknown host token' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    status,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('push agent (agent/airlock-agent.sh) against real docker', () => {
  const name = `airlock-test-agent-${randomBytes(6).toString('hex')}`;
  let containerId = '';
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let work = '';
  let binDir = '';
  let tmpDir = '';
  let argvLog = '';

  /** Minimal env: nothing inherited from the test runner except PATH/HOME/DOCKER_HOST. */
  function agentEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? '/root',
      TMPDIR: tmpDir,
      ARGV_LOG: argvLog,
      ...extra,
    };
    if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
    return env;
  }

  before(async () => {
    // Fail loudly (never skip) when docker is not reachable.
    const version = await docker('version', '--format', '{{.Server.Version}}').catch((err: unknown) => {
      throw new Error(
        `docker daemon unreachable — the push-agent test needs /var/run/docker.sock: ${String(err)}`,
      );
    });
    assert.ok(version.trim().length > 0);
    try {
      await docker('image', 'inspect', IMAGE);
    } catch {
      await new Promise<void>((resolve, reject) =>
        execFile('bash', [path.join(ROOT, 'images/build-base.sh')], { timeout: 600_000 }, (err) =>
          err ? reject(new Error(`images/build-base.sh failed: ${err.message}`)) : resolve(),
        ),
      );
    }
    containerId = (
      await docker(
        'run',
        '-d',
        '--name',
        name,
        '--label',
        'airlock.test=push-agent',
        '-e',
        `API_TOKEN=${SECRETS.API_TOKEN}`,
        '-e',
        `DB_PASSWORD=${SECRETS.DB_PASSWORD}`,
        '-e',
        'PLAIN=visible',
        '-e',
        `GH=${SECRETS.GH}`,
        IMAGE,
        'sleep',
        'infinity',
      )
    ).trim();
    assert.match(containerId, /^[0-9a-f]{64}$/);

    work = mkdtempSync(path.join(os.tmpdir(), 'airlock-push-agent-test-'));
    binDir = path.join(work, 'bin');
    tmpDir = path.join(work, 'tmp');
    argvLog = path.join(work, 'curl-argv.log');
    for (const d of [binDir, tmpDir]) mkdirSync(d, { recursive: true });
    // A curl wrapper on PATH that records its argv, so the test can prove the token is not in it.
    const realCurl = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((p) => existsSync(p));
    assert.ok(realCurl, 'curl is required');
    writeFileSync(
      path.join(binDir, 'curl'),
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >>"$ARGV_LOG"\nexec ${realCurl} "$@"\n`,
    );
    chmodSync(path.join(binDir, 'curl'), 0o755);
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.close();
    if (containerId) await docker('rm', '-f', '-v', containerId).catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const shell of SHELLS) {
    it(`sends one masked report with ${shell} --once`, async () => {
      ingest.received.length = 0;
      ingest.status.code = 202;
      writeFileSync(argvLog, '');
      const token = randomBytes(24).toString('hex');
      const r = await run(
        shell,
        [SCRIPT, '--once'],
        agentEnv({ AIRLOCK_URL: ingest.url, AIRLOCK_HOST_TOKEN: token }),
      );
      assert.equal(r.code, 0, `exit ${r.code}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, /report ok: HTTP 202/);

      assert.equal(ingest.received.length, 1, 'exactly one request');
      const req = ingest.received[0]!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/api/ingest/docker');
      assert.equal(req.authorization, `Bearer ${token}`);
      assert.equal(req.contentType, 'application/json');
      assert.ok(Buffer.byteLength(req.body) < INGEST_MAX_BYTES);

      // Masked on the host: no secret value anywhere in the raw body.
      for (const secret of Object.values(SECRETS))
        assert.ok(!req.body.includes(secret), `secret leaked: ${secret}`);
      assert.ok(!req.body.includes(token), 'token leaked into the report');

      const parsed = IngestReport.safeParse(JSON.parse(req.body));
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2));
      const report = parsed.data;
      assert.equal(report.version, 1);
      assert.equal(report.agent, 'airlock-agent/1');
      assert.ok(Math.abs(Date.parse(report.sentAt) - Date.now()) < 60_000);

      const ps = report.ps.find((p) => p.ID === containerId);
      assert.ok(ps, 'container present in ps');
      assert.equal(ps.Names, name);
      assert.equal(ps.State, 'running');
      const ins = report.inspect.find((c) => c.Id === containerId);
      assert.ok(ins, 'container present in inspect');
      assert.equal(ins.Name, `/${name}`);
      assert.equal(ins.State.Running, true);
      const env = ins.Config.Env ?? [];
      assert.ok(env.includes('PLAIN=visible'), `PLAIN unmasked: ${env.join(' ')}`);
      assert.ok(env.includes('API_TOKEN=***'));
      assert.ok(env.includes('DB_PASSWORD=***'));
      assert.ok(env.includes('GH=***'), 'token shape masked whatever the name');
      assert.ok(
        report.stats.some((s) => s.ID === containerId),
        'container present in stats',
      );

      // The token never reaches curl's argv (it goes through a 0600 header file).
      const argv = readFileSync(argvLog, 'utf8');
      assert.ok(argv.includes('/api/ingest/docker'), 'curl wrapper was used');
      assert.ok(!argv.includes(token), 'token visible in curl argv');
      // Temp files (including the header file) are removed on exit.
      assert.deepEqual(readdirSync(tmpDir), []);
    });
  }

  it('exits non-zero with the server error on stderr when the deck answers 401 (--once)', async () => {
    ingest.received.length = 0;
    ingest.status.code = 401;
    const r = await run(
      '/bin/sh',
      [SCRIPT, '--once'],
      agentEnv({ AIRLOCK_URL: ingest.url, AIRLOCK_HOST_TOKEN: 'wrong-token' }),
    );
    ingest.status.code = 202;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /HTTP 401/);
    assert.match(r.stderr, /unknown host token/);
    assert.equal(ingest.received.length, 1);
    assert.deepEqual(readdirSync(tmpDir), []);
  });

  it('reads the token from AIRLOCK_HOST_TOKEN_FILE', async () => {
    ingest.received.length = 0;
    const token = randomBytes(16).toString('hex');
    const file = path.join(work, 'token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const r = await run(
      '/bin/sh',
      [SCRIPT, '--once'],
      agentEnv({ AIRLOCK_URL: `${ingest.url}/`, AIRLOCK_HOST_TOKEN_FILE: file }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ingest.received[0]?.authorization, `Bearer ${token}`);
    assert.equal(ingest.received[0]?.url, '/api/ingest/docker');
  });

  it('refuses bad configuration with exit 2 and a clear message', async () => {
    const cases: { env: Record<string, string>; args?: string[]; msg: RegExp }[] = [
      { env: { AIRLOCK_HOST_TOKEN: 'x' }, msg: /AIRLOCK_URL is not set/ },
      { env: { AIRLOCK_URL: ingest.url }, msg: /no host token/ },
      { env: { AIRLOCK_URL: 'http://deck.example.com', AIRLOCK_HOST_TOKEN: 'x' }, msg: /plain http/ },
      { env: { AIRLOCK_URL: 'ftp://x', AIRLOCK_HOST_TOKEN: 'x' }, msg: /must start with https/ },
      {
        env: { AIRLOCK_URL: ingest.url, AIRLOCK_HOST_TOKEN: 'x', AIRLOCK_INTERVAL: 'soon' },
        msg: /AIRLOCK_INTERVAL/,
      },
      {
        env: { AIRLOCK_URL: ingest.url, AIRLOCK_HOST_TOKEN: 'a b\nX-Evil: 1' },
        msg: /unexpected characters/,
      },
      { env: {}, args: ['--token', 'abc'], msg: /not accepted on the command line/ },
      { env: {}, args: ['--bogus'], msg: /unknown argument/ },
    ];
    for (const shell of SHELLS) {
      for (const c of cases) {
        const r = await run(shell, [SCRIPT, '--once', ...(c.args ?? [])], agentEnv(c.env));
        assert.equal(r.code, 2, `${shell} ${JSON.stringify(c)}: ${r.stderr}`);
        assert.match(r.stderr, c.msg);
      }
    }
    const help = await run('/bin/sh', [SCRIPT, '--help'], agentEnv({}));
    assert.equal(help.code, 0);
    assert.match(help.stdout, /AIRLOCK_URL/);
  });

  it('masks edge cases in the awk masker (no jq needed)', async () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAA\\n-----END OPENSSH PRIVATE KEY-----';
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const input = [
      '[{"Id":"abc","Config":{"Env":["my_secret=s1","Session_Id=s2","Q=a\\"]b","EMPTY_KEY=","NOEQ",',
      `"K=${key}","J=${jwt}","AWS=AKIAABCDEFGHIJKLMNOP","SL=xoxb-123456789012-abcdefghij","O=sk-proj-abcdefghijklmnopqrstuvwx",`,
      '"AFTER=fine"],"Cmd":["run","--pat","github_pat_11ABCDEFG0123456789_abcdefghijklmnop"],',
      '"Labels":{"Env":"x","PASSWORD":"label-values-are-not-env"}}},{"Config":{"Env":[],"Cmd":["TOKEN=notenv"]}}]',
    ].join('\n');
    for (const shell of SHELLS) {
      const r = await run(shell, [SCRIPT, '--mask'], agentEnv({}), input);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        Config: { Env: string[]; Cmd: string[]; Labels?: Record<string, string> };
      }[];
      const c = out[0]!.Config;
      assert.deepEqual(c.Env, [
        'my_secret=***',
        'Session_Id=***',
        'Q=a"]b',
        'EMPTY_KEY=***',
        'NOEQ',
        'K=***',
        'J=***',
        'AWS=***',
        'SL=***',
        'O=***',
        'AFTER=fine',
      ]);
      assert.deepEqual(c.Cmd, ['run', '--pat', '***']);
      assert.deepEqual(c.Labels, { Env: 'x', PASSWORD: 'label-values-are-not-env' });
      assert.deepEqual(out[1]!.Config, { Env: [], Cmd: ['TOKEN=notenv'] });
    }
  });

  it('--print builds a schema-valid report without sending anything', async () => {
    ingest.received.length = 0;
    const r = await run('/bin/sh', [SCRIPT, '--print'], agentEnv({ AIRLOCK_HOSTNAME: 'edge-1 "quoted"' }));
    assert.equal(r.code, 0, r.stderr);
    const report = IngestReport.parse(JSON.parse(r.stdout));
    assert.equal(report.hostname, 'edge-1 "quoted"');
    assert.ok(report.ps.some((p) => p.ID === containerId));
    assert.equal(ingest.received.length, 0);
  });

  it('drops the placeholder stats row of a container removed mid-snapshot instead of sending an invalid report', async () => {
    // `docker stats` reports a container that vanishes while it runs with ID "--"; a docker shim
    // adds that row deterministically (the real race showed up when tests ran side by side).
    const shimDir = path.join(work, 'docker-shim');
    mkdirSync(shimDir, { recursive: true });
    const realDocker = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));
    assert.ok(realDocker, 'docker CLI is required');
    writeFileSync(
      path.join(shimDir, 'docker'),
      `#!/bin/sh\nif [ "$1" = stats ]; then ${realDocker} "$@" || exit $?; printf '%s\\n' '{"ID":"--","Name":"--","CPUPerc":"--"}'; exit 0; fi\nexec ${realDocker} "$@"\n`,
    );
    chmodSync(path.join(shimDir, 'docker'), 0o755);
    const env = agentEnv({});
    env.PATH = `${shimDir}:${env.PATH ?? ''}`;
    const r = await run('/bin/sh', [SCRIPT, '--print'], env);
    assert.equal(r.code, 0, r.stderr);
    const report = IngestReport.parse(JSON.parse(r.stdout));
    assert.ok(report.stats.length > 0, 'the real stats rows are kept');
    assert.ok(!r.stdout.includes('"ID":"--"'));
  });

  it('the script is plain POSIX sh (parses under sh -n and dash -n)', async () => {
    for (const shell of SHELLS) {
      const r = await run(shell, ['-n', SCRIPT], agentEnv({}));
      assert.equal(r.code, 0, `${shell} -n: ${r.stderr}`);
    }
    const src = readFileSync(SCRIPT, 'utf8');
    assert.doesNotMatch(
      src,
      /(^|\s)\[\[\s|\$\{[A-Za-z_]+\/\/|<<<|\bdeclare\b|\blocal\b/,
      'bashism in script',
    );
  });
});
