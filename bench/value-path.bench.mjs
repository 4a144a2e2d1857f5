// Value path: 1e6 values through a task, seen through detectCancel() or
// shield(), vs through share() (its inner Subject is the multicast baseline).
//  - task + detectCancel() vs share()  ≤ 1.10×
//  - task + shield()       vs share()  ≤ 1.15×
import { Observable, share, Subject } from 'rxjs';
import { detectCancel, shield, task } from '../dist/index.mjs';
import { atMost, check, countingObserver, interleave, ratioRow } from './lib/harness.mjs';

export const title = 'value path';

const VALUES = 1e6;
const source = new Observable((subscriber) => {
  for (let i = 0; i < VALUES; i++) subscriber.next(i);
  subscriber.complete();
});
const observer = countingObserver();

const sides = [
  { key: 'share()', fn: () => void source.pipe(share()).subscribe(observer) },
  { key: 'task + detectCancel()', fn: () => void task(source).pipe(detectCancel()).subscribe(observer) },
  { key: 'task + shield()', fn: () => void task(source).pipe(shield()).subscribe(observer) },
  { key: 'bare subscribe (reference)', fn: () => void source.subscribe(observer) },
];

// The same, with the values pushed by a hot Subject after subscription.
function pushing(connect) {
  return () => {
    const subject = new Subject();
    connect(subject);
    for (let i = 0; i < VALUES; i++) subject.next(i);
    subject.complete();
  };
}
const hotSides = [
  { key: 'Subject → share()', fn: pushing((s) => s.pipe(share()).subscribe(observer)) },
  { key: 'Subject → task + detectCancel()', fn: pushing((s) => task(s).pipe(detectCancel()).subscribe(observer)) },
  { key: 'Subject → task + shield()', fn: pushing((s) => task(s).pipe(shield()).subscribe(observer)) },
];

export function run({ rounds = 6 } = {}) {
  const result = interleave(sides, { rounds, time: 0, iterations: 3, warmupIterations: 2 });
  const hot = interleave(hotSides, { rounds, time: 0, iterations: 3, warmupIterations: 2 });
  check(observer.values % VALUES === 0 && observer.completes > 0 && observer.errors === 0, 'every value arrived');
  const opts = { baseline: 'share()', opsBaseline: VALUES, unit: 'ns' };
  const detect = ratioRow(result, { ...opts, candidate: 'task + detectCancel()' });
  const shielded = ratioRow(result, { ...opts, candidate: 'task + shield()' });
  const bare = ratioRow(result, { ...opts, candidate: 'bare subscribe (reference)' });
  const hotOpts = { baseline: 'Subject → share()', opsBaseline: VALUES, unit: 'ns' };
  const hotDetect = ratioRow(hot, { ...hotOpts, candidate: 'Subject → task + detectCancel()' });
  const hotShield = ratioRow(hot, { ...hotOpts, candidate: 'Subject → task + shield()' });
  return [
    { case: '1e6 values, per value: task + detectCancel() vs share()', ...detect, ...atMost(detect.ratio, 1.1) },
    { case: '1e6 values, per value: task + shield() vs share()', ...shielded, ...atMost(shielded.ratio, 1.15) },
    {
      case: 'hot Subject source, per value: task + detectCancel() vs share()',
      ...hotDetect,
      ...atMost(hotDetect.ratio, 1.1),
    },
    {
      case: 'hot Subject source, per value: task + shield() vs share()',
      ...hotShield,
      ...atMost(hotShield.ratio, 1.15),
    },
    { case: 'reference: a bare subscriber vs share()', ...bare, target: 'info', pass: null, status: 'info' },
  ];
}
