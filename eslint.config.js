import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.aws-sam/', '.venv-tools/', 'coverage/', 'bench/tmp/', '.vigil/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // zod's `z` object carries every locale zod ships (~350 KB of each bundle, parsed at
    // every cold start); `import * as z` lets esbuild keep only what is used.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']", message: "import * as z from 'zod' (the named `z` bundles every zod locale)" }],
    },
  },
  {
    // The domain core is pure: no AWS SDK, no environment, no I/O (see STYLE.md).
    files: ['functions/shared/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*', '@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@aws-lambda-powertools/tracer', 'node:fs', 'node:http', 'node:https', '../adapters/*', '../runtime/*'], message: 'the domain core knows nothing of AWS, I/O or the runtime' }] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'the core reads no environment; pass configuration in' }],
    },
  },
);
