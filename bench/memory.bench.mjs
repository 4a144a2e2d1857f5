// Memory (heap after a full GC, `node --expose-gc`):
//  - bytes per pending task and per running task (subscribed once), over 1e5
//    of them, vs a share()d observable (not subscribed / subscribed once)  ≤ 2×
//  - 1e6 tasks linked to one long-lived signal, run and ended (cancelled,
//    completed, errored or released): heap back within 1 MB, and the signal's
//    abort-listener count back at its baseline
import { getEventListeners } from 'node:events';
import { Observable, share, Subject } from 'rxjs';
import { task } from '../dist/index.mjs';
import { atMost, check, countingObserver, heapAfterGc, median, noop } from './lib/harness.mjs';

export const title = 'memory';

const COUNT = 1e5;
const source = new Observable(() => noop); // never ends; has a teardown
const observer = countingObserver();

const kinds = {
  'share() pending': () => source.pipe(share()),
  'task pending': () => task(source),
  'share() running': () => {
    const shared = source.pipe(share());
    shared.subscribe(observer);
    return shared;
  },
  'task running': () => {
    const t = task(source);
    t.subscribe(observer);
    return t;
  },
};

/** Bytes each object made by `make` keeps alive, over COUNT of them. */
function bytesPer(make) {
  const keep = new Array(COUNT).fill(null);
  const before = heapAfterGc();
  for (let i = 0; i < COUNT; i++) keep[i] = make();
  const after = heapAfterGc();
  check(keep[COUNT - 1] !== null, 'kept');
  return (after - before) / COUNT;
}

function bytesPerRow(baseline, candidate, rounds) {
  const samples = { [baseline]: [], [candidate]: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [baseline, candidate] : [candidate, baseline];
    for (const kind of order) samples[kind].push(bytesPer(kinds[kind]));
  }
  const side = (name) => {
    const m = median(samples[name]);
    const spread = (100 * (Math.max(...samples[name]) - Math.min(...samples[name]))) / m;
    return { name, median: m, spread, samples: samples[name].length, unit: 'B' };
  };
  const base = side(baseline);
  const cand = side(candidate);
  const ratios = samples[candidate].map((c, i) => c / samples[baseline][i]);
  return {
    baseline: base,
    candidate: cand,
    ratio: cand.median / base.median,
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
  };
}

/** Runs `total` tasks linked to `signal` through every way of ending, `batch` at a time. */
function endLinkedTasks(signal, total, batch) {
  const ended = { cancelled: 0, completed: 0, errored: 0 };
  const failure = new Error('source failed');
  for (let done = 0; done < total; done += batch) {
    const completing = new Subject();
    const failing = new Subject();
    const tasks = [];
    const subscriptions = [];
    for (let i = 0; i < batch; i++) {
      const kind = i % 5;
      const t = task(kind === 2 ? completing : kind === 3 ? failing : source, { signal });
      subscriptions.push(t.subscribe(observer));
      tasks.push(t);
    }
    for (let i = 0; i < batch; i += 5) tasks[i].cancel('r'); // cancelled
    for (let i = 1; i < batch; i += 5) tasks[i].cancel(); // cancelled without a reason
    completing.next(1);
    completing.complete(); // completed
    failing.error(failure); // errored
    for (let i = 4; i < batch; i += 5) subscriptions[i].unsubscribe(); // released by its last owner: cancelled
    for (const t of tasks) ended[t.state]++;
  }
  return ended;
}

export function run({ rounds = 5 } = {}) {
  const rows = [];
  const pending = bytesPerRow('share() pending', 'task pending', rounds);
  rows.push({
    case: `bytes per pending task vs share()d observable (${COUNT} of them)`,
    ...pending,
    ...atMost(pending.ratio, 2),
  });
  const running = bytesPerRow('share() running', 'task running', rounds);
  rows.push({
    case: `bytes per running task vs share()d observable, each subscribed once (${COUNT} of them)`,
    ...running,
    ...atMost(running.ratio, 2),
  });

  const controller = new AbortController();
  const signal = controller.signal;
  signal.addEventListener('abort', noop); // the application's own listener
  const listenersBefore = getEventListeners(signal, 'abort').length;
  endLinkedTasks(signal, 2e4, 1e4); // warm up: code, hidden classes
  const heapBefore = heapAfterGc();
  const ended = endLinkedTasks(signal, 1e6, 1e4);
  const total = ended.cancelled + ended.completed + ended.errored;
  const heapAfter = heapAfterGc();
  const listenersAfter = getEventListeners(signal, 'abort').length;
  check(total === 1e6 && ended.errored === 2e5 && ended.completed === 2e5, `all 1e6 ended: ${JSON.stringify(ended)}`);
  const grownMB = (heapAfter - heapBefore) / 2 ** 20;
  rows.push({
    case: '1e6 tasks linked to one long-lived signal, ended: heap growth',
    measured: `${grownMB.toFixed(3)} MB`,
    ...atMost(grownMB, 1, ' MB'),
  });
  rows.push({
    case: '… abort listeners on that signal afterwards',
    measured: `${listenersAfter} (before: ${listenersBefore})`,
    target: `= ${listenersBefore}`,
    pass: listenersAfter === listenersBefore,
  });
  controller.abort(); // keeps `controller` alive until here
  return rows;
}
