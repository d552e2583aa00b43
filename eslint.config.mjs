// npm run lint: typescript-eslint's recommended rules, plus the size limits of the developers' guide (a function
// fits on a screen, a module has one concern). Formatting is prettier's job (.prettierrc.json), not eslint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      // prettier's printWidth: what it cannot break (a long string, a test's title) is broken by hand.
      'max-len': ['error', { code: 140, tabWidth: 2 }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Caught errors are typed unknown and narrowed where used; an empty catch says in a comment why.
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Every deadline goes through sys/timer.ts: Node clamps a timer over 2^31-1 ms to 1 ms.
    files: ['supervisor/src/**/*.ts', 'host-cli/src/**/*.ts'],
    ignores: ['supervisor/src/sys/timer.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sys/timer.ts (after, sleep): it survives delays over 2^31-1 ms' },
        { name: 'setInterval', message: 'use sys/timer.ts (every)' },
      ],
    },
  },
  {
    // Tests are lists of cases: a test body may be long, a test file holds one concern's cases.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off', 'max-lines': 'off' },
  },
  {
    files: ['scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
