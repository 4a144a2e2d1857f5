// Not a scenario (`npm run bench` does not run it): the experiment behind
// BENCHMARKS.md's note on the fan-out with every child's signal read ("Targets
// missed"); the table of its runs is in bench/HISTORY.md, "Each row's record".
//
// The same two sides as that scenario at N=1e4 (a parent task cancelling 1e4
// linked children that read their signal; one AbortController aborting 1e4
// controllers through a listener and a Set), each side alone in its own
// process, with only the garbage collector's state before the timed
// cancellation changed:
//   - "scavenged": the fixture is settled by two minor collections, as the
//     scenario does (see fixture() in ../lib/harness.mjs);
//   - "full GC": settled by a full collection instead;
//   - "full GC first": a full collection before the fixture is built, then
//     settled by two minor collections.
// Prints the median time per child over 25 rounds for each (CPU time, or
// wall time with BENCH_CLOCK=wall, as the scenarios).
//
//   npm run build && node bench/experiments/fan-out-heap-state.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { linkedControllers, linkedTasks } from '../fan-out.bench.mjs';
import { gc, median, now, settle } from '../lib/harness.mjs';

const N = 1e4;
const ROUNDS = 30;
const WARMUP = 5;

/** Each builds the fixture and returns the timed call, as the scenario's sides do. */
const sides = {
  'parent task, linked children reading their signal': () => linkedTasks(N, true).go,
  'AbortController + listener + Set of AbortControllers': () => linkedControllers(N).go,
};

const states = {
  scavenged: { before() {}, settle },
  'full GC': { before() {}, settle: () => gc() },
  'full GC first': { before: () => gc(), settle },
};

/** In a child process: one side, one state; prints ns per child. */
function measure(sideName, stateName) {
  const build = sides[sideName];
  const state = states[stateName];
  const perChild = [];
  for (let round = 0; round < ROUNDS; round++) {
    state.before();
    const cancel = build();
    state.settle();
    const start = now();
    cancel();
    const elapsed = now() - start;
    if (round >= WARMUP) perChild.push((elapsed * 1e6) / N);
  }
  console.log(median(perChild).toFixed(0));
}

if (process.argv[2] === '--child') {
  measure(process.argv[3], process.argv[4]);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const stateName of Object.keys(states)) {
    const ns = {};
    for (const sideName of Object.keys(sides)) {
      const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', sideName, stateName]);
      ns[sideName] = Number(String(out).trim());
    }
    const [task, controllers] = Object.values(ns);
    console.log(
      `${stateName.padEnd(14)} task ${task} ns, controllers ${controllers} ns per child: ${(task / controllers).toFixed(2)}×`,
    );
  }
}
