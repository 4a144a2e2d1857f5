// `npm run bench [-- name ...]`: runs every scenario (or those whose name
// contains one of the arguments), each in its own `node --expose-gc` process
// so one scenario's heap and JIT state do not leak into the next. Prints the
// table, merges the rows into bench/results.json and rewrites the table
// section of BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(benchDir);
const resultsFile = path.join(benchDir, 'results.json');
const markdownFile = path.join(root, 'BENCHMARKS.md');
const START = '<!-- bench:table:start (written by `npm run bench`) -->';
const END = '<!-- bench:table:end -->';

/** Scenario files, in the order the issue lists them. */
const ORDER = ['value-path', 'lifecycle', 'hot-paths', 'fan-out', 'when-all', 'memory', 'depth', 'size'];

if (process.argv[2] === '--child') {
  await runChild(process.argv[3], process.argv[4]);
} else {
  await main(process.argv.slice(2));
}

async function runChild(file, out) {
  const scenario = await import(pathToFileURL(file).href);
  const started = performance.now();
  const rows = await scenario.run();
  writeFileSync(out, JSON.stringify({ title: scenario.title, durationMs: performance.now() - started, rows }));
}

async function main(args) {
  if (args.includes('--help')) {
    console.log(`usage: npm run bench [-- <scenario> ...]\nscenarios: ${ORDER.join(', ')}`);
    return;
  }
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.mjs'))
    .sort((a, b) => rank(a) - rank(b));
  const chosen = args.length === 0 ? files : files.filter((f) => args.some((a) => f.includes(a)));
  if (chosen.length === 0) {
    console.error(`no scenario matches ${args.join(', ')}; have: ${files.map(scenarioName).join(', ')}`);
    process.exit(2);
  }
  const machine = describeMachine();
  console.log(
    `${machine.cpu} ×${machine.cores}, ${machine.os}, Node ${machine.node}, load ${machine.loadAtStart}, clock: ${machine.clock}, ` +
      `page first touch ${machine.pageFirstTouchUs} µs, rewrite ${machine.pageRewriteUs} µs`,
  );
  const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { scenarios: {} };
  const scenarios = args.length === 0 ? {} : { ...previous.scenarios };
  // A run of some scenarios keeps the last full run's machine line, which its other rows were measured under,
  // and notes its own Node and load beside each scenario it reran.
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const rerun = args.length > 0 && previous.machine !== undefined;
  const rerunNote = rerun ? { rerun: { command, node: machine.node, loadAtStart: machine.loadAtStart } } : {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjs-cancel-bench-'));
  let failed = false;
  try {
    for (const file of chosen) {
      const name = scenarioName(file);
      console.log(`▶ ${name} …`);
      const out = path.join(tmp, `${name}.json`);
      const child = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--max-old-space-size=4096',
          fileURLToPath(import.meta.url),
          '--child',
          path.join(benchDir, file),
          out,
        ],
        { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (child.status !== 0 || !existsSync(out)) {
        console.log(`  ${name} crashed (exit ${child.status ?? child.signal})`);
        scenarios[name] = {
          ranAt: new Date().toISOString(),
          ...rerunNote,
          rows: [{ case: 'run', target: 'runs', pass: false, note: `exit ${child.status ?? child.signal}` }],
        };
        failed = true;
        continue;
      }
      const result = JSON.parse(readFileSync(out, 'utf8'));
      console.log(`  ${name}: ${(result.durationMs / 1000).toFixed(1)} s`);
      scenarios[name] = {
        ranAt: new Date().toISOString(),
        ...rerunNote,
        durationMs: Math.round(result.durationMs),
        rows: result.rows,
      };
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const results = {
    machine: rerun ? previous.machine : machine,
    command: rerun ? previous.command : command,
    scenarios: sortScenarios(scenarios),
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  const table = renderTable(results);
  console.log(`\n${table}\n`);
  await updateMarkdown(table, results);
  const rows = Object.values(results.scenarios).flatMap((s) => s.rows);
  console.log(
    `${rows.filter((r) => r.pass === true).length} pass, ${rows.filter((r) => r.pass === false).length} fail, ` +
      `${rows.filter((r) => r.pass == null && r.status !== 'info').length} pending → bench/results.json, BENCHMARKS.md`,
  );
  if (failed) process.exitCode = 1;
}

function rank(file) {
  const i = ORDER.indexOf(scenarioName(file));
  return i < 0 ? ORDER.length : i;
}

function scenarioName(file) {
  return file.replace(/\.bench\.mjs$/, '');
}

function sortScenarios(scenarios) {
  return Object.fromEntries(
    Object.entries(scenarios).sort(([a], [b]) => rank(`${a}.bench.mjs`) - rank(`${b}.bench.mjs`)),
  );
}

function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    rxjs: JSON.parse(readFileSync(path.join(root, 'node_modules/rxjs/package.json'), 'utf8')).version,
    loadAtStart: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    clock:
      process.env.BENCH_CLOCK === 'wall' ? 'wall time' : 'CPU time of the process (BENCH_CLOCK=wall for wall time)',
    ...pageCosts(),
    date: new Date().toISOString(),
  };
}

/**
 * What writing a 4 KiB page of memory costs the first time the process
 * touches it (the kernel maps it in) and when it is written again, in µs:
 * medians of five 32 MiB buffers. Where the first is far above the second,
 * a benchmark whose heap grows (10⁵ live participants, a chain of 10⁵
 * tasks) pays for each new page, and linearity rows measure that cost; see
 * BENCHMARKS.md, "Fresh memory".
 */
function pageCosts() {
  const bytes = 32 * 2 ** 20;
  const pages = bytes / 4096;
  const first = [];
  const again = [];
  for (let i = 0; i < 5; i++) {
    const buffer = Buffer.alloc(bytes); // zeroed by the kernel: its pages are not mapped in yet
    let t = process.hrtime.bigint();
    buffer.fill(1);
    first.push(Number(process.hrtime.bigint() - t) / 1e3 / pages);
    t = process.hrtime.bigint();
    buffer.fill(2);
    again.push(Number(process.hrtime.bigint() - t) / 1e3 / pages);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { pageFirstTouchUs: +median(first).toFixed(2), pageRewriteUs: +median(again).toFixed(3) };
}

function fmtTime(side) {
  if (side === undefined) return '—';
  const digits = side.median >= 100 ? 0 : side.median >= 10 ? 1 : 2;
  return `${side.median.toFixed(digits)} ${side.unit === 'us' ? 'µs' : side.unit} ±${side.spread.toFixed(0)}%`;
}

function fmtRatio(row) {
  if (row.measured !== undefined) return row.measured;
  if (row.ratio === undefined) return '—';
  const range = row.ratioRange ? ` (${row.ratioRange[0].toFixed(2)}–${row.ratioRange[1].toFixed(2)})` : '';
  return `${row.ratio.toFixed(2)}×${range}`;
}

function renderTable(results) {
  const lines = [
    '| Scenario | Case | Baseline (median ±IQR) | Candidate (median ±IQR) | Ratio or value (round range) | Target | Result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, scenario] of Object.entries(results.scenarios)) {
    for (const row of scenario.rows) {
      const result = row.pass === true ? 'pass' : row.pass === false ? '**FAIL**' : (row.status ?? 'pending');
      // the case names both sides; results.json has their full names
      const base = fmtTime(row.baseline);
      const cand = fmtTime(row.candidate);
      const note = row.note ? ` (${row.note})` : '';
      lines.push(`| ${name} | ${row.case}${note} | ${base} | ${cand} | ${fmtRatio(row)} | ${row.target} | ${result} |`);
    }
  }
  return lines.join('\n');
}

async function updateMarkdown(table, results) {
  if (!existsSync(markdownFile)) return;
  const text = readFileSync(markdownFile, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    console.warn(`BENCHMARKS.md has no ${START} … ${END} section: not updated`);
    return;
  }
  const m = results.machine;
  const ran = Object.entries(results.scenarios)
    .map(
      ([name, s]) =>
        `${name} ${s.ranAt.slice(0, 16).replace('T', ' ')}Z` +
        (s.rerun
          ? ` (\`${s.rerun.command}\`, Node ${s.rerun.node}, load average at start ${s.rerun.loadAtStart})`
          : ''),
    )
    .join(', ');
  const section = [
    START,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; Node ${m.node}, rxjs ${m.rxjs}; ` +
      `load average at start ${m.loadAtStart}; clock: ${m.clock}. ` +
      (m.pageFirstTouchUs === undefined
        ? ''
        : `A 4 KiB page costs ${m.pageFirstTouchUs} µs when first touched, ${m.pageRewriteUs} µs when written again. `) +
      `Command: \`${results.command}\`.`,
    `Scenarios ran: ${ran}.`,
    '',
    table,
    '',
    END,
  ].join('\n');
  writeFileSync(markdownFile, await formatted(text.slice(0, start) + section + text.slice(end + END.length)));
}

/** The project lints Markdown with Prettier: write the file as Prettier would. */
async function formatted(markdown) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(markdownFile)) ?? {};
    return await prettier.format(markdown, { ...options, filepath: markdownFile });
  } catch {
    return markdown;
  }
}
