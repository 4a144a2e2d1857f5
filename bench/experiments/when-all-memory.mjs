// Not a scenario (`npm run bench` does not run it): the measurement behind
// the figures of what a whenAllCancellable run keeps alive per participant,
// next to forkJoin and next to subscribing the same Subjects directly
// (bench/HISTORY.md, "Each row's record"; in short in BENCHMARKS.md, "Targets
// missed").
//
// Run with a young generation large enough that nothing is collected during
// the measured call, so that the heap growth across the call is what it
// allocated; what is left after two full collections is what it keeps:
//
//   npm run build && node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 \
//     bench/experiments/when-all-memory.mjs
import { forkJoin, Subject } from 'rxjs';
import { whenAllCancellable } from '../../dist/index.mjs';
import { countingObserver, gc } from '../lib/harness.mjs';

const N = 1e4;
const observer = countingObserver();
const subjects = () => Array.from({ length: N }, () => new Subject());

/** `act` gets N fresh Subjects and returns whatever must stay alive, as a running subscription does. */
function measure(label, act) {
  warmUp(act);
  const fixture = subjects();
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = act(fixture);
  const allocated = process.memoryUsage().heapUsed - before;
  gc();
  gc();
  const retained = process.memoryUsage().heapUsed - before;
  if (kept.length !== 2) throw new Error('act() returns [subjects, subscription]'); // keeps `kept` alive until here
  console.log(
    `${label.padEnd(48)} allocated ${(allocated / N).toFixed(0).padStart(5)} B, kept ${(retained / N).toFixed(0).padStart(5)} B per participant`,
  );
  return kept;
}

/**
 * In a frame of its own: a temporary of this loop left in the caller's frame
 * would keep the last warm-up run alive through the collections before the
 * measurement, and the measured call would seem to free it.
 */
function warmUp(act) {
  for (let run = 0; run < 3; run++) act(subjects());
}

measure('whenAllCancellable(subjects).subscribe()', (s) => [s, whenAllCancellable(s).subscribe(observer)]);
measure('forkJoin(subjects).subscribe()', (s) => [s, forkJoin(s).subscribe(observer)]);
measure('each Subject subscribed directly', (s) => [s, s.map((subject) => subject.subscribe(observer))]);
measure('whenAllCancellable, then every Subject completes', (s) => {
  const subscription = whenAllCancellable(s).subscribe(observer);
  for (let i = 0; i < N; i++) {
    s[i].next(i);
    s[i].complete();
  }
  return [s, subscription];
});
