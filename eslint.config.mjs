// ESLint flat config (`npm run lint` = `eslint . && prettier --check .`).
//
// - src/: typescript-eslint `strictTypeChecked` (type-aware, through the TypeScript project service).
// - spec/, spec-types/ and other TypeScript: typescript-eslint `recommended`, not type-aware, with
//   the allowances tests need.
// - JavaScript (scripts, bench, examples, the browser run, config files): @eslint/js `recommended`
//   with the globals of where it runs.
// Formatting is Prettier's job (.prettierrc.json); nothing here fights it.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const shared = {
  AbortController: 'readonly',
  AbortSignal: 'readonly',
  console: 'readonly',
  DOMException: 'readonly',
  Event: 'readonly',
  EventTarget: 'readonly',
  fetch: 'readonly',
  globalThis: 'readonly',
  performance: 'readonly',
  queueMicrotask: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  structuredClone: 'readonly',
  TextDecoder: 'readonly',
  TextEncoder: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
};
const nodeGlobals = {
  ...shared,
  Buffer: 'readonly',
  gc: 'readonly',
  global: 'readonly',
  process: 'readonly',
  setImmediate: 'readonly',
  clearImmediate: 'readonly',
};
const commonJsGlobals = {
  __dirname: 'readonly',
  __filename: 'readonly',
  exports: 'writable',
  module: 'writable',
  require: 'readonly',
};
const browserGlobals = {
  ...shared,
  document: 'readonly',
  location: 'readonly',
  navigator: 'readonly',
  window: 'readonly',
};

export default defineConfig(
  globalIgnores([
    'dist/',
    'coverage/',
    'docs/api/',
    'docs/marbles/',
    '.tmp/',
    'bench/results.json',
    '**/*.d.cts',
    '**/*.d.mts',
  ]),

  // --- src/: strict, type-checked ----------------------------------------------------------------
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Extending rxjs's Subscriber is how this package, like rxjs's own operators, sits on the value
      // path without an extra object per notification; rxjs 7 marks its constructor @deprecated.
      // LeanSubscriber rethrows finalizer errors as rxjs does, in an UnsubscriptionError (also
      // marked @deprecated: "do not construct", rxjs#6269).
      '@typescript-eslint/no-deprecated': [
        'error',
        {
          allow: [
            { from: 'package', package: 'rxjs', name: 'Subscriber' },
            { from: 'package', package: 'rxjs', name: 'UnsubscriptionError' },
          ],
        },
      ],
      // Rejecting with a caught `unknown` passes the original error on unchanged.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `() => this.unsubscribe()` is a callback, not a value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Template literals are how the error messages are built; numbers and booleans read fine there.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `_`-prefixed names are internal members of the package, not unused variables.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  // --- other TypeScript: tests and type tests ------------------------------------------------------
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    ignores: ['src/**'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  // --- JavaScript --------------------------------------------------------------------------------
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
  },
  {
    // runs in the page, not in Node
    files: ['spec-browser/page/**/*.{js,mjs}'],
    languageOptions: { globals: browserGlobals },
  },
  {
    // Node scripts that drive Chromium: the functions they pass to page.evaluate() run in the page
    files: ['spec-browser/*.mjs', 'scripts/marbles/preview.mjs'],
    languageOptions: { globals: { ...nodeGlobals, ...browserGlobals, DOMParser: 'readonly' } },
  },
);
