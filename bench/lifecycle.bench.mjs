// Lifecycle: what one task costs from creation to cancellation.
//  - task() + subscribe + cancel()  vs  share() + subscribe + unsubscribe      ≤ 1.5×
//    (no AbortSignal may be made unless someone reads task.signal)
//  - the same with a factory that reads its signal  vs  the floor
//    "share() lifecycle + new AbortController() + read .signal + abort(reason)"  ≤ 1.3×
//  - rows without a target, next to the first: the task released by its only
//    observer's unsubscription (no error to deliver), and observed through
//    detectCancel() (the observer receives a ChildCancelled: two errors, it and
//    its cause), and the two sides of the first row with RxJS's NEVER as the
//    source, which returns no teardown (share()'s side gets cheaper, the task's
//    barely: about the ratio an independent run with NEVER would see; measured
//    last, when RxJS's and the package's code has met the other source too)
import { NEVER, Observable, share } from 'rxjs';
import { detectCancel, task } from '../dist/index.mjs';
import { atMost, check, countingObserver, interleave, noop, ratioRow } from './lib/harness.mjs';

export const title = 'lifecycle';

const OPS = 2000; // lifecycles per timed call
const source = new Observable(() => noop); // never ends; has a teardown
const observer = countingObserver();
let sink = null;

const sides = [
  {
    key: 'share() create+subscribe+unsubscribe',
    fn() {
      for (let i = 0; i < OPS; i++) source.pipe(share()).subscribe(observer).unsubscribe();
    },
  },
  {
    key: 'task() create+subscribe+cancel()',
    fn() {
      for (let i = 0; i < OPS; i++) {
        const t = task(source);
        t.subscribe(observer);
        t.cancel();
      }
    },
  },
  {
    key: 'task() create+subscribe+unsubscribe',
    fn() {
      for (let i = 0; i < OPS; i++) task(source).subscribe(observer).unsubscribe();
    },
  },
  {
    key: 'task() create+detectCancel(task) subscribe+cancel()',
    fn() {
      for (let i = 0; i < OPS; i++) {
        const t = task(source);
        detectCancel(t).subscribe(observer);
        t.cancel();
      }
    },
  },
  {
    key: 'floor: share() lifecycle + AbortController + .signal + abort(reason)',
    fn() {
      for (let i = 0; i < OPS; i++) {
        const subscription = source.pipe(share()).subscribe(observer);
        const controller = new AbortController();
        sink = controller.signal;
        subscription.unsubscribe();
        controller.abort('r');
      }
    },
  },
  {
    key: 'task((signal) => …) reading its signal, + cancel(reason)',
    fn() {
      for (let i = 0; i < OPS; i++) {
        const t = task((signal) => {
          sink = signal;
          return source;
        });
        t.subscribe(observer);
        t.cancel('r');
      }
    },
  },
  // Written out again rather than shared with the first two sides through a helper: one call site
  // for two sources makes V8's inline caches polymorphic, and moved these ratios by 0.2–0.3× when tried.
  {
    key: 'share() over NEVER create+subscribe+unsubscribe',
    fn() {
      for (let i = 0; i < OPS; i++) NEVER.pipe(share()).subscribe(observer).unsubscribe();
    },
  },
  {
    key: 'task(NEVER) create+subscribe+cancel()',
    fn() {
      for (let i = 0; i < OPS; i++) {
        const t = task(NEVER);
        t.subscribe(observer);
        t.cancel();
      }
    },
  },
];

export function run({ rounds = 6 } = {}) {
  // the rows with targets first: the info rows' code paths (detectCancel, ChildCancelled) would
  // otherwise widen RxJS's inline caches before the targets are measured
  const plain = interleave([sides[0], sides[1]], { rounds, time: 150 });
  const withSignal = interleave([sides[4], sides[5]], { rounds, time: 150 });
  const more = interleave([sides[0], sides[2], sides[3]], { rounds, time: 150 });
  const never = interleave([sides[6], sides[7]], { rounds, time: 150 });
  check(observer.errors > 0 && sink !== null, 'tasks were cancelled and signals read');
  // a task whose signal is never read must not have made one
  const probe = task(source);
  probe.subscribe(observer);
  probe.cancel();
  check(probe._controller === null, 'task() + cancel() without a signal read made no AbortController');

  const a = ratioRow(plain, { baseline: sides[0].key, candidate: sides[1].key, opsBaseline: OPS, unit: 'ns' });
  const released = ratioRow(more, { baseline: sides[0].key, candidate: sides[2].key, opsBaseline: OPS, unit: 'ns' });
  const detected = ratioRow(more, { baseline: sides[0].key, candidate: sides[3].key, opsBaseline: OPS, unit: 'ns' });
  const b = ratioRow(withSignal, { baseline: sides[4].key, candidate: sides[5].key, opsBaseline: OPS, unit: 'ns' });
  const overNever = ratioRow(never, { baseline: sides[6].key, candidate: sides[7].key, opsBaseline: OPS, unit: 'ns' });
  const info = { target: 'info', pass: null, status: 'info' };
  return [
    { case: 'task vs share() lifecycle', ...a, ...atMost(a.ratio, 1.5) },
    { case: '… the task released by its observer (unsubscribe) vs share() lifecycle', ...released, ...info },
    { case: '… the task observed through detectCancel() vs share() lifecycle', ...detected, ...info },
    { case: "… both sides with RxJS's NEVER as the source (no teardown)", ...overNever, ...info },
    { case: 'task reading its signal vs share()+AbortController floor', ...b, ...atMost(b.ratio, 1.3) },
  ];
}
