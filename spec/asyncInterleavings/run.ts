/**
 * Runs one program of spec/asyncInterleavings/program.ts under a fast-check scheduler and returns the invariants it
 * broke (an empty list when it kept them all). No model: every check follows from CONTRACT.md and
 * docs/semantics.md for any order the scheduler picks. Each check says where it comes from.
 */
import { getEventListeners } from 'node:events';
import type fc from 'fast-check';
import { config, lastValueFrom, type Subscription } from 'rxjs';
import {
  awaitTask,
  cancelWhen,
  CancelledError,
  ChildCancelled,
  detectCancel,
  linkSignals,
  shield,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../../src';
import type { ConsumerSpec, Part, Program, Step, WaitSignal } from './program';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Final = 'completed' | 'errored' | 'cancelled';

/** What the fuzz counts, to show that it reaches what it claims to (see the coverage test). */
export interface Seen {
  [kind: string]: number;
}

interface Consumer {
  n: number;
  t: number;
  how: ConsumerSpec['how'];
  events: string[];
  values: unknown[];
  terminal: Outcome | null;
  unsubscribed: boolean;
  sub: Subscription | null;
}

const FINAL = new Set(['completed', 'errored', 'cancelled']);
const isFinal = (state: string): state is Final => FINAL.has(state);

function describe(error: unknown): string {
  if (error instanceof ChildCancelled)
    return `ChildCancelled(child=${error.child?.name ?? '-'}, cause=${describe(error.cause)})`;
  if (error instanceof CancelledError) {
    const reason = error.reason instanceof Error ? describe(error.reason) : String(error.reason);
    return `CancelledError(task=${error.task?.name ?? '-'}, reason=${reason})`;
  }
  if (error instanceof Error) return `${error.name}(${error.message})`;
  return String(error);
}

const show = (outcome: Outcome) =>
  outcome.ok ? `value ${JSON.stringify(outcome.value)}` : `error ${describe(outcome.error)}`;

/** The tasks named by a cancellation chain: a ChildCancelled's cause, a CancelledError's task, a reason that is one. */
function chainTasks(error: unknown): Set<Task<unknown>> {
  const tasks = new Set<Task<unknown>>();
  for (let e: unknown = error, depth = 0; e instanceof CancelledError && depth < 50; depth++) {
    if (e instanceof ChildCancelled) {
      if (e.child) tasks.add(e.child);
      e = e.cause;
      continue;
    }
    if (e.task) tasks.add(e.task);
    e = e.reason;
  }
  return tasks;
}

export async function runProgram(program: Program, s: fc.Scheduler, seen: Seen = {}): Promise<string[]> {
  const violations: string[] = [];
  const fail = (message: string) => violations.push(message);
  const count = (kind: string) => (seen[kind] = (seen[kind] ?? 0) + 1);

  const unhandled: unknown[] = [];
  const previousOnUnhandled = config.onUnhandledError;
  config.onUnhandledError = (error) => unhandled.push(error);
  const onRejection = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onRejection);

  let timers = 0;
  const controllers = [new AbortController(), new AbortController()];
  const n = program.tasks.length;
  const tasks: Task<string>[] = [];
  const bodyOutcome: (Outcome | null)[] = Array.from({ length: n }, () => null);
  const factoryCalls: number[] = Array.from({ length: n }, () => 0);
  const parentSignal: (AbortSignal | undefined)[] = [];
  const endedAs: (Final | null)[] = Array.from({ length: n }, () => null);
  const cancelledPending: boolean[] = Array.from({ length: n }, () => false);
  const consumers: Consumer[] = [];
  const awaits: { where: string; settled: boolean }[] = [];
  let actionNo = 0;

  const val = (i: number) => `v${i}`;

  /** Every state a task is seen in: once it has ended, it never changes again (a task ends at most once). */
  function observe(where: string): void {
    tasks.forEach((t, i) => {
      const state = t.state;
      const ended = endedAs[i];
      if (ended !== null && state !== ended) fail(`${where}: T${i} ended ${ended}, now ${state}`);
      if (ended === null && isFinal(state)) endedAs[i] = state;
      // CONTRACT: task.signal aborts exactly when the task is cancelled, with its CancelledError (error.task === task)
      const signal = t.signal;
      if (signal.aborted !== (state === 'cancelled'))
        fail(`${where}: T${i} is ${state}, signal.aborted ${signal.aborted}`);
      if (signal.aborted && !(signal.reason instanceof CancelledError && signal.reason.task === t)) {
        fail(`${where}: T${i}.signal.reason is ${describe(signal.reason)}`);
      }
      // CONTRACT: the abort of options.signal cancels the task (a pending one at once); a cancellation completes
      // before the call that made it returns, so no task linked to an aborted signal is live between two steps.
      const parent = parentSignal[i];
      if (parent?.aborted && (state === 'running' || state === 'pending'))
        fail(`${where}: T${i} is ${state}, its options.signal aborted`);
    });
  }

  /** What a detecting observer (detectCancel, shield, awaitTask, a combinator) of `t` hears, by its final state. */
  function checkDetected(where: string, j: number, outcome: Outcome): string | null {
    const t = tasks[j];
    const state = t.state;
    switch (state) {
      case 'completed':
        return outcome.ok && outcome.value === val(j)
          ? null
          : `${where}: T${j} completed with ${val(j)}, heard ${show(outcome)}`;
      case 'cancelled':
        return !outcome.ok &&
          outcome.error instanceof ChildCancelled &&
          outcome.error.cause === t.signal.reason &&
          outcome.error.child === t
          ? null
          : `${where}: T${j} cancelled (${describe(t.signal.reason)}), heard ${show(outcome)}`;
      case 'errored': {
        const body = bodyOutcome[j];
        if (body === null || body.ok)
          return `${where}: T${j} errored, its body ${body === null ? 'did not end' : 'resolved'}`;
        const e = body.error;
        if (e instanceof CancelledError && !(e instanceof ChildCancelled)) {
          return !outcome.ok && outcome.error instanceof ChildCancelled && outcome.error.cause === e
            ? null
            : `${where}: T${j} errored with ${describe(e)}, heard ${show(outcome)}`;
        }
        return !outcome.ok && outcome.error === e
          ? null
          : `${where}: T${j} errored with ${describe(e)}, heard ${show(outcome)}`;
      }
      default:
        // CONTRACT (Completion and errors): a task tears down, then tells its observers; a promise settles later
        return `${where}: heard ${show(outcome)} while T${j} is ${state}`;
    }
  }

  /** `CancelledError(signal.reason)`, no task: the caller's own cancellation, once `signal` has aborted. */
  const isOwn = (outcome: Outcome, signal: AbortSignal | undefined) =>
    signal !== undefined &&
    signal.aborted &&
    !outcome.ok &&
    outcome.error instanceof CancelledError &&
    !(outcome.error instanceof ChildCancelled) &&
    outcome.error.task === undefined &&
    outcome.error.reason === signal.reason;

  /** When a promise of `awaitTask(t)` settles with t's end, every observer of t still subscribed has heard it. */
  function checkObserversHeard(where: string, j: number): void {
    for (const c of consumers) {
      if (c.t === j && c.sub !== null && !c.unsubscribed && c.terminal === null) {
        fail(`${where}: settled with T${j}'s end before consumer C${c.n} (${c.how}) heard it`);
      }
    }
  }

  function waitSignal(own: AbortSignal, sig: WaitSignal): { signal?: AbortSignal; unlink?: () => void } {
    switch (sig) {
      case 'none':
        return {};
      case 'own':
        return { signal: own };
      case 'linkOwn': {
        const link = linkSignals(own, controllers[1].signal);
        return { signal: link.signal, unlink: link.unlink };
      }
      case 'c0':
        return { signal: controllers[0].signal };
      case 'c1':
        return { signal: controllers[1].signal };
    }
  }

  async function yieldPoint(how: 'sched' | 'micro' | 'qm' | 'timeout', label: string): Promise<void> {
    switch (how) {
      case 'sched':
        await s.schedule(Promise.resolve(), label);
        return;
      case 'micro':
        await Promise.resolve();
        return;
      case 'qm':
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        return;
      case 'timeout':
        timers++;
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            timers--;
            resolve();
          }, 0),
        );
    }
  }

  /** The checks on what one wait of body `i` heard. */
  function checkWait(
    where: string,
    i: number,
    step: Step,
    targets: Part[],
    signal: AbortSignal | undefined,
    sig: WaitSignal,
    outcome: Outcome,
    partErrors: unknown[],
    partValues: unknown[],
  ): void {
    const own = tasks[i];
    if (sig === 'own' || sig === 'linkOwn') {
      // CONTRACT / semantics ("Who sees what"): given its own signal, a body hears its own cancellation as
      // CancelledError(signal.reason), never as a ChildCancelled whose chain names its own task.
      if (
        !outcome.ok &&
        outcome.error instanceof ChildCancelled &&
        chainTasks(outcome.error).has(own as Task<unknown>)
      ) {
        fail(`${where}: the body of T${i} heard its own cancellation as a child's: ${describe(outcome.error)}`);
      }
      if (
        !outcome.ok &&
        outcome.error instanceof CancelledError &&
        !(outcome.error instanceof ChildCancelled) &&
        outcome.error.task === undefined
      ) {
        if (!isOwn(outcome, signal))
          fail(`${where}: a CancelledError without task that is not its signal's: ${describe(outcome.error)}`);
        else count(own.state === 'cancelled' ? 'body hears own cancellation' : 'body hears own output abort');
      }
    }
    if (isOwn(outcome, signal)) {
      count(`${step.k} own cancellation`);
      return;
    }
    if (step.k === 'await') {
      const j = (targets[0] as { t: number }).t;
      const problem = checkDetected(where, j, outcome);
      if (problem) fail(problem);
      else {
        checkObserversHeard(where, j);
        count(
          outcome.ok
            ? 'await resolved'
            : outcome.error instanceof ChildCancelled
              ? 'await ChildCancelled'
              : 'await error',
        );
      }
      return;
    }
    // a combinator: its value agrees with its participants, its error is one of theirs
    if (outcome.ok) {
      const check = (k: number, value: unknown) => {
        const part = targets[k];
        if ('t' in part) {
          const problem = checkDetected(where, part.t, { ok: true, value });
          if (problem) fail(problem);
        } else if (part.p !== 'ok' || partValues[k] !== value)
          fail(`${where}: participant ${k} (promise ${part.p}) gave ${JSON.stringify(value)}`);
      };
      if (step.k === 'all') {
        const values = outcome.value as unknown[];
        if (!Array.isArray(values) || values.length !== targets.length)
          fail(`${where}: whenAll emitted ${JSON.stringify(outcome.value)}`);
        else values.forEach((v, k) => check(k, v));
        count('whenAll resolved');
      } else {
        const { index, value } = outcome.value as { index: number; value: unknown };
        if (!(index >= 0 && index < targets.length)) fail(`${where}: whenAny emitted ${JSON.stringify(outcome.value)}`);
        else check(index, value);
        count('whenAny resolved');
      }
      return;
    }
    const candidates: string[] = [];
    for (let k = 0; k < targets.length; k++) {
      const part = targets[k];
      if ('t' in part) {
        const problem = checkDetected(where, part.t, outcome);
        if (problem === null)
          return void count(outcome.error instanceof ChildCancelled ? `${step.k} ChildCancelled` : `${step.k} error`);
        candidates.push(problem);
      } else if (part.p === 'fail' && outcome.error === partErrors[k]) return void count(`${step.k} promise error`);
    }
    fail(`${where}: heard ${show(outcome)}, which no participant ended with (${candidates.join('; ')})`);
  }

  function makeBody(i: number) {
    const steps = program.tasks[i].steps;
    return async (signal: AbortSignal): Promise<string> => {
      factoryCalls[i]++;
      // CONTRACT: starting sets the state to running, then calls the factory with task.signal
      if (tasks[i].state !== 'running') fail(`T${i}: factory called while ${tasks[i].state}`);
      if (signal !== tasks[i].signal) fail(`T${i}: factory given another signal`);
      if (factoryCalls[i] > 1) fail(`T${i}: factory called ${factoryCalls[i]} times`);
      try {
        for (let k = 0; k < steps.length; k++) {
          const step = steps[k];
          const where = `T${i} step ${k} (${step.k})`;
          if (step.k === 'yield') {
            await yieldPoint(step.how, `T${i}.${k}`);
            continue;
          }
          if (step.k === 'throw') throw new Error(`E${i}.${k}`);
          if (step.k === 'cancel' || step.k === 'abort') {
            const before = tasks.map((t) => t.state);
            if (step.k === 'cancel') checkedCancel(where, step.t % n, `b${i}.${k}`, before);
            else checkedAbort(where, step.c, `b${i}.${k}`, before);
            observe(where);
            continue;
          }
          const later = n - i - 1;
          const resolveTask = (t: number) => i + 1 + (t % later);
          if (later === 0 && (step.k === 'await' || step.parts.some((p) => 't' in p))) {
            // the last task waits on nobody: a scheduled point instead
            await yieldPoint('sched', `T${i}.${k}`);
            continue;
          }
          const { signal: waitSig, unlink } = waitSignal(signal, step.sig);
          const targets: Part[] =
            step.k === 'await'
              ? [{ t: resolveTask(step.t) }]
              : step.parts.map((p) => ('t' in p ? { t: resolveTask(p.t) } : p));
          const partErrors: unknown[] = [];
          const partValues: unknown[] = [];
          const record = { where, settled: false };
          awaits.push(record);
          let outcome: Outcome;
          try {
            let value: unknown;
            if (step.k === 'await') {
              const options = { ...(waitSig ? { signal: waitSig } : {}), ...(step.shield ? { shield: true } : {}) };
              value = await awaitTask(tasks[(targets[0] as { t: number }).t], options);
            } else {
              const sources = targets.map((part, p) => {
                if ('t' in part) return tasks[part.t];
                if (part.p === 'ok')
                  return s.schedule(Promise.resolve((partValues[p] = `p${i}.${k}.${p}`)), `T${i}.${k} promise ${p}`);
                const error = (partErrors[p] = new Error(`P${i}.${k}.${p}`));
                return s.schedule(Promise.resolve(), `T${i}.${k} promise ${p}`).then(() => Promise.reject(error));
              });
              const options = waitSig ? { signal: waitSig } : undefined;
              value =
                step.k === 'all'
                  ? await lastValueFrom(whenAllCancellable(sources, options))
                  : await lastValueFrom(whenAnyCancellable(sources, options));
            }
            outcome = { ok: true, value };
          } catch (error) {
            outcome = { ok: false, error };
          } finally {
            record.settled = true;
            unlink?.();
          }
          checkWait(where, i, step, targets, waitSig, step.sig, outcome, partErrors, partValues);
          if (!outcome.ok && !step.swallow) throw outcome.error;
        }
        return val(i);
      } catch (error) {
        bodyOutcome[i] = { ok: false, error };
        throw error;
      } finally {
        if (bodyOutcome[i] === null) bodyOutcome[i] = { ok: true, value: val(i) };
      }
    };
  }

  // ---- the tasks, made up front (lazy)
  for (let i = 0; i < n; i++) {
    const spec = program.tasks[i];
    let signal: AbortSignal | undefined;
    if (spec.link === 'c0') signal = controllers[0].signal;
    else if (spec.link === 'c1') signal = controllers[1].signal;
    else if (spec.link !== 'none' && i > 0) signal = tasks[spec.link.parent % i].signal;
    parentSignal.push(signal);
    tasks.push(
      task(makeBody(i), {
        name: `T${i}`,
        ...(signal ? { signal } : {}),
        ...(spec.refCount ? {} : { refCount: false }),
      }),
    );
  }

  // ---- consumers
  function subscribe(spec: ConsumerSpec): void {
    const j = spec.t % n;
    const t = tasks[j];
    const c: Consumer = {
      n: consumers.length,
      t: j,
      how: spec.how,
      events: [],
      values: [],
      terminal: null,
      unsubscribed: false,
      sub: null,
    };
    consumers.push(c);
    const where = `C${c.n} (${spec.how} of T${j})`;
    const end = (outcome: Outcome) => {
      c.events.push(outcome.ok ? 'complete' : `error ${describe(outcome.error)}`);
      // RxJS / CONTRACT: at most one terminal notification, nothing after unsubscribing
      if (c.unsubscribed) fail(`${where}: heard ${show(outcome)} after unsubscribing`);
      if (c.terminal !== null) fail(`${where}: second terminal notification ${show(outcome)}`);
      c.terminal = outcome;
      if (spec.how === 'cancelWhenC0' && isOwn(outcome, controllers[0].signal)) return void count('cancelWhen own');
      if (spec.how === 'awaitC0' && isOwn(outcome, controllers[0].signal)) return void count('external await own');
      let problem: string | null;
      if (spec.how === 'plain') {
        // CONTRACT: a plain observer gets the task's own CancelledError, or the source's error, or completion
        const state = t.state;
        const body = bodyOutcome[j];
        if (outcome.ok)
          problem =
            state === 'completed' && c.values[c.values.length - 1] === val(j)
              ? null
              : `${where}: completed, T${j} ${state}, values ${JSON.stringify(c.values)}`;
        else if (state === 'cancelled')
          problem = outcome.error === t.signal.reason ? null : `${where}: T${j} cancelled, heard ${show(outcome)}`;
        else if (state === 'errored')
          problem =
            body && !body.ok && outcome.error === body.error ? null : `${where}: T${j} errored, heard ${show(outcome)}`;
        else problem = `${where}: heard ${show(outcome)} while T${j} is ${state}`;
      } else {
        const heard: Outcome = outcome.ok ? { ok: true, value: c.values[c.values.length - 1] } : outcome;
        problem = checkDetected(where, j, heard);
      }
      if (problem) fail(problem);
      else count(`consumer ${spec.how} ${outcome.ok ? 'complete' : 'error'}`);
      if (spec.how.startsWith('await') && !problem) checkObserversHeard(where, j);
    };
    if (spec.how === 'await' || spec.how === 'awaitC0' || spec.how === 'awaitShield') {
      const options =
        spec.how === 'awaitC0'
          ? { signal: controllers[0].signal }
          : spec.how === 'awaitShield'
            ? { shield: true }
            : undefined;
      const record = { where, settled: false };
      awaits.push(record);
      awaitTask(t, options).then(
        (value) => {
          record.settled = true;
          c.values.push(value);
          end({ ok: true, value });
        },
        (error: unknown) => {
          record.settled = true;
          end({ ok: false, error });
        },
      );
      return;
    }
    const source =
      spec.how === 'plain'
        ? t
        : spec.how === 'detect'
          ? t.pipe(detectCancel())
          : spec.how === 'shield'
            ? t.pipe(shield())
            : t.pipe(detectCancel(), cancelWhen(controllers[0].signal));
    c.sub = source.subscribe({
      next: (value) => {
        c.events.push(`next ${value}`);
        if (c.unsubscribed || c.terminal !== null)
          fail(`${where}: heard next ${value} after ${c.unsubscribed ? 'unsubscribing' : 'its end'}`);
        c.values.push(value);
      },
      error: (error: unknown) => end({ ok: false, error }),
      complete: () => end({ ok: true, value: undefined }),
    });
  }

  function checkedCancel(where: string, j: number, reason: string, before: string[]): void {
    const t = tasks[j];
    const returned = t.cancel(reason);
    // CONTRACT: cancel() returns true if this call cancelled the task, false if it had ended (a no-op)
    const live = before[j] === 'running' || before[j] === 'pending';
    if (returned !== live) fail(`${where}: cancel() of T${j} (${before[j]}) returned ${returned}`);
    if (live) {
      if (before[j] === 'pending') cancelledPending[j] = true;
      if (t.state !== 'cancelled') fail(`${where}: T${j} is ${t.state} after cancel() returned true`);
      else if ((t.signal.reason as CancelledError).reason !== reason)
        fail(`${where}: T${j} cancelled with ${describe(t.signal.reason)}`);
      count(`cancel ${before[j]}`);
    } else if (t.state !== before[j]) fail(`${where}: cancel() of ended T${j} changed it to ${t.state}`);
  }

  function checkedAbort(where: string, c: 0 | 1, reason: string, before: string[]): void {
    const controller = controllers[c];
    if (controller.signal.aborted) return;
    controller.abort(reason);
    count('abort');
    // CONTRACT: the abort of options.signal cancels the task, with that signal's reason (a release in the same
    // wave uses options.signal.reason too)
    tasks.forEach((t, j) => {
      if (parentSignal[j] !== controller.signal || !(before[j] === 'running' || before[j] === 'pending')) return;
      if (before[j] === 'pending') cancelledPending[j] = true;
      if (t.state !== 'cancelled' || (t.signal.reason as CancelledError).reason !== reason) {
        fail(`${where}: T${j} (linked to c${c}, was ${before[j]}) is ${t.state} (${describe(t.signal.reason)})`);
      }
    });
  }

  // ---- external actions
  function act(index: number): void {
    const action = program.actions[index];
    const where = `action ${actionNo++} (${action.k})`;
    const before = tasks.map((t) => t.state);
    switch (action.k) {
      case 'cancel':
        checkedCancel(where, action.t % n, `c${index}`, before);
        break;
      case 'abort':
        checkedAbort(where, action.c, `a${index}`, before);
        break;
      case 'sub':
        subscribe(action.consumer);
        break;
      case 'unsub': {
        const subs = consumers.filter((c) => c.sub !== null && !c.unsubscribed);
        if (subs.length === 0) break;
        const c = subs[action.n % subs.length];
        c.unsubscribed = true;
        c.sub?.unsubscribe();
        if (c.terminal === null) count('unsubscribed before the end');
        break;
      }
      case 'start': {
        const j = action.t % n;
        tasks[j].start();
        break;
      }
    }
    // CONTRACT: tasks linked to a task's signal are cancelled with its CancelledError as their reason. The same
    // action may have released the child first, before its parent was reached (an awaitTask given a controller
    // that aborts, docs/semantics.md "What cancels a task"): reason `undefined` then, its parent not having aborted;
    tasks.forEach((t, j) => {
      const parent = parentSignal[j];
      const owner = tasks.find((p) => p.signal === parent);
      // Only for cancel() and abort(): a subscription or start() runs a factory, whose own cancel() may come first.
      if (action.k !== 'cancel' && action.k !== 'abort') return;
      if (!owner || !parent?.aborted || !(before[j] === 'running' || before[j] === 'pending')) return;
      const reason = t.state === 'cancelled' ? (t.signal.reason as CancelledError).reason : 'not cancelled';
      // ...or the action cancelled the child itself, and that ended its parent (a combinator hearing it released it)
      const released = reason === undefined || (action.k === 'cancel' && action.t % n === j && reason === `c${index}`);
      if (t.state !== 'cancelled' || (reason !== parent.reason && !released)) {
        fail(
          `${where}: T${j} (linked to ${owner.name}, was ${before[j]}) is ${t.state} (${describe(t.signal.reason)})`,
        );
      } else count('linked child cancelled');
    });
    observe(where);
  }

  /** Runs the scheduler, microtasks and real timers until nothing is left to run. */
  async function drain(): Promise<void> {
    for (let guard = 0; ; guard++) {
      if (guard > 1000) return void fail('the program did not become idle');
      await s.waitIdle();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (s.count() > 0) continue;
      if (timers > 0) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        continue;
      }
      return;
    }
  }

  try {
    for (const spec of program.consumers) subscribe(spec);
    observe('after the first consumers');
    program.actions.forEach((action, index) => {
      let p: Promise<unknown> = s.schedule(Promise.resolve(), `action ${index} (${action.k})`);
      for (let d = 0; d < action.delay; d++)
        p = p.then(() => s.schedule(Promise.resolve(), `action ${index} delay ${d + 1}`));
      void p.then(() => {
        try {
          act(index);
        } catch (error) {
          fail(`action ${index} threw ${describe(error)}`);
        }
      });
    });
    await drain();
    observe('idle');
    // Every body waits only on later tasks and has finite steps: once nothing is left to run, no task is running.
    tasks.forEach((t, i) => {
      if (t.state === 'running')
        fail(`idle: T${i} still running (body ${bodyOutcome[i] === null ? 'not ended' : show(bodyOutcome[i]!)})`);
    });
    // then end every pending task, and let what that sets off run
    for (let round = 0; round < n && tasks.some((t) => !isFinal(t.state)); round++) {
      tasks.forEach((t, j) => {
        if (t.state === 'pending') cancelledPending[j] = true;
        t.cancel('cleanup');
      });
      await drain();
    }
    observe('end');
    await new Promise<void>((resolve) => setTimeout(resolve, 0)); // RxJS reports on a timer of its own
    tasks.forEach((t, i) => {
      if (!isFinal(t.state)) fail(`end: T${i} is ${t.state}`);
      // CONTRACT: a pending task that is cancelled never calls its factory
      if (cancelledPending[i] && factoryCalls[i] > 0) fail(`T${i} was cancelled while pending, and its factory ran`);
      // a body that ended decides the task's end, unless the task was cancelled
      const body = bodyOutcome[i];
      if (t.state === 'completed' && !(body?.ok === true))
        fail(`T${i} completed, its body ${body === null ? 'did not end' : 'failed'}`);
      if (t.state === 'errored' && !(body !== null && !body.ok))
        fail(`T${i} errored, its body ${body === null ? 'did not end' : 'resolved'}`);
      count(`task ${t.state}`);
    });
    for (const c of consumers) {
      // every consumer hears exactly one end, or none if it unsubscribed first
      if (!c.unsubscribed && c.terminal === null)
        fail(`C${c.n} (${c.how} of T${c.t}) never heard an end (T${c.t} ${tasks[c.t].state})`);
    }
    for (const a of awaits) if (!a.settled) fail(`${a.where}: never settled`);
    // CONTRACT: every listener an export places is removed when what placed it ends
    controllers.forEach((c, k) => {
      const left = getEventListeners(c.signal, 'abort').length;
      if (left !== 0) fail(`end: ${left} abort listener(s) left on controller c${k}`);
    });
    for (const error of unhandled) fail(`unhandled: ${describe(error)}`);
    return violations;
  } finally {
    process.off('unhandledRejection', onRejection);
    config.onUnhandledError = previousOnUnhandled;
  }
}
