// `npm test`: every test, in tiers. Unit tests are colocated `*.test.ts` under apps/ and packages/;
// integration, escape and e2e tests live under test/. The escape tier attacks sealed sandboxes on
// both runtimes from the inside (test/escape). The build runs first because e2e tests start the
// built server and CLI, and integration and escape tests the built gateway.
// Usage: node scripts/test.mjs [--tier unit|integration|escape|e2e] [filter...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const tierIdx = args.indexOf('--tier');
const tier = tierIdx >= 0 ? args[tierIdx + 1] : undefined;
const filters = args.filter((a, i) => a !== '--tier' && i !== tierIdx + 1);

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (/\.test\.tsx?$/.test(e.name)) out.push(path.relative(root, p));
  }
  return out;
}

const tiers = {
  unit: [...find(path.join(root, 'apps')), ...find(path.join(root, 'packages'))],
  integration: find(path.join(root, 'test/integration')),
  escape: find(path.join(root, 'test/escape')),
  e2e: find(path.join(root, 'test/e2e')),
};
const chosen = tier ? [tier] : ['unit', 'integration', 'escape', 'e2e'];
let files = chosen.flatMap((t) => {
  if (!tiers[t]) {
    console.error(`unknown tier "${t}": use unit, integration, escape or e2e`);
    process.exit(2);
  }
  return tiers[t];
});
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

if (chosen.some((t) => t !== 'unit')) {
  // The escape tier alone needs the gateway and server, not the web bundle.
  const web = chosen.includes('e2e') || chosen.includes('integration');
  const b = spawnSync(process.execPath, ['scripts/build.mjs', ...(web ? [] : ['--no-web'])], {
    cwd: root,
    stdio: 'inherit',
  });
  if (b.status !== 0) process.exit(1);
}

const r = spawnSync(
  process.execPath,
  [
    '--conditions=airlock-src',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, AIRLOCK_TEST: '1' } },
);
process.exit(r.status ?? 1);
