// Depth: a chain of nested tasks, each linked to its parent's signal and
// owned by its parent's body (the parent's source subscribes the child), is
// cancelled from the root.
//  - 1e5 deep: no RangeError (thrown or reported), every task cancelled,
//    every task's teardown run, nothing stops part-way
//  - time linear in depth (×10 depth ≤ ×12 time): propagation must not
//    recurse once per level
import { config, Observable } from 'rxjs';
import { task } from '../dist/index.mjs';
import { batchFor, check, fixture, fmtN, interleave, linearRow, summarize } from './lib/harness.mjs';

export const title = 'depth';

const DEPTHS = [1e3, 1e4, 1e5];

/**
 * tasks[i + 1] = task(source that counts its teardown, { signal: tasks[i].signal }),
 * and tasks[i]'s source subscribes tasks[i + 1]. Started from the leaf up, so
 * that building it recurses no more than cancelling it may.
 */
function buildChain(depth) {
  const tasks = new Array(depth);
  const counts = { teardowns: 0, errors: 0 };
  const body = (i) =>
    new Observable((subscriber) => {
      const child = i + 1 < depth ? tasks[i + 1].subscribe(subscriber) : null;
      return () => {
        counts.teardowns++;
        child?.unsubscribe();
      };
    });
  for (let i = 0; i < depth; i++) tasks[i] = task(body(i), i === 0 ? undefined : { signal: tasks[i - 1].signal });
  for (let i = depth - 1; i >= 0; i--) tasks[i].start();
  tasks[0].subscribe({ error: () => counts.errors++ });
  return { tasks, counts };
}

function sideFor(depth, failures) {
  const batch = batchFor(depth); // a call at depth 1e3 cancels 10 chains: ≥ 1e4 levels per call
  let chains = null;
  return {
    key: `root.cancel(), ${fmtN(depth)} deep`,
    n: depth,
    ops: depth * batch,
    iterations: depth >= 1e5 ? 2 : 4,
    warmupIterations: depth >= 1e5 ? 1 : 3,
    beforeEach: fixture(() => {
      chains = Array.from({ length: batch }, () => buildChain(depth));
    }),
    fn() {
      for (const chain of chains) {
        try {
          chain.tasks[0].cancel('r');
        } catch (error) {
          failures.thrown ??= error;
        }
      }
    },
    afterEach() {
      for (const { tasks, counts } of chains) {
        const stopped = tasks.findIndex((t) => t.state !== 'cancelled');
        check(stopped < 0, `cancellation stopped at level ${stopped} of ${depth}`);
        check(counts.teardowns === depth, `${counts.teardowns} of ${depth} teardowns ran`);
        check(counts.errors === 1, 'the root observer got its CancelledError');
      }
      chains = null;
    },
  };
}

export async function run() {
  const reported = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => reported.push(error);
  const failures = { thrown: null };
  const sides = DEPTHS.map((depth) => sideFor(depth, failures));
  let result;
  try {
    // all depths alternate, round after round, so that drift hits them alike
    result = interleave(sides, { rounds: 8, time: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50)); // let asynchronous reports arrive
  } finally {
    config.onUnhandledError = previous;
  }
  const deepest = sides[sides.length - 1];
  const rangeErrors = reported.filter((e) => e instanceof RangeError || String(e).includes('call stack'));
  const rows = [
    {
      case: `${fmtN(DEPTHS[DEPTHS.length - 1])} nested linked tasks cancelled from the root: complete, no RangeError`,
      candidate: { name: deepest.key, ...summarize(result.samples.get(deepest.key)), unit: 'ms' },
      measured: `all cancelled, all teardowns ran; ${failures.thrown ? `threw ${failures.thrown.name}` : 'no throw'}; ${rangeErrors.length} RangeErrors reported`,
      target: 'complete, no RangeError',
      pass: failures.thrown === null && rangeErrors.length === 0 && reported.length === 0,
    },
  ];
  for (let i = 1; i < sides.length; i++) {
    rows.push(
      linearRow(
        `linear: total time, depth ${fmtN(DEPTHS[i - 1])} → ${fmtN(DEPTHS[i])}`,
        result,
        sides[i - 1],
        sides[i],
      ),
    );
  }
  return rows;
}
