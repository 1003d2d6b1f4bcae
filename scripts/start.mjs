// `npm start`: install what is missing, build what is stale, then run `airlock serve`.
// Extra arguments after `npm start --` are passed to `airlock serve`.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Airlock needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

function run(cmd, args, what) {
  console.log(`==> ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const nativeOk = existsSync(path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
if (
  !existsSync(path.join(root, 'node_modules/.package-lock.json')) ||
  !nativeOk ||
  mtime(path.join(root, 'package-lock.json')) > mtime(path.join(root, 'node_modules/.package-lock.json'))
) {
  run(npm, ['install', '--no-audit', '--no-fund'], 'installing dependencies');
}

const srcTime = Math.max(newest(path.join(root, 'apps')), newest(path.join(root, 'packages')));
const built = Math.min(
  mtime(path.join(root, 'apps/server/dist/main.js')),
  mtime(path.join(root, 'apps/cli/dist/airlock.js')),
  mtime(path.join(root, 'apps/web/dist/index.html')),
);
if (built === 0 || srcTime > built) run(process.execPath, ['scripts/build.mjs'], 'building');

const child = spawn(
  process.execPath,
  [path.join(root, 'apps/cli/dist/airlock.js'), 'serve', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
