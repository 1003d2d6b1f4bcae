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
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
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
});
