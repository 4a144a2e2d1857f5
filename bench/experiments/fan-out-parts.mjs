// Not a scenario (`npm run bench` does not run it): the experiment behind
// BENCHMARKS.md's breakdown of the fan-out with every child's signal read,
// per Node version (earlier landings' runs: bench/HISTORY.md).
//
// At N=1e4 (or N=… from the environment), in one process, alternating round
// after round (as the scenario; ROUNDS=… sets how many, default 30):
//   - the scenario's baseline: one AbortController aborting 1e4 controllers
//     (signals made) through a listener and a Set, with the root's reason;
//   - the same, each controller aborted with a new CancelledError: the floor
//     for a task, whose signal the contract aborts with its own error; and
//     with an object inheriting from CancelledError.prototype that is not a
//     native Error (what that floor would be with a non-native error);
//   - the scenario's candidate: a parent task cancelling 1e4 linked children
//     that read their signal, each subscribed once;
//   - the same children started without an observer;
//   - and both kinds of children without reading their signal.
// Prints the median time per child (CPU time, or wall time with
// BENCH_CLOCK=wall, as the scenarios). Fixtures are settled as the scenario's
// (two young-generation GCs); FULL_GC=1 collects fully before each timed call
// instead, so that every object the cancellation touches is cold.
//
//   npm run build && node --expose-gc bench/experiments/fan-out-parts.mjs
//   npm run build && npx -p node@24 -- node --expose-gc bench/experiments/fan-out-parts.mjs
//   N=100000 FULL_GC=1 npx -p node@24 -- node --expose-gc bench/experiments/fan-out-parts.mjs
import { Observable } from 'rxjs';
import { CancelledError, startTask } from '../../dist/index.mjs';
import { linkedControllers, linkedTasks } from '../fan-out.bench.mjs';
import { check, gc, median, noop, now, settle } from '../lib/harness.mjs';

const N = Number(process.env.N ?? 1e4);
const FULL_GC = process.env.FULL_GC === '1';
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const WARMUP = 4;
const source = new Observable(() => noop);
const readsItsSignal = (own) => (own.aborted ? source : source);

/** Each builds the fixture and returns the timed call. */
const sides = {
  'AbortControllers + listener + Set (baseline)': () => linkedControllers(N).go,
  '… each aborted with a new CancelledError': () => linkedControllers(N, () => new CancelledError('r')).go,
  '… each aborted with an object that is not a native Error': () =>
    linkedControllers(N, () => {
      const error = Object.create(CancelledError.prototype);
      error.reason = 'r';
      return error;
    }).go,
  'linked tasks reading their signal, subscribed (candidate)': () => linkedTasks(N, true).go,
  'linked tasks reading their signal, started, no observer': () => startedChildren(readsItsSignal),
  'linked tasks, signal not read, subscribed': () => linkedTasks(N, false).go,
  'linked tasks, signal not read, started, no observer': () => startedChildren(source),
};

function startedChildren(childSource) {
  const parent = startTask(source);
  const signal = parent.signal;
  let child = null;
  for (let i = 0; i < N; i++) child = startTask(childSource, { signal });
  return () => {
    parent.cancel('r');
    check(child.state === 'cancelled', 'children cancelled');
  };
}

const names = Object.keys(sides);
const samples = new Map(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? names : names.slice().reverse()) {
    const go = sides[name]();
    if (FULL_GC) gc();
    else settle();
    const started = now();
    go();
    if (round >= WARMUP) samples.get(name).push(((now() - started) * 1e6) / N);
  }
}
const baseline = median(samples.get(names[0]));
console.log(
  `Node ${process.versions.node}, N=${N}${FULL_GC ? ', full GC before each' : ''}, median per child over ${ROUNDS - WARMUP} rounds:`,
);
for (const name of names) {
  const m = median(samples.get(name));
  console.log(`  ${name.padEnd(58)} ${m.toFixed(0).padStart(6)} ns  ${(m / baseline).toFixed(2)}×`);
}
