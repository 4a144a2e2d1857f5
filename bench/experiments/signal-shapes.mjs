// Not a scenario (`npm run bench` does not run it): the experiment behind
// BENCHMARKS.md's "Node 18 and 20 give every signal a hidden class of its own".
//
// Per signal, at N=1e4 (or N=… from the environment), in one process, the
// three kinds alternating round after round (ROUNDS=…, default 40):
//   - plain: `new AbortController()` and its `signal` read;
//   - with an own symbol-keyed property, as a task's signal carries its task
//     (and a plain signal its hub);
//   - the same property on a signal in dictionary mode (a second property
//     added before it and deleted: V8 then keeps the signal's properties in
//     a hash table instead of a hidden class). The package does not do this.
// Three timed calls per kind and round: making the N signals; adding and
// removing one abort listener on each (what a `fetch` given the signal does);
// aborting each with a reason. Prints the median time per signal on the
// scenarios' clock (CPU time; BENCH_CLOCK=wall for wall time).
//
// With `--allow-natives-syntax` it also prints whether two fresh signals share
// a hidden class (V8's `%HaveSameMap`).
//
//   node --expose-gc bench/experiments/signal-shapes.mjs
//   npx -y -p node@24 -- node --expose-gc --allow-natives-syntax bench/experiments/signal-shapes.mjs
import { gc, median, noop, now, settle } from '../lib/harness.mjs';

const N = Number(process.env.N ?? 1e4);
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const OWNER = Symbol('owner');
const SCAFFOLD = Symbol('scaffold');
const reason = new Error('aborted by the experiment');

const kinds = {
  plain: () => {},
  'symbol property': (signal, i) => {
    signal[OWNER] = i;
  },
  'symbol property, dictionary mode': (signal, i) => {
    signal[SCAFFOLD] = 0;
    signal[OWNER] = i;
    delete signal[SCAFFOLD]; // not the last property added: V8 normalizes the object
  },
};

function sameShape() {
  try {
    const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
    return haveSameMap(new AbortController().signal, new AbortController().signal);
  } catch {
    return 'unknown (run with --allow-natives-syntax)';
  }
}

const times = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, { make: [], listen: [], abort: [] }]));
const perSignal = (start) => ((now() - start) * 1e6) / N; // ns

for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(kinds);
  if (round % 2) order.reverse();
  for (const kind of order) {
    const mark = kinds[kind];
    gc();
    let start = now();
    const controllers = [];
    for (let i = 0; i < N; i++) {
      const controller = new AbortController();
      mark(controller.signal, i);
      controllers.push(controller);
    }
    const make = perSignal(start);
    start = now();
    for (const { signal } of controllers) {
      signal.addEventListener('abort', noop);
      signal.removeEventListener('abort', noop);
    }
    const listen = perSignal(start);
    settle();
    start = now();
    for (const controller of controllers) controller.abort(reason);
    const abort = perSignal(start);
    if (round < ROUNDS / 4) continue; // warm-up
    times[kind].make.push(make);
    times[kind].listen.push(listen);
    times[kind].abort.push(abort);
  }
}

console.log(`Node ${process.versions.node}, N=${N}, ${ROUNDS} rounds (the first quarter dropped), ns per signal`);
console.log(`two fresh signals share a hidden class: ${sameShape()}`);
for (const [kind, { make, listen, abort }] of Object.entries(times)) {
  const ns = (values) => median(values).toFixed(0).padStart(6);
  console.log(`${kind.padEnd(34)} make ${ns(make)}   add+remove listener ${ns(listen)}   abort ${ns(abort)}`);
}
