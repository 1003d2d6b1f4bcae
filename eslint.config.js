// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Only adapters/ may touch the outside world from the server (DESIGN.md, "Layout").
const outsideWorld = ['child_process', 'node:child_process', 'dockerode', 'ssh2', 'node-pty'];
const outsideWorldPaths = outsideWorld.map((name) => ({
  name,
  message: 'Only apps/server/src/adapters/ may import this (DESIGN.md: adapters are the only door out).',
}));

// One public face per module (DESIGN.md, "Layout"): from another module, import only its
// <domain>.module.ts, never its repo, routes or internals.
const oneFace = {
  regex: '^\\.\\./(?!\\.)[^/]+/(?![^/]+\\.module$).+$',
  message:
    "Import another module only through its face ('../<domain>/<domain>.module'); pass what it needs in through a port.",
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.airlock/**',
      'test-artifacts/**',
      'agent/**',
      'images/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['apps/server/src/**/*.ts'],
    ignores: ['apps/server/src/adapters/**'],
    rules: { 'no-restricted-imports': ['error', { paths: outsideWorldPaths }] },
  },
  {
    // Later entries replace a rule's options for the files they match, so the paths repeat here.
    files: ['apps/server/src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: outsideWorldPaths,
          patterns: [
            oneFace,
            {
              // Ports before adapters: a module depends on the interfaces it owns (*.port.ts);
              // only its face (<domain>.module.ts, below) builds the adapters behind them.
              regex: '^(\\.\\./)+adapters/',
              message:
                'Depend on a port this module owns (e.g. engine.port.ts); only <domain>.module.ts wires adapters in.',
            },
          ],
        },
      ],
    },
  },
  {
    // The face wires adapters in, so it keeps only the one-face rule.
    files: ['apps/server/src/modules/**/*.module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: outsideWorldPaths,
          patterns: [oneFace],
        },
      ],
    },
  },
  {
    // Adapters implement ports and know nothing else of the modules: they may name a port's types,
    // never a service, repo or mapping (DESIGN.md, "Layout").
    files: ['apps/server/src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./modules/(?!.+\\.port$).+$',
              message: 'Adapters import nothing from modules/ but the ports they implement (*.port.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}', 'apps/cli/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/apps/server/**', '@airlock/server', '@airlock/server/*'],
              message: 'Web and CLI import only @airlock/contract.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // One job per function (ARCHITECTURE.md, "Layout"): a function this long holds several; split it
    // (buildApp, fleetRoutes and ContainerPage were 190, 240 and 300 lines). Tests are exempt.
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.testing.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 130, skipBlankLines: true, skipComments: true }] },
  },
  {
    // A component holds its markup, so the bound is looser.
    files: ['apps/web/src/**/*.tsx'],
    ignores: ['**/*.test.tsx'],
    rules: { 'max-lines-per-function': ['error', { max: 250, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
