// Not a scenario (`npm run bench` does not run it): would a smaller participant
// make `whenAllCancellable`'s one-fails path linear from 1e4 to 1e5? (BENCHMARKS.md,
// "Targets missed", item 2; figures in bench/HISTORY.md.)
//
// No package code: N subscribers of two shapes subscribe to a source that never
// ends, stay alive together, then are all unsubscribed, as a run's participants
// are when one fails:
//   - "RxJS Subscriber": a subclass of RxJS's `Subscriber` keeping its one
//     finalizer in a field and a run and an index, as the package's participant
//     does (`LeanSubscriber`): nine fields;
//   - "four fields": an object that RxJS takes for a subscriber by its shape
//     (`closed`, `add`, `remove`, `unsubscribe`, `next`, `error`, `complete`), with
//     only `closed`, its teardown, a run and an index.
// Prints the median CPU time per subscriber at 1e3, 1e4 and 1e5, and the growth
// from 1e4 to 1e5 (×10 N; the target is ≤ ×12).
//
//   node --expose-gc bench/experiments/when-all-participant-size.mjs
import { noop, Observable, Subscriber } from 'rxjs';
import { median, now } from '../lib/harness.mjs';

const SIZES = [1e3, 1e4, 1e5];
const ROUNDS = 14;
const WARMUP = 2;
const never = new Observable(() => noop);

class RxjsSubscriber extends Subscriber {
  constructor(run, index) {
    super();
    this._onlyFinalizer = undefined;
    this._run = run;
    this._index = index;
  }
  add(teardown) {
    if (this._onlyFinalizer === undefined) this._onlyFinalizer = teardown;
    else super.add(teardown);
  }
  unsubscribe() {
    const teardown = this._onlyFinalizer;
    this._onlyFinalizer = undefined;
    super.unsubscribe();
    if (typeof teardown === 'function') teardown();
  }
  _next(value) {
    this._run.values[this._index] = value;
  }
}

class FourFields {
  constructor(run, index) {
    this.closed = false;
    this._teardown = undefined;
    this._run = run;
    this._index = index;
  }
  next(value) {
    if (!this.closed) this._run.values[this._index] = value;
  }
  error() {
    this.unsubscribe();
  }
  complete() {
    this.unsubscribe();
  }
  add(teardown) {
    if (!this.closed) this._teardown = teardown;
    else if (typeof teardown === 'function') teardown();
  }
  remove(teardown) {
    if (this._teardown === teardown) this._teardown = undefined;
  }
  unsubscribe() {
    if (this.closed) return;
    this.closed = true;
    const teardown = this._teardown;
    this._teardown = undefined;
    if (typeof teardown === 'function') teardown();
  }
}

const probe = new FourFields({ values: [] }, 0);
never.subscribe(probe);
if (probe._teardown !== noop) throw new Error('RxJS wrapped the four-field subscriber: the comparison would be void');

/** One run: N subscribers subscribed, all alive, then all unsubscribed. */
function run(Shape, n) {
  const state = { values: new Array(n) };
  const subscribers = new Array(n);
  for (let i = 0; i < n; i++) never.subscribe((subscribers[i] = new Shape(state, i)));
  for (let i = 0; i < n; i++) subscribers[i].unsubscribe();
}

const shapes = { 'RxJS Subscriber': RxjsSubscriber, 'four fields': FourFields };
const samples = {};
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 ? Object.entries(shapes).reverse() : Object.entries(shapes);
  for (const [name, Shape] of order) {
    for (const n of SIZES) {
      const batch = Math.max(1, 1e4 / n);
      const started = now();
      for (let b = 0; b < batch; b++) run(Shape, n);
      const ns = ((now() - started) * 1e6) / (n * batch);
      if (round >= WARMUP) (samples[`${name} ${n}`] ??= []).push(ns);
    }
  }
}
console.log(`Node ${process.versions.node}, ${ROUNDS - WARMUP} rounds, median ns per subscriber`);
for (const name of Object.keys(shapes)) {
  const at = SIZES.map((n) => median(samples[`${name} ${n}`]));
  console.log(
    `${name.padEnd(16)} ${at.map((ns, i) => `${SIZES[i]}: ${ns.toFixed(0)}`).join(', ')}; 1e4 → 1e5 ×${((10 * at[2]) / at[1]).toFixed(1)}`,
  );
}
