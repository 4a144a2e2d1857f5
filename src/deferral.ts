import type { Task } from './task';

/**
 * Where cancellations wait while the package runs a step of another one
 * (see `runCancellations` in task.ts): `null` outside such a step.
 *
 * While a cancellation tears down its source (step 3) or cancels the tasks
 * linked to its signal (step 4), any task cancelled as a consequence (a
 * child released by the teardown, a linked child) only does steps 1–2 at
 * once and waits here; the loop then runs its steps 3–5 before resuming the
 * task that caused it. That is the order plain recursion would give, with a
 * flat stack: a chain of 100,000 linked tasks cancels from its root without
 * a `RangeError`.
 *
 * A module of its own, so that signalLinks.ts can switch it off for the
 * dependants of a plain signal without importing task.ts.
 * @internal
 */
export let deferTo: Task<unknown>[] | null = null;

/** @internal */
export function setDeferTo(stack: Task<unknown>[] | null): void {
  deferTo = stack;
}

/**
 * Runs `fn` so that every cancellation it causes completes, teardown
 * included, before it returns: what "release before report" needs even when
 * the caller itself runs inside a deferring step.
 * @internal
 */
export function runToCompletion(fn: () => void): void {
  const saved = deferTo;
  deferTo = null;
  try {
    fn();
  } finally {
    deferTo = saved;
  }
}
