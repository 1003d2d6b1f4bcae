import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The layout rules of ARCHITECTURE.md ("Layout") are lint rules; this proves each one refuses what
// it must and lets the sanctioned shape through, with the project's own eslint.config.js.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({
  cwd: root,
  // Only the import rules matter here, and they need no type information.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'max-lines-per-function',
});

async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.message);
}

void describe('layout rules', () => {
  void it('an adapter may name a port, and nothing else of modules/', async () => {
    assert.deepEqual(
      await refusals(
        'apps/server/src/adapters/probe.ts',
        "import type { Engine } from '../modules/fleet/engine.port';\nexport type E = Engine;\n",
      ),
      [],
    );
    for (const target of [
      '../modules/fleet/inspect',
      '../modules/fleet/fleet.module',
      '../modules/hosts/hosts.repo',
    ])
      assert.match(
        (
          await refusals(
            'apps/server/src/adapters/probe.ts',
            `import { x } from '${target}';\nexport { x };\n`,
          )
        ).join(),
        /Adapters import nothing from modules/,
        target,
      );
  });

  void it('a module reaches adapters only through its face', async () => {
    const code = "import { DockerEngine } from '../../adapters/docker.adapter';\nexport { DockerEngine };\n";
    assert.match(
      (await refusals('apps/server/src/modules/fleet/fleet.service.ts', code)).join(),
      /Depend on a port this module owns/,
    );
    assert.deepEqual(await refusals('apps/server/src/modules/fleet/fleet.module.ts', code), []);
  });

  void it("a module imports another only through that module's face", async () => {
    assert.match(
      (
        await refusals(
          'apps/server/src/modules/fleet/fleet.service.ts',
          "import { HostsRepo } from '../hosts/hosts.repo';\nexport { HostsRepo };\n",
        )
      ).join(),
      /only through its face/,
    );
    assert.deepEqual(
      await refusals(
        'apps/server/src/modules/fleet/fleet.service.ts',
        "import type { HostsService } from '../hosts/hosts.module';\nexport type H = HostsService;\n",
      ),
      [],
    );
  });

  void it('only adapters touch the outside world', async () => {
    const code = "import { spawn } from 'node:child_process';\nexport { spawn };\n";
    assert.match(
      (await refusals('apps/server/src/lib/probe.ts', code)).join(),
      /Only apps\/server\/src\/adapters/,
    );
    assert.deepEqual(await refusals('apps/server/src/adapters/probe.ts', code), []);
  });

  void it('a function holds one job: lint refuses one over 130 lines (a component over 250)', async () => {
    const fn = (name: string, lines: number, jsx = false) =>
      `export function ${name}(): unknown {\n${Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join('\n')}\n  return ${jsx ? '<div />' : 'v0'};\n}\n`;
    // A module graph or a route table that grows back past the bound, wherever it sits.
    for (const file of [
      'apps/server/src/compose.ts',
      'apps/gateway/src/probe.ts',
      'packages/contract/src/probe.ts',
    ])
      assert.match((await refusals(file, fn('composeModules', 130))).join(), /too many lines \(133\)/, file);
    assert.deepEqual(await refusals('apps/server/src/compose.ts', fn('composeModules', 120)), []);
    assert.match(
      (await refusals('apps/web/src/pages/Probe.tsx', fn('Page', 250, true))).join(),
      /too many lines/,
    );
    assert.deepEqual(await refusals('apps/web/src/pages/Probe.tsx', fn('Page', 200, true)), []);
    // Tests may be long: a suite is one job.
    assert.deepEqual(await refusals('apps/server/src/probe.test.ts', fn('suite', 300)), []);
  });
});
