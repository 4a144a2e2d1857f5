import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// StrykerJS config for `npm run test:mutation` (scripts/mutation.mjs installs Stryker on demand into .tmp/stryker/;
// it is not a dev dependency). Mutates src/ and runs the jest suite on each mutant, only the tests that cover it.
// Left out of the jest run (see RELIABILITY.md, "Mutation audits", sixth pass):
// - specs that run the built package (dist/, never mutated) in a child process or by import: they cannot see a mutant;
// - the slow ones: the property suite (fast-check, ≈ 25 s), the stress test (1,000,000 tasks, ≈ 20 s) and the
//   interleavings property (≈ 10 s), too slow to run again for each mutant they cover.

// Stryker 9.6.1 cannot place a StringLiteral mutant on a quoted class member name (`get '@@rxjs-cancel/Task@1'()`,
// the brands: it stops with "expressionMutantPlacer could not place mutants"), so the lines that declare one are left
// out: a file holding one is mutated in line ranges around them.
const srcFiles = readdirSync(new URL('src/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const mutate = srcFiles.flatMap((f) => {
  const lines = readFileSync(new URL(`src/${f}`, import.meta.url), 'utf8').split('\n');
  const skipped = lines.flatMap((line, i) => (/^\s*get '[^']*'\(/.test(line) ? [i + 1] : []));
  if (skipped.length === 0) return [`src/${f}`];
  return [0, ...skipped].map((from, i) => `src/${f}:${from + 1}-${(skipped[i] ?? lines.length + 1) - 1}`);
});

// Specs that run src/ in a child process read `node_modules/typescript` under their working directory, and Stryker
// does not link node_modules into its sandbox when node_modules is itself a symbolic link (a git worktree sharing
// one): the build command links it. The sandbox is <root>/<tempDirName>/sandbox-*; Stryker splits the command at
// spaces (no shell), so it has none.
const tempDirName = '.tmp/stryker/sandbox';
const up = '../'.repeat(tempDirName.split('/').length + 1);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate,
  testRunner: 'jest',
  jest: {
    configFile: 'jest.config.cjs',
    config: {
      testPathIgnorePatterns: [
        '/node_modules/',
        '/spec/angular\\.spec\\.ts$',
        '/spec/zone\\.spec\\.ts$',
        '/spec/demo\\.spec\\.ts$',
        '/spec/examples\\.spec\\.ts$',
        '/spec/properties\\.spec\\.ts$',
        '/spec/stress\\.spec\\.ts$',
        '/spec/asyncInterleavings\\.spec\\.ts$',
      ],
      // This test runs retry() until the stack overflows; in Stryker's instrumented code where the RangeError lands
      // varies, and it sometimes goes unheard (a failing dry run).
      testNamePattern: '^(?!.*retry\\(\\) over an errored task: RangeError)',
    },
    enableFindRelatedTests: false,
  },
  buildCommand: `node -e fs.existsSync('node_modules')||fs.symlinkSync('${up}node_modules','node_modules')`,
  testRunnerNodeArgs: [
    '--expose-gc',
    '--require',
    fileURLToPath(new URL('scripts/mutation-preload.cjs', import.meta.url)),
  ],
  coverageAnalysis: 'perTest',
  // Static mutants (in code run once, when a module loads) are covered by no test in particular, so Stryker runs the
  // whole suite for each: 209 of them would take half the run. Left out; run them with `-- --ignoreStatic false`.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5000,
  ignorePatterns: ['/.tmp', '/coverage', '/reports', '*.tgz'],
  tempDirName,
  cleanTempDir: true,
  incremental: true,
  incrementalFile: '.tmp/stryker/incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: '.tmp/stryker/report/mutation.json' },
  htmlReporter: { fileName: '.tmp/stryker/report/mutation.html' },
  thresholds: { high: 90, low: 80, break: null },
};
