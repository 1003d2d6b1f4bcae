// Builds every deployable: server and CLI bundles (esbuild; node_modules stay external) and the
// web app (vite). Type checking is `npm run typecheck`, kept out of the build so start-up is fast.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const onlyWeb = process.argv.includes('--web');
const skipWeb = process.argv.includes('--no-web');

/** Keep third-party packages external (native addons, dynamic requires); bundle workspace code. */
const externalDeps = {
  name: 'external-deps',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@airlock/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  conditions: ['airlock-src'],
  plugins: [externalDeps],
  logLevel: 'warning',
};

async function main() {
  const t0 = Date.now();
  if (!onlyWeb) {
    await build({
      ...common,
      entryPoints: { main: path.join(root, 'apps/server/src/main.ts') },
      outdir: path.join(root, 'apps/server/dist'),
    });
    await build({
      ...common,
      entryPoints: { main: path.join(root, 'apps/gateway/src/main.ts') },
      outdir: path.join(root, 'apps/gateway/dist'),
    });
    await build({
      ...common,
      entryPoints: { airlock: path.join(root, 'apps/cli/src/main.ts') },
      outdir: path.join(root, 'apps/cli/dist'),
      banner: { js: '#!/usr/bin/env node' },
    });
    console.log(`built server, gateway and cli (${Date.now() - t0} ms)`);
  }
  if (!skipWeb) {
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: path.join(root, 'apps/web'),
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) {
      console.error('web build failed');
      process.exit(1);
    }
    console.log(`built web (${Date.now() - t0} ms)`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
