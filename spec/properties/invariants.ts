/**
 * The invariants of issue 6, checked on a real run without the model: each
 * returns a list of violations (empty when the run is sound). They hold for
 * any program, so they stay meaningful even where the model could be wrong.
 */
import { CancelledError, ChildCancelled, type Task } from '../../src';
import { fmtErr } from './format';
import type { Run, RunConsumer } from './run';

export type Invariant = (run: Run) => string[];

/**
 * A consumer that observes a task itself (plain, detectCancel, shield), not the plain Observable `Q<t>` nor another
 * input (`o`).
 */
const isDirect = (x: RunConsumer): x is RunConsumer & { spec: { kind: 'plain' | 'detect' | 'shield'; t: number } } =>
  (x.spec.kind === 'plain' || x.spec.kind === 'detect' || x.spec.kind === 'shield') &&
  x.spec.q !== true &&
  x.spec.o === undefined;

/** True when `error` (following ChildCancelled causes and CancelledError reasons) names `task`. */
export function chainHas(error: unknown, task: Task<unknown>): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof CancelledError && depth < 100; depth++) {
    if (e.task === task) return true;
    e = e instanceof ChildCancelled ? e.cause : e.reason;
  }
  return false;
}

/** I1: no notification after a consumer unsubscribed. */
export const noNotificationAfterUnsubscribe: Invariant = (run) =>
  run.consumers.flatMap((x) =>
    x.notifications.filter((n) => n.seq > x.unsubSeq).map((n) => `X${x.idx} got ${n.kind} after it unsubscribed`),
  );

/** I2: at most one terminal notification per consumer, and nothing after it. */
export const atMostOneTerminal: Invariant = (run) =>
  run.consumers.flatMap((x) => {
    const out: string[] = [];
    let ended = false;
    for (const n of x.notifications) {
      if (ended) out.push(`X${x.idx} got ${n.kind} after its terminal notification`);
      if (n.kind !== 'next') ended = true;
    }
    return out;
  });

/**
 * True when the cancellation chain of `error` reaches `signal`'s abort (its task, or its reason: a `linkSignals`
 * output's reason is its input's, a task's CancelledError for a task signal). A chain starts with a
 * `CancelledError`: an error that is the reason itself, or an `AbortError` caused by it, is a source's own error
 * (a plain Observable's: a task ends with neither while its signal's abort is on its way), which the contract has
 * cancelWhen, awaitTask and the combinators pass on as it is.
 */
export function chainReaches(error: unknown, signal: AbortSignal, tasks: readonly Task<unknown>[]): boolean {
  const owner = tasks.find((t) => t.signal === signal);
  let e: unknown = error;
  let depth = 0;
  for (; e instanceof CancelledError && depth < 100; depth++) {
    if (owner !== undefined && e.task === owner) return true;
    if (signal.aborted && e === signal.reason) return true;
    e = e instanceof ChildCancelled ? e.cause : e.reason;
  }
  return depth > 0 && signal.aborted && e === signal.reason;
}

/**
 * I3/I4: a consumer's own cancellation is never reported to it as an error,
 * and it sees ChildCancelled only for a cancellation outside its own chain.
 * - a consumer with a signal (cancelWhen, combinators) that hears an error
 *   whose cancellation chain reaches that signal hears it as
 *   `CancelledError(signal.reason)` with no task: never a ChildCancelled,
 *   never a participant's CancelledError; and it hears that form only once
 *   its signal has aborted;
 * - cancelWhen (no release step before it reports) turns every
 *   CancelledError that arrives while its signal is aborted into that form;
 * - a task body never hears an error whose cancellation chain names its own task.
 * A `linkSignals` output shares its input's reason, so a chain that reaches that reason reached the output only
 * if the output had aborted when the error arrived.
 * A combinator reports after it releases its participants, and that release may abort its own signal (a
 * participant's signal is one of its inputs): a child that had ended before the combinator subscribed, and whose
 * replayed end ended it during that subscribe call, arrived before the signal aborted, so it is a child's
 * (the contract: only a cancellation that arrives while the signal is aborted is the caller's own).
 */
export const ownCancellationIsNeverAnError: Invariant = (run) => {
  const out: string[] = [];
  const f = (e: unknown) => fmtErr(e, (t) => run.tasks.indexOf(t as Task<string>));
  for (const x of run.consumers) {
    const signal = x.signal;
    if (signal === undefined) continue;
    const output = run.links.some((l) => l.signal === signal);
    for (const n of x.notifications) {
      if (n.kind !== 'error') continue;
      const e = n.value;
      const ownForm =
        e instanceof CancelledError &&
        !(e instanceof ChildCancelled) &&
        e.task === undefined &&
        e.reason === signal.reason;
      if (ownForm && !n.ownAborted) out.push(`X${x.idx} heard ${f(e)} before its signal aborted`);
      const endedBefore =
        (x.spec.kind === 'all' || x.spec.kind === 'any') &&
        n.duringSubscribe &&
        !x.abortedAtSubscribe &&
        e instanceof ChildCancelled &&
        e.child !== undefined &&
        x.endedAtSubscribe.has(e.child as Task<string>);
      if (!ownForm && !endedBefore && (!output || n.ownAborted) && chainReaches(e, signal, run.tasks)) {
        out.push(`X${x.idx} heard its own cancellation as ${f(e)}`);
      }
      if (!ownForm && x.spec.kind === 'cancelWhen' && n.ownAborted && e instanceof CancelledError) {
        out.push(`X${x.idx} (cancelWhen) heard ${f(e)} while its signal was aborted`);
      }
    }
  }
  for (const b of run.bodyErrors) {
    if (chainHas(b.error, run.tasks[b.t]!)) out.push(`T${b.t}'s body heard its own cancellation as ${f(b.error)}`);
  }
  return out;
};

/** I5: every source subscription is torn down by the end or still owned by a running task. */
export const sourcesTornDownOrOwned: Invariant = (run) => {
  const out: string[] = [];
  run.tasks.forEach((t, i) => {
    const subs = run.probeSubscriptions[i]!;
    const downs = run.probeTeardowns[i]!;
    run.qSubscriptions[i]!.forEach((downs, n) => {
      if (downs > 1) out.push(`Q${i}'s subscription ${n} was torn down ${downs} times`);
    });
    if (subs > 1) out.push(`T${i} subscribed its source ${subs} times`);
    if (run.factoryCalls[i]! > 1) out.push(`T${i} called its factory ${run.factoryCalls[i]} times`);
    if (downs > subs) out.push(`T${i}'s source was torn down ${downs} times for ${subs} subscriptions`);
    if (t.state === 'pending' && (subs > 0 || run.factoryCalls[i]! > 0)) out.push(`T${i} is pending but ran`);
    if (t.state !== 'running' && downs !== subs) out.push(`T${i} is ${t.state} but its source is still subscribed`);
    if (t.state === 'running' && downs > 0) out.push(`T${i} is running but its source was torn down`);
    if (t.state === 'running' && !isHeld(run, i)) out.push(`T${i} is running but nothing owns, pins or started it`);
  });
  return out;
};

/** Who may keep a task running: an open owner, a pin, refCount: false, start() (startTask), a running parent body. */
function isHeld(run: Run, i: number): boolean {
  const spec = run.program.tasks[i]!;
  if (!spec.refCount) return true;
  if (run.log.includes(`start T${i}`) || run.tasksMade[i]!.start) return true;
  for (const x of run.consumers) {
    const c = x.spec;
    if (('q' in c && c.q === true) || ('o' in c && c.o !== undefined)) continue; // observes Q<t> or an input
    const open = !x.notifications.some((n) => n.kind !== 'next') && x.unsubSeq === Infinity;
    if (c.kind === 'shield' && c.t === i) return true; // pinned for good
    if (c.kind === 'await' && c.t === i && (c.shield || x.outcome === undefined)) return true;
    if (!open) continue;
    if ((c.kind === 'plain' || c.kind === 'detect' || c.kind === 'cancelWhen') && c.t === i) return true;
    if ((c.kind === 'all' || c.kind === 'any') && c.ts.includes(i)) return true;
  }
  // a task not made yet (a late one whose `task` action never ran) holds nothing
  return run.program.tasks.some(
    (p, k) =>
      p.body.b === 'child' &&
      p.body.j === i &&
      k < run.tasks.length &&
      (p.body.mode === 'shield' || run.tasks[k]!.state === 'running'),
  );
}

/** I6: task.state agrees with what its observers saw, and with task.signal. */
export const stateAgreesWithObservers: Invariant = (run) => {
  const out: string[] = [];
  run.tasks.forEach((t, i) => {
    const cancelled = t.state === 'cancelled';
    if (t.signal.aborted !== cancelled) out.push(`T${i} is ${t.state} but signal.aborted is ${t.signal.aborted}`);
    if (cancelled) {
      const r = t.signal.reason as unknown;
      if (!(r instanceof CancelledError) || r instanceof ChildCancelled || r.task !== t) {
        out.push(`T${i}.signal.reason is not its CancelledError`);
      }
    }
  });
  for (const x of run.consumers) {
    if (!isDirect(x)) continue;
    const t = run.tasks[x.spec.t]!;
    const own = t.state === 'cancelled' ? (t.signal.reason as CancelledError) : undefined;
    const detecting = x.spec.kind !== 'plain';
    for (const n of x.notifications) {
      const where = `X${x.idx} (${x.spec.kind} T${x.spec.t})`;
      if (n.kind === 'next' && !n.duringSubscribe && n.taskState !== 'running') {
        out.push(`${where} got a value while the task was ${n.taskState}`);
      }
      if (n.kind === 'complete' && n.taskState !== 'completed') out.push(`${where} completed while ${n.taskState}`);
      if (n.kind !== 'error') continue;
      const e = n.value;
      const isOwn = detecting ? e instanceof ChildCancelled && e.cause === own : own !== undefined && e === own;
      if (isOwn && n.taskState !== 'cancelled') out.push(`${where} heard the cancellation while ${n.taskState}`);
      if (!isOwn && n.taskState !== 'errored') out.push(`${where} heard an error while ${n.taskState}`);
      if (detecting && e instanceof CancelledError && !(e instanceof ChildCancelled)) {
        out.push(`${where} heard a bare CancelledError through ${x.spec.kind}`);
      }
      if (e instanceof ChildCancelled && e.child !== e.cause.task)
        out.push(`${where}: ChildCancelled.child is not cause.task`);
    }
  }
  return out;
};

/** I7: cancel() returns true exactly when the task had not ended, and the first reason wins. */
export const firstReasonWins: Invariant = (run) => {
  const out: string[] = [];
  run.tasks.forEach((t, i) => {
    const calls = run.cancels.filter((c) => c.t === i);
    const wins = calls.filter((c) => c.result);
    if (wins.length > 1) out.push(`T${i}.cancel() returned true ${wins.length} times`);
    for (const c of calls) {
      const live = c.stateBefore === 'pending' || c.stateBefore === 'running';
      if (c.result !== live) out.push(`T${i}.cancel(${c.reason}) returned ${c.result} on a ${c.stateBefore} task`);
    }
    if (wins.length === 1) {
      const reason = t.state === 'cancelled' ? (t.signal.reason as CancelledError).reason : undefined;
      if (reason !== wins[0]!.reason)
        out.push(`T${i} was cancelled with ${wins[0]!.reason} but its reason is ${String(reason)}`);
    }
  });
  return out;
};

/** I8: every error thrown by user code reaches config.onUnhandledError exactly once, and nothing else does. */
export const noErrorSwallowed: Invariant = (run) =>
  JSON.stringify(run.unhandled) === JSON.stringify(run.thrown)
    ? []
    : [`thrown ${JSON.stringify(run.thrown)} but reported ${JSON.stringify(run.unhandled)}`];

/**
 * I9 (step 3 before step 5): an observer hears a task's own cancellation only
 * after the task's source was torn down, unless that source was still inside
 * its own subscribe call.
 */
export const teardownBeforeObservers: Invariant = (run) => {
  const out: string[] = [];
  for (const x of run.consumers) {
    if (!isDirect(x)) continue;
    const i = x.spec.t;
    const t = run.tasks[i]!;
    if (t.state !== 'cancelled' || run.probeSubscriptions[i] === 0) continue;
    const own = t.signal.reason as CancelledError;
    for (const n of x.notifications) {
      if (n.kind !== 'error' || n.duringSubscribe) continue;
      const e = n.value;
      if (e !== own && !(e instanceof ChildCancelled && e.cause === own)) continue;
      const down = run.probeTeardownSeq[i]!;
      if ((down < 0 || down > n.seq) && !n.probesSubscribing.includes(i)) {
        out.push(`X${x.idx} heard T${i}'s cancellation before T${i}'s source was torn down`);
      }
    }
  }
  return out;
};

export const INVARIANTS: Record<string, Invariant> = {
  noNotificationAfterUnsubscribe,
  atMostOneTerminal,
  ownCancellationIsNeverAnError,
  sourcesTornDownOrOwned,
  stateAgreesWithObservers,
  firstReasonWins,
  noErrorSwallowed,
  teardownBeforeObservers,
};

export function violations(run: Run): string[] {
  return Object.entries(INVARIANTS).flatMap(([name, check]) => check(run).map((v) => `${name}: ${v}`));
}
