#!/usr/bin/env node
/**
 * Packaging gates (`npm run test:package`), run against the packed tarball, not the working tree:
 *
 *  1. `npm pack` into a temp dir; the tarball holds `dist/`, `package.json`, README, LICENSE (CHANGELOG).
 *  2. publint (strict, every level down to suggestions) reports nothing.
 *  3. @arethetypeswrong/cli (profile strict: node10, node16 CJS and ESM, bundler) reports nothing.
 *  4. The export list agrees everywhere: `dist/index.d.ts`, `dist/index.d.cts`, the ESM and CJS builds.
 *  5. A consumer project made on the fly installs the tarball (offline: rxjs and tslib are packed from
 *     this repo's node_modules) and type-checks (`skipLibCheck: false`) and runs an import of every
 *     export under `moduleResolution` nodenext as ESM, nodenext as CJS, and bundler (bundled by esbuild).
 *  6. Tree-shaking: importing one operator alone does not pull in the others (bundled by esbuild,
 *     the bundler size-limit uses).
 *  7. Syntax: the ESM and CJS builds use nothing newer than ES2021 (esbuild lowers nothing at that target).
 *
 * Needs `npm run build` first (`npm test` builds before it). `--keep` keeps the temp dir;
 * `--only=publint,attw,exports,consumer,treeshake,syntax` runs a subset (pack always runs).
 * size-limit budgets run separately (`npm run test:size`, see .size-limit.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const keep = process.argv.includes('--keep');
/** `--only=treeshake,consumer,…` runs a subset (pack, publint, attw, exports, consumer, treeshake, syntax). */
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (name) => only === undefined || only.includes(name);

/** What the contract promises (the list the dist smoke tests check too); more exports are welcome. */
const CONTRACT_VALUES = require('./scripts/seed-scenario.cjs').EXPORTS;
const CONTRACT_TYPES = ['TaskSource', 'TaskOptions'];
/** Exports that are the package's core: every other export builds on them, so they are never shaken out. */
const CORE = new Set(['CancelledError', 'ChildCancelled', 'Task', 'task', 'startTask']);
/**
 * Exports that observe, link or combine tasks but never make one: imported alone, they must leave the
 * `Task` class out (they recognise a task by its brand). `shield` and `awaitTask` run a source that is
 * not a task on a subscription of their own, not in a wrapper task.
 */
const WITHOUT_TASK_CLASS = [
  'CancelledError',
  'ChildCancelled',
  'detectCancel',
  'shield',
  'awaitTask',
  'whenAllCancellable',
  'whenAnyCancellable',
  'cancelWhen',
  'linkSignals',
];

/** The newest ECMAScript syntax `dist/` may use (`target` in tsconfig.json; docs/packaging.md, "What runs it"). */
const SYNTAX_LEVEL = 2021;

const failures = [];
let step = 0;

function log(message) {
  console.log(message);
}

function fail(message) {
  failures.push(message);
  console.log(`  ✗ ${message}`);
}

function pass(message) {
  console.log(`  ✓ ${message}`);
}

function heading(title) {
  step += 1;
  log(`\n${step}. ${title}`);
}

/** Runs a command; returns its output, or throws with the output when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`${[command, ...args].join(' ')} exited with ${result.status}\n${output}`);
  }
  return result.stdout;
}

function npm(args, cwd) {
  // Inside `npm run`, npm_execpath is the npm that runs us; outside, the one on PATH.
  const execPath = process.env.npm_execpath;
  return execPath && /\.c?js$/.test(execPath)
    ? run(process.execPath, [execPath, ...args], { cwd })
    : run('npm', args, { cwd });
}

function parseExports(dts) {
  const list = (re) =>
    [...dts.matchAll(re)].flatMap((m) =>
      m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.split(/\s+as\s+/).pop()),
    );
  return {
    values: list(/^export \{([^}]*)\};?$/gm),
    types: list(/^export type \{([^}]*)\};?$/gm),
  };
}

const sameSet = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

// ---------------------------------------------------------------------------------------------

const distFiles = ['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];
const missing = distFiles.filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.error(`check-package: ${missing.join(', ')} missing; run \`npm run build\` first.`);
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'rxjs-cancel-package-'));
log(`rxjs-cancel package gates (temp dir ${tmp})`);

try {
  // 1 -------------------------------------------------------------------------------------------
  heading('npm pack');
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root));
  const tarball = join(tmp, packed.filename);
  const files = packed.files.map((f) => f.path).sort();
  const unexpected = files.filter((f) => !/^(dist\/|package\.json$|(README|LICEN[CS]E|CHANGELOG)(\.\w+)?$)/i.test(f));
  if (unexpected.length > 0) fail(`tarball contains unexpected files: ${unexpected.join(', ')}`);
  for (const f of distFiles) if (!files.includes(f)) fail(`tarball lacks ${f}`);
  pass(`${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} kB packed (${files.join(', ')})`);

  // 2 -------------------------------------------------------------------------------------------
  if (wanted('publint')) {
    heading('publint (strict, all levels)');
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const bytes = readFileSync(tarball);
    const tarBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const { messages, pkg } = await publint({
      pack: { tarball: tarBuffer },
      level: 'suggestion',
      strict: true,
    });
    if (messages.length === 0) pass('no messages');
    for (const message of messages) fail(`publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
  }

  // 3 -------------------------------------------------------------------------------------------
  if (wanted('attw')) {
    heading('@arethetypeswrong/cli (profile strict)');
    const attwPackage = require.resolve('@arethetypeswrong/cli/package.json');
    const attw = join(dirname(attwPackage), JSON.parse(readFileSync(attwPackage, 'utf8')).bin.attw);
    const result = spawnSync(
      process.execPath,
      [attw, tarball, '--format', 'json', '--profile', 'strict', '--no-definitely-typed'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    let report;
    try {
      report = JSON.parse(result.stdout);
    } catch {
      fail(`attw did not produce JSON (exit ${result.status}): ${result.stderr || result.stdout}`);
    }
    if (report) {
      const problems = Object.values(report.problems ?? {}).flat();
      const resolutions = Object.values(report.analysis.entrypoints).flatMap((entry) =>
        Object.entries(entry.resolutions).map(
          ([kind, r]) => `${entry.subpath} ${kind} → ${r.resolution?.fileName ?? '∅'}`,
        ),
      );
      if (problems.length === 0 && result.status === 0) pass(`no problems (${resolutions.length} resolutions checked)`);
      for (const p of problems) {
        fail(`attw ${p.kind}: ${[p.entrypoint, p.resolutionKind, p.resolutionOption].filter(Boolean).join(' ')}`);
      }
      if (problems.length === 0 && result.status !== 0) fail(`attw exited with ${result.status}: ${result.stderr}`);
    }
  }

  // 4 -------------------------------------------------------------------------------------------
  heading('export list: d.ts = d.cts = ESM = CJS ⊇ contract');
  const dts = parseExports(readFileSync(join(root, 'dist/index.d.ts'), 'utf8'));
  const dcts = parseExports(readFileSync(join(root, 'dist/index.d.cts'), 'utf8'));
  const esmKeys = Object.keys(await import(pathToFileURL(join(root, 'dist/index.mjs')).href));
  const cjsKeys = Object.keys(require('./dist/index.cjs')).filter((k) => k !== '__esModule');
  if (!sameSet(dts.values, dcts.values) || !sameSet(dts.types, dcts.types)) fail('index.d.ts and index.d.cts differ');
  if (!sameSet(dts.values, esmKeys)) fail(`ESM exports [${esmKeys}] ≠ declared [${dts.values}]`);
  if (!sameSet(dts.values, cjsKeys)) fail(`CJS exports [${cjsKeys}] ≠ declared [${dts.values}]`);
  const notExported = [...CONTRACT_VALUES, ...CONTRACT_TYPES].filter(
    (name) => !dts.values.includes(name) && !dts.types.includes(name),
  );
  if (notExported.length > 0) fail(`contract exports missing: ${notExported.join(', ')}`);
  pass(`${dts.values.length} values (${dts.values.join(', ')}); ${dts.types.length} types (${dts.types.join(', ')})`);

  // 5 -------------------------------------------------------------------------------------------
  if (wanted('consumer')) {
    heading('consumer project from the tarball (offline install)');
    const consumer = join(tmp, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
    // rxjs (the peer) and its tslib come from this repo's node_modules, packed like any package,
    // so `npm install --offline` needs neither the registry nor a warm cache.
    const peers = ['rxjs', 'tslib'].map((name) => {
      const dir = dirname(require.resolve(`${name}/package.json`));
      const [info] = JSON.parse(npm(['pack', dir, '--json', '--ignore-scripts', '--pack-destination', tmp], tmp));
      return join(tmp, info.filename);
    });
    npm(
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--no-package-lock',
        '--loglevel=error',
        tarball,
        ...peers,
      ],
      consumer,
    );
    pass(`installed ${[tarball, ...peers].map((p) => p.slice(tmp.length + 1)).join(', ')}`);

    const tsc = require.resolve('typescript/bin/tsc');
    // The oldest TypeScript the README promises (the `const` type parameters of the combinators need 5.0).
    const oldestTsc = require.resolve('typescript-min/bin/tsc');
    // TypeScript 7, the native compiler (the `typescript-native` npm alias): its package exports no `bin/tsc`, so by path.
    const nativeTsc = join(dirname(require.resolve('typescript-native/package.json')), 'bin', 'tsc');
    const baseOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: [],
      strict: true,
      skipLibCheck: false, // type-check the package's own .d.ts files too
      noEmitOnError: true,
      outDir: 'out',
      rootDir: '.',
    };
    const nodenext = { module: 'nodenext', moduleResolution: 'nodenext' };
    const variants = [
      {
        name: 'esm-nodenext',
        type: 'module',
        options: nodenext,
      },
      {
        name: 'cjs-nodenext',
        type: 'commonjs',
        options: nodenext,
      },
      {
        name: 'esm-nodenext, TypeScript 5.0',
        dir: 'esm-nodenext-ts5.0',
        type: 'module',
        tsc: oldestTsc,
        options: nodenext,
      },
      {
        name: 'esm-nodenext, TypeScript 7',
        dir: 'esm-nodenext-ts7',
        type: 'module',
        tsc: nativeTsc,
        options: nodenext,
      },
      {
        name: 'cjs-nodenext, TypeScript 7',
        dir: 'cjs-nodenext-ts7',
        type: 'commonjs',
        tsc: nativeTsc,
        options: nodenext,
      },
      {
        name: 'bundler',
        type: 'module',
        options: {
          module: 'preserve',
          moduleResolution: 'bundler',
          noEmit: true,
        },
      },
    ];
    for (const variant of variants) {
      const dir = join(consumer, variant.dir ?? variant.name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: variant.type }, null, 2));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify(
          {
            compilerOptions: { ...baseOptions, ...variant.options },
            files: ['index.ts'],
          },
          null,
          2,
        ),
      );
      writeFileSync(join(dir, 'index.ts'), consumerSource(variant.name, dts));
      try {
        run(process.execPath, [variant.tsc ?? tsc, '-p', 'tsconfig.json'], { cwd: dir });
        let output;
        if (variant.name === 'bundler') {
          const { build } = await import(pathToFileURL(require.resolve('esbuild')).href);
          await build({
            entryPoints: [join(dir, 'index.ts')],
            absWorkingDir: dir,
            bundle: true,
            platform: 'browser',
            format: 'esm',
            logLevel: 'warning',
            outfile: join(dir, 'out/bundle.mjs'),
          });
          output = run(process.execPath, ['out/bundle.mjs'], { cwd: dir });
        } else {
          output = run(process.execPath, ['out/index.js'], { cwd: dir });
        }
        pass(`${variant.name}: tsc ok; ${output.trim()}`);
      } catch (error) {
        fail(`${variant.name}: ${error.message}`);
      }
    }
  }

  // 6 -------------------------------------------------------------------------------------------
  if (wanted('treeshake')) {
    heading('tree-shaking: one export alone (esbuild, minified, rxjs external)');
    const { build } = await import(pathToFileURL(require.resolve('esbuild')).href);
    const bundleOf = async (names) => {
      const { outputFiles } = await build({
        stdin: { contents: `import { ${names} } from './dist/index.mjs';\nconsole.log(${names});\n`, resolveDir: root },
        bundle: true,
        external: ['rxjs', 'rxjs/*'],
        format: 'esm',
        minify: true,
        write: false,
        logLevel: 'silent',
      });
      return outputFiles[0].text;
    };
    const gz = (code) => (gzipSync(code, { level: 9 }).length / 1000).toFixed(2);
    // Each operator names itself in its argument checks ('detectCancel', …): that string is its marker.
    const hasMarker = (code, name) => new RegExp(`['"\`]${name}['"\`]`).test(code);
    const operators = dts.values.filter((name) => !CORE.has(name) && /^[a-z]/.test(name));
    const codes = new Map();
    for (const name of dts.values) codes.set(name, await bundleOf(name));
    const marked = operators.filter((name) => hasMarker(codes.get(name), name));
    // The Task class names its start() in that method's argument check: 'task.start' is its marker (a bare 'task'
    // is no marker: the errors' messages say "task was cancelled").
    const taskMarker = 'task\\.start';
    if (!hasMarker(codes.get('Task'), taskMarker))
      fail("no marker string 'task.start' found in Task's bundle: the Task-free check cannot work");
    const unmarked = operators.filter((name) => !marked.includes(name));
    if (unmarked.length > 0) log(`  (no marker string found for ${unmarked.join(', ')}: not checked)`);
    const whole = await bundleOf(dts.values.join(', '));
    for (const name of dts.values) {
      const code = codes.get(name);
      const pulled = marked.filter((other) => other !== name && hasMarker(code, other));
      if (pulled.length > 0) fail(`importing ${name} alone pulls in ${pulled.join(', ')}`);
      else if (WITHOUT_TASK_CLASS.includes(name) && hasMarker(code, taskMarker))
        fail(`importing ${name} alone pulls in Task`);
      else
        pass(
          `${name} alone: ${gz(code)} kB min+gz (whole package ${gz(whole)} kB), no other operator${WITHOUT_TASK_CLASS.includes(name) ? ', no Task' : ''}`,
        );
    }
  }

  // 7 -------------------------------------------------------------------------------------------
  if (wanted('syntax')) {
    heading(`syntax: ES${SYNTAX_LEVEL} at most (what a consumer's parser must read)`);
    const { transform } = await import(pathToFileURL(require.resolve('esbuild')).href);
    for (const file of ['dist/index.mjs', 'dist/index.cjs']) {
      const code = readFileSync(join(root, file), 'utf8');
      const printed = async (target) => (await transform(code, { target, logLevel: 'silent' })).code;
      // esbuild lowers what is newer than its target: an unchanged print means nothing newer is there
      if ((await printed(`es${SYNTAX_LEVEL}`)) === (await printed('esnext'))) pass(`${file}: ES${SYNTAX_LEVEL}`);
      else fail(`${file} uses syntax newer than ES${SYNTAX_LEVEL} (docs/packaging.md promises ES${SYNTAX_LEVEL})`);
    }
  }
} catch (error) {
  fail(error.stack ?? String(error));
}

if (failures.length > 0) {
  console.log(`\n✗ ${failures.length} packaging gate(s) failed; temp dir kept: ${tmp}`);
  process.exit(1);
}
if (keep) console.log(`\n✓ all packaging gates passed (temp dir kept: ${tmp})`);
else {
  rmSync(tmp, { recursive: true, force: true });
  console.log('\n✓ all packaging gates passed');
}

// ---------------------------------------------------------------------------------------------

/** The consumer's entry: imports every export, checks it at runtime, runs the seed scenario in small. */
function consumerSource(variant, { values, types }) {
  const isCjs = variant.startsWith('cjs');
  return `// Generated by scripts/check-package.mjs: every export of rxjs-cancel, under ${variant}.
import { ${values.join(', ')} } from 'rxjs-cancel';
export type { ${types.join(', ')} } from 'rxjs-cancel';
import { NEVER, Observable, of } from 'rxjs';

const exported: Record<string, unknown> = { ${values.join(', ')} };
const undefinedExports = Object.keys(exported).filter((name) => exported[name] === undefined);
if (undefinedExports.length > 0) throw new Error('undefined exports: ' + undefinedExports.join(', '));

// Every export keeps its name, which consoles show (esbuild renames a class whose body refers to itself).
const renamed = Object.keys(exported).filter((name) => (exported[name] as { name?: string }).name !== name);
if (renamed.length > 0) throw new Error('exports renamed by the build: ' + renamed.join(', '));

// Types infer the same way under every resolution mode.
const both: Observable<[number, string | undefined]> = whenAllCancellable([Promise.resolve(1), of('a')]);
void both;

// The package's internals are not part of its published types (stripInternal).
// @ts-expect-error: _observe is internal
void startTask(NEVER)._observe;

// The seed scenario in small: a child cancelled by someone else reaches its consumer as ChildCancelled.
const child: Task<never> = startTask(NEVER, { name: 'child' });
let seen: unknown;
child.pipe(detectCancel()).subscribe({ error: (error: unknown) => (seen = error) });
child.cancel('because');
if (!(seen instanceof ChildCancelled) || seen.child !== child || !(seen instanceof CancelledError)) {
  throw new Error('expected a ChildCancelled for the child, got ' + String(seen));
}
${
  isCjs
    ? `
// The dual-package hazard: the ESM copy's errors are still \`instanceof\` the CJS copy's classes.
async function main(): Promise<void> {
  const esm = await import('rxjs-cancel');
  if (esm.CancelledError === CancelledError) throw new Error('expected two copies (ESM and CJS)');
  if (!(new esm.ChildCancelled(new esm.CancelledError()) instanceof ChildCancelled)) {
    throw new Error('instanceof does not hold across the ESM and CJS copies');
  }
  console.log('ran ${values.length} exports, seed scenario and ESM/CJS instanceof ok (CJS)');
}
main().catch((error: unknown) => {
  console.error(error);
  throw error;
});
`
    : `console.log('ran ${values.length} exports and the seed scenario ok (${variant === 'bundler' ? 'bundled ESM' : 'ESM'})');
`
}`;
}
