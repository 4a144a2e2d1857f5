// Not a scenario (`npm run bench` does not run it): the experiment behind
// BENCHMARKS.md's account of the linkSignals rows of the hot-paths scenario
// ("Hot paths the issue does not name").
//
// Time (CPU time, alternating rounds, as the scenarios; ROUNDS=… sets how
// many, default 12), per call, against a fresh AbortController whose signal
// is read:
//   - the same signal given an own property (what `setSignalOwner` does to a
//     linkSignals output, and to a task's signal once read), under the
//     package's registered symbol, and under a string key;
//   - the same property on the controller instead of its signal;
// then linkSignals(app signal, fresh request signal) against the hand-written
// link of bench/hot-paths.bench.mjs, unlinked, and aborted by the request.
// Last, the bytes each of these allocates per call (heap growth over 2,000
// calls with a young generation large enough that no collection runs; Node
// prints a warning about the semi-space flag on some versions).
//
//   npm run build && node --expose-gc --max-semi-space-size=128 bench/experiments/link-signals-parts.mjs
import { linkSignals } from '../../dist/index.mjs';
import { linkByHand } from '../hot-paths.bench.mjs';
import { gc, interleave, ratioRow } from '../lib/harness.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 12);
const OPS = 500;
const OWNER = Symbol.for('@@rxjs-cancel/signalOwner@1');
const owner = {};
const app = new AbortController().signal;
let sink = null;
let aborted = 0;

const parts = {
  'new AbortController(), read .signal': () => {
    sink = new AbortController().signal;
  },
  '… + a symbol-keyed property on the signal': () => {
    const signal = new AbortController().signal;
    signal[OWNER] = owner;
    sink = signal;
  },
  '… + a string-keyed property on the signal': () => {
    const signal = new AbortController().signal;
    signal._owner = owner;
    sink = signal;
  },
  '… + the symbol-keyed property on the controller': () => {
    const controller = new AbortController();
    controller[OWNER] = owner;
    sink = controller.signal;
  },
};
const links = {
  'by hand (app, fresh request), unlink()': () => {
    linkByHand(app, new AbortController().signal).unlink();
  },
  'linkSignals(app, fresh request), unlink()': () => {
    linkSignals(app, new AbortController().signal).unlink();
  },
  'by hand (app, fresh request), request aborts': () => {
    const request = new AbortController();
    const { signal } = linkByHand(app, request.signal);
    request.abort('r');
    aborted += signal.aborted ? 1 : 0;
  },
  'linkSignals(app, fresh request), request aborts': () => {
    const request = new AbortController();
    const { signal } = linkSignals(app, request.signal);
    request.abort('r');
    aborted += signal.aborted ? 1 : 0;
  },
};

function sidesOf(table) {
  return Object.entries(table).map(([key, f]) => ({
    key,
    fn() {
      for (let i = 0; i < OPS; i++) f();
    },
  }));
}

function report(table, pairs) {
  const result = interleave(sidesOf(table), { rounds: ROUNDS, time: 150 });
  for (const [baseline, candidate] of pairs) {
    const r = ratioRow(result, { baseline, candidate, opsBaseline: OPS, unit: 'us' });
    console.log(
      `${candidate.padEnd(50)} ${r.candidate.median.toFixed(2)} µs vs ${r.baseline.median.toFixed(2)} µs: ` +
        `${r.ratio.toFixed(2)}× (rounds ${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)})`,
    );
  }
}

const [signalOnly, ...withProperty] = Object.keys(parts);
report(
  parts,
  withProperty.map((key) => [signalOnly, key]),
);
const [handUnlink, linkUnlink, handAbort, linkAbort] = Object.keys(links);
report(links, [
  [handUnlink, linkUnlink],
  [handAbort, linkAbort],
]);

console.log('\nbytes allocated per call:');
for (const [name, f] of Object.entries({ ...parts, ...links })) {
  for (let i = 0; i < 200; i++) f(); // warm
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 2000; i++) f();
  console.log(`${name.padEnd(50)} ${((process.memoryUsage().heapUsed - before) / 2000).toFixed(0)} B`);
}
if (aborted === 0 || sink === null) throw new Error('nothing was measured');
