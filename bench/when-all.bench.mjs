// whenAllCancellable vs forkJoin over the same N participants.
//  - one fails (the last one errors as it is subscribed, after N-1 others
//    started): subscribe + release everything + report; linear, ≤ 1.5× forkJoin
//  - success: N Subjects complete one by one after subscription; linear, and
//    at N=1e5 at least 10× faster than forkJoin (whose inner completions each
//    splice the parent's finalizer array: quadratic)
//  - reference rows, no target: forkJoin's own growth, and the growth of N
//    plain objects kept alive for the call (what the machine charges for memory)
import { forkJoin, Observable, Subject, throwError } from 'rxjs';
import { whenAllCancellable } from '../dist/index.mjs';
import {
  atMost,
  batchFor,
  check,
  countingObserver,
  fixture,
  fmtN,
  interleave,
  linearRow,
  noop,
  ratioRow,
} from './lib/harness.mjs';

export const title = 'whenAllCancellable';

const SIZES = [1e3, 1e4, 1e5];
const never = new Observable(() => noop); // never ends; has a teardown
const failure = new Error('participant failed');
const failing = throwError(() => failure);

function oneFails(n) {
  const batch = batchFor(n); // a call at N=1e3 runs 10 combinators: ≥ 1e4 participants per call
  const participants = Array.from({ length: n }, (_, i) => (i === n - 1 ? failing : never));
  const seen = countingObserver();
  const side = (key, combine) => ({
    key,
    n,
    ops: n * batch,
    fn() {
      for (let b = 0; b < batch; b++) combine(participants).subscribe(seen);
    },
  });
  return {
    seen,
    sides: [
      side(`forkJoin, 1 of ${fmtN(n)} fails`, forkJoin),
      side(`whenAllCancellable, 1 of ${fmtN(n)} fails`, whenAllCancellable),
    ],
  };
}

/**
 * No RxJS and no package: N plain objects with a participant's ten fields,
 * kept in an array until the call returns, as a run keeps its participants.
 * Its growth from one size to the next is what the machine charges for N
 * live objects (see BENCHMARKS.md, "Fresh memory").
 */
function plainObjects(n) {
  const batch = batchFor(n);
  let kept = 0;
  return {
    key: `${fmtN(n)} plain objects kept for the call`,
    n,
    ops: n * batch,
    fn() {
      for (let b = 0; b < batch; b++) {
        const objects = [];
        for (let i = 0; i < n; i++) {
          objects.push({ a: i, b: null, c: null, d: null, e: false, f: null, g: undefined, h: false, i: null, j: i });
        }
        kept += objects.length;
      }
    },
    get kept() {
      return kept;
    },
  };
}

function success(n) {
  const batch = batchFor(n);
  let groups = null;
  const seen = countingObserver();
  const side = (key, combine) => ({
    key,
    n,
    ops: n * batch,
    beforeEach: fixture(() => {
      groups = Array.from({ length: batch }, () => Array.from({ length: n }, () => new Subject()));
    }),
    fn() {
      for (const subjects of groups) {
        combine(subjects).subscribe(seen);
        for (let i = 0; i < n; i++) {
          subjects[i].next(i);
          subjects[i].complete();
        }
      }
    },
    afterEach: () => void (groups = null),
  });
  return {
    seen,
    sides: [
      side(`forkJoin, ${fmtN(n)} complete one by one`, forkJoin),
      side(`whenAllCancellable, ${fmtN(n)} complete one by one`, whenAllCancellable),
    ],
  };
}

export function run() {
  const rows = [];
  const fails = SIZES.map((n) => oneFails(n));
  const plain = SIZES.map((n) => plainObjects(n));
  const oks = SIZES.map((n) => success(n));
  SIZES.forEach((n, i) => {
    for (const side of fails[i].sides) {
      side.iterations = n >= 1e5 ? 2 : 6;
      side.warmupIterations = n >= 1e5 ? 1 : 5;
    }
    for (const side of oks[i].sides) {
      // forkJoin at 1e5 takes seconds per call: one per round, no warmup
      side.iterations = n >= 1e5 ? 1 : 4;
      side.warmupIterations = n >= 1e5 ? 0 : 3;
    }
  });
  // every size and side alternates with the others, round after round
  for (const side of plain) {
    side.iterations = side.n >= 1e5 ? 2 : 6;
    side.warmupIterations = side.n >= 1e5 ? 1 : 5;
  }
  const f = interleave([...fails.flatMap((x) => x.sides), ...plain], { rounds: 5, time: 0 });
  const s = interleave(
    oks.flatMap((x) => x.sides),
    { rounds: 3, time: 0 },
  );
  check(
    plain.every((side) => side.kept > 0),
    'plain objects built',
  );
  SIZES.forEach((n, i) => {
    const [forkJoinFail, whenAllFail] = fails[i].sides;
    check(fails[i].seen.errors > 0 && fails[i].seen.values === 0, 'one-fails errored');
    const a = ratioRow(f, {
      baseline: forkJoinFail.key,
      candidate: whenAllFail.key,
      opsBaseline: forkJoinFail.ops,
      unit: 'ns',
    });
    rows.push({ case: `N=${fmtN(n)}, one fails: per participant vs forkJoin`, ...a, ...atMost(a.ratio, 1.5) });
  });
  SIZES.forEach((n, i) => {
    const [forkJoinOk, whenAllOk] = oks[i].sides;
    check(oks[i].seen.values > 0 && oks[i].seen.completes === oks[i].seen.values, 'emitted once per run, completed');
    const b = ratioRow(s, {
      baseline: forkJoinOk.key,
      candidate: whenAllOk.key,
      opsBaseline: forkJoinOk.ops,
      unit: 'ns',
    });
    const row = { case: `N=${fmtN(n)}, all complete: per participant vs forkJoin`, ...b };
    if (n >= 1e5) {
      rows.push({
        ...row,
        measured: `${b.ratio.toFixed(3)}× (${(1 / b.ratio).toFixed(0)}× faster)`,
        ...atMost(b.ratio, 0.1),
      });
      rows[rows.length - 1].target = '≥ 10× faster';
    } else {
      rows.push({ ...row, target: 'info', pass: null, status: 'info' });
    }
  });
  for (let i = 1; i < SIZES.length; i++) {
    const span = `N=${fmtN(SIZES[i - 1])} → ${fmtN(SIZES[i])}`;
    rows.push(linearRow(`linear (one fails): total time, ${span}`, f, fails[i - 1].sides[1], fails[i].sides[1]));
    rows.push(linearRow(`linear (all complete): total time, ${span}`, s, oks[i - 1].sides[1], oks[i].sides[1]));
    rows.push(
      reference(linearRow(`reference: forkJoin one fails, ${span}`, f, fails[i - 1].sides[0], fails[i].sides[0])),
    );
    rows.push(reference(linearRow(`reference: plain objects kept for the call, ${span}`, f, plain[i - 1], plain[i])));
  }
  return rows;
}

/** The same measurement of a baseline, shown for comparison, without a target. */
function reference(row) {
  return { ...row, target: 'info', pass: null, status: 'info' };
}
