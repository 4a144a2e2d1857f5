// Lifecycle: what one task costs from creation to cancellation.
//  - task() + subscribe + cancel()  vs  share() + subscribe + unsubscribe      ≤ 1.5×
//    (no AbortSignal may be made unless someone reads task.signal)
//  - the same with a factory that reads its signal  vs  the floor
//    "share() lifecycle + new AbortController() + read .signal + abort(reason)"  ≤ 1.3×
import { Observable, share } from 'rxjs';
import { task } from '../dist/index.mjs';
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
];

export function run({ rounds = 6 } = {}) {
  const plain = interleave([sides[0], sides[1]], { rounds, time: 150 });
  const withSignal = interleave([sides[2], sides[3]], { rounds, time: 150 });
  check(observer.errors > 0 && sink !== null, 'tasks were cancelled and signals read');
  // a task whose signal is never read must not have made one
  const probe = task(source);
  probe.subscribe(observer);
  probe.cancel();
  check(probe._controller === null, 'task() + cancel() without a signal read made no AbortController');

  const a = ratioRow(plain, { baseline: sides[0].key, candidate: sides[1].key, opsBaseline: OPS, unit: 'ns' });
  const b = ratioRow(withSignal, { baseline: sides[2].key, candidate: sides[3].key, opsBaseline: OPS, unit: 'ns' });
  return [
    { case: 'task vs share() lifecycle', ...a, ...atMost(a.ratio, 1.5) },
    { case: 'task reading its signal vs share()+AbortController floor', ...b, ...atMost(b.ratio, 1.3) },
  ];
}
