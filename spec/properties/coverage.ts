/**
 * What a run exercised, so that a test can show the generator reaches the
 * interactions the invariants are about (a property that never re-enters
 * proves nothing about re-entrancy).
 */
import { CancelledError, ChildCancelled } from '../../src';
import { fmtErr } from './format';
import type { ExoticInput, SourceError } from './program';
import type { Run, RunConsumer, TeardownAct } from './run';

const has = (lines: readonly string[], re: RegExp) => lines.some((l) => re.test(l));

/** The log lines a teardown's action produced (its own line first), before the teardown returned or threw. */
const during = (r: Run, d: TeardownAct) => r.log.slice(d.from, d.to);
/** The reason a teardown's cancel or abort gave (`r7`, `a7`): a cancellation chain it caused ends in `,r7)`. */
const causedBy = (d: TeardownAct) =>
  d.act.a === 'cancel' ? `,r${d.act.id})` : d.act.a === 'abort' ? `,a${d.act.id})` : null;
const teardownDid = (r: Run, re: RegExp) => r.teardownActs.some((d) => re.test(d.act.a));

/** The consumer observes a plain Observable `Q<i>`, or a combinator has one among its participants. */
const overQ = (x: RunConsumer) =>
  'q' in x.spec ? x.spec.q === true : 'ts' in x.spec && x.spec.ts.some((p) => typeof p !== 'number' && 'q' in p);
/** A combinator with a participant that is a promise (`p`), an array (`arr`) or a deferred promise (`d`). */
const overOther = (x: RunConsumer, kind: 'p' | 'arr' | 'd') =>
  'ts' in x.spec && x.spec.ts.some((p) => typeof p !== 'number' && kind in p);
/** Task i's body is another input: a promise (settled, or deferred), or values (an array, a generator). */
const overInput = (r: Run, i: number, kind: 'promise' | 'values') => {
  const b = r.program.tasks[i]!.body;
  return b.b === 'input' && ('p' in b.input || 'd' in b.input) === (kind === 'promise');
};
const ended = (x: RunConsumer) => x.notifications.some((n) => n.kind !== 'next');
const heard = (x: RunConsumer, kind: 'next' | 'error' | 'complete') => x.notifications.some((n) => n.kind === kind);

/**
 * What a `settle` action rejected deferred promise `D<d>` with, if it was a `SourceError` (program.ts): a signal's
 * reason (a task's `CancelledError`, a controller's string, `undefined`) or an `AbortError`; `none` otherwise.
 */
const none = Symbol('none');
const sourceRejection = (r: Run, d: number): unknown => {
  const m = r.promises.find((p) => p.k === `D${d}`)!;
  const e = m.rejected;
  return m.didReject && !(e instanceof Error && e.constructor === Error && /^K\d/.test(e.message)) ? e : none;
};
/** What a `settle` action rejected with: a task's `CancelledError` (not a `ChildCancelled`). */
const isTaskCancelled = (e: unknown) =>
  e instanceof CancelledError && !(e instanceof ChildCancelled) && e.task !== undefined;
/** An `AbortError` caused by a signal's reason that is set (not `o<id>`: one caused by something else). */
const isAbortOfReason = (e: unknown) =>
  e instanceof Error && e.name === 'AbortError' && e.cause !== undefined && !/^o\d/.test(String(e.cause));
/** The deferred promises a consumer observes directly: its source, or among its participants. */
const deferredOf = (x: RunConsumer): number[] =>
  'ts' in x.spec
    ? x.spec.ts.flatMap((p) => (typeof p !== 'number' && 'd' in p ? [p.d] : []))
    : x.spec.o !== undefined && 'd' in x.spec.o
      ? [x.spec.o.d]
      : [];
/** The consumer heard `e` (as it is, or as the cause of a `ChildCancelled` with `detected`) as its error or outcome. */
const heardError = (r: Run, x: RunConsumer, e: unknown, detected: boolean) => {
  const seen = (v: unknown) => (detected ? v instanceof ChildCancelled && v.cause === e : v === e);
  const text = fmtErr(e, (t) => r.tasks.indexOf(t as never));
  return (
    x.notifications.some((n) => n.kind === 'error' && seen(n.value)) ||
    x.outcome === `reject ${detected ? `CC(${text})` : text}`
  );
};
/**
 * A consumer over a deferred promise that a `settle` action rejected with an error `which` picks heard it:
 * `detected`, as a `ChildCancelled` (the detecting exports), else as it is.
 */
const heardSourceRejection = (r: Run, which: (e: unknown) => boolean, detected: boolean, kinds: string[]) =>
  r.consumers.some(
    (x) =>
      kinds.includes(x.spec.kind) &&
      deferredOf(x).some((d) => {
        const e = sourceRejection(r, d);
        return e !== none && which(e) && heardError(r, x, e, detected);
      }),
  );
/** Task i's source is a deferred promise a `settle` action rejected with an error `which` picks. */
const overSourceRejection = (r: Run, i: number, which: (e: unknown) => boolean): unknown => {
  const b = r.program.tasks[i]!.body;
  if (b.b !== 'input' || !('d' in b.input)) return none;
  const e = sourceRejection(r, b.input.d);
  return e !== none && which(e) ? e : none;
};

/** Task i was linked to a `linkSignals` output (resolved when it was made) and cancelled by its abort. */
const cancelledThroughOutput = (r: Run, i: number) => {
  const ref = r.tasksMade[i]!.link;
  const link = ref !== undefined && 'l' in ref ? r.links[ref.l]! : undefined;
  const t = r.tasks[i]!;
  return link !== undefined && t.state === 'cancelled' && t.signal.reason.reason === link.signal.reason;
};
/** Task i was made by a `task` action (top-level, or by a reaction, a teardown or an abort listener). */
const late = (r: Run, i: number) => r.tasksMade[i]!.where !== 'before';

export const FEATURES: Record<string, (run: Run) => boolean> = {
  'a consumer heard ChildCancelled': (r) => has(r.log, /^X\d+ error CC\(/),
  'a consumer heard a plain CancelledError of a task': (r) => has(r.log, /^X\d+ error CE\(T/),
  'a consumer heard its own cancellation (CancelledError without task)': (r) => has(r.log, /^X\d+ error CE\(-/),
  'a consumer heard a source error': (r) => has(r.log, /^X\d+ error E\d/),
  'a consumer heard a factory error': (r) => has(r.log, /^X\d+ error (CC\()?F\d/),
  'whenAllCancellable emitted its results': (r) => has(r.log, /^X\d+ next \[/),
  'whenAnyCancellable emitted a winner': (r) => has(r.log, /^X\d+ next \{/),
  'a combinator ended early with an error': (r) =>
    r.consumers.some(
      (x) => (x.spec.kind === 'all' || x.spec.kind === 'any') && x.notifications.some((n) => n.kind === 'error'),
    ),
  'awaitTask resolved': (r) => Object.values(r.awaits).some((o) => o.startsWith('resolve')),
  'awaitTask rejected with ChildCancelled': (r) => Object.values(r.awaits).some((o) => o.startsWith('reject CC(')),
  'awaitTask rejected with its own cancellation': (r) =>
    Object.values(r.awaits).some((o) => o.startsWith('reject CE(-')),
  'a task body heard ChildCancelled': (r) => has(r.log, /\.body error CC\(/),
  'a task body heard a plain CancelledError': (r) => has(r.log, /\.body error CE\(/),
  'a linked task was cancelled by its parent task': (r) => has(r.final, /cancelled CE\(T\d+,CE\(T/),
  'a task was cancelled by a controller': (r) => has(r.final, /cancelled CE\(T\d+,(a|pre)\d+\)/),
  'a task was cancelled by its last owner leaving': (r) => has(r.final, /cancelled CE\(T\d+,undef\)/),
  'a task was cancelled from inside its own factory': (r) => has(r.final, /cancelled CE\(T\d+,self\d+\)/),
  'cancel() lost to an earlier reason': (r) => r.cancels.some((c) => !c.result),
  'a late subscriber got a replayed value': (r) =>
    r.consumers.some((x) => x.notifications.some((n) => n.kind === 'next' && n.duringSubscribe)),
  'a source was torn down while it was still subscribing': (r) => r.closedWhileSubscribing > 0,
  'an observer cancelled a task re-entrantly': (r) => r.reentrant.some((a) => /^(next|error|complete):cancel$/.test(a)),
  'an observer unsubscribed a consumer re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):unsub$/.test(a)),
  'an observer aborted a controller re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):abort$/.test(a)),
  'an observer drove a source re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):(next|complete|error)$/.test(a)),
  'an observer subscribed a new consumer re-entrantly': (r) =>
    r.reentrant.some((a) => /^(next|error|complete):sub$/.test(a)),
  'an observer threw (reported as unhandled)': (r) => r.unhandled.some((u) => u.startsWith('U')),
  'a teardown threw (reported as unhandled)': (r) => r.unhandled.some((u) => u.startsWith('D')),
  'a factory threw after its own task was cancelled (reported as unhandled)': (r) =>
    r.unhandled.some((u) => u.startsWith('F')),
  'an abort listener acted re-entrantly': (r) => r.reentrant.some((a) => a.startsWith('listener:')),
  'a task was cancelled through a linkSignals output': (r) => r.tasks.some((_, i) => cancelledThroughOutput(r, i)),
  'a consumer heard its own cancellation through a linkSignals output': (r) =>
    r.consumers.some((x) => {
      const s = 's' in x.spec ? x.spec.s : undefined;
      if (s === undefined || !('l' in s)) return false;
      const own = `X${x.idx} error CE(-,`;
      return (
        x.notifications.some((n) => n.kind === 'error' && r.log[n.seq]!.startsWith(own)) ||
        x.outcome?.startsWith('reject CE(-,') === true
      );
    }),
  "a linkSignals output's abort listener acted re-entrantly": (r) =>
    r.reentrant.some((a) => a.startsWith('output listener:')),
  'unlink() let go of an output before it aborted': (r) => r.liveUnlinks > 0,
  // outputs made once actions have begun (`link` actions), and outputs of no input or of three
  'an output made by an action aborted after it was made': (r) =>
    r.linksMade.some((m, k) => m.where !== 'before' && !m.abortedAtOnce && r.links[k]!.signal.aborted),
  'an output made by an action was aborted when it was made': (r) =>
    r.linksMade.some((m) => m.where !== 'before' && m.abortedAtOnce),
  'an output was made by a reaction or a teardown': (r) => r.linksMade.some((m) => m.where === 'reentrant'),
  'the abort listener of an output made by an action acted': (r) =>
    r.linksMade.some((m, k) => m.where !== 'before' && r.log.includes(`L${k} listener`)),
  'an abort listener made an output': (r) => r.reentrant.some((a) => /^(output )?listener:link$/.test(a)),
  'a consumer heard its own cancellation through an output made by an action': (r) =>
    r.consumers.some((x) => {
      const s = 's' in x.spec ? x.spec.s : undefined;
      if (s === undefined || !('l' in s) || r.linksMade[s.l]!.where === 'before') return false;
      return (
        x.notifications.some((n) => n.kind === 'error' && r.log[n.seq]!.startsWith(`X${x.idx} error CE(-,`)) ||
        x.outcome?.startsWith('reject CE(-,') === true
      );
    }),
  'a consumer was given an output of no input': (r) =>
    r.consumers.some((x) => {
      const s = 's' in x.spec ? x.spec.s : undefined;
      return s !== undefined && 'l' in s && r.linksMade[s.l]!.inputs === 0;
    }),
  // plain Observables (Q<i>, no task) given directly to the exports
  'a combinator with a plain Observable participant emitted its result': (r) =>
    r.consumers.some((x) => overQ(x) && (x.spec.kind === 'all' || x.spec.kind === 'any') && heard(x, 'next')),
  'a combinator with a plain Observable participant ended early': (r) =>
    r.consumers.some((x) => overQ(x) && (x.spec.kind === 'all' || x.spec.kind === 'any') && heard(x, 'error')),
  'detectCancel over a plain Observable heard its end': (r) =>
    r.consumers.some((x) => overQ(x) && x.spec.kind === 'detect' && (heard(x, 'complete') || heard(x, 'error'))),
  // the run goes on, unobserved (the model checks that nothing tears it down before its source ends)
  'a shielded run of a plain Observable went on after its consumer left (shield, or awaitTask shield aborted)': (r) =>
    r.consumers.some(
      (x) =>
        overQ(x) &&
        ((x.spec.kind === 'shield' && x.unsubSeq !== Infinity && !x.notifications.some((n) => n.kind !== 'next')) ||
          (x.spec.kind === 'await' && x.spec.shield && x.outcome?.startsWith('reject CE(-,') === true)),
    ),
  // its source torn down first, or, when it ended while it subscribed, once its subscribe function returns
  'shield over a plain Observable heard its end': (r) =>
    r.consumers.some((x) => overQ(x) && x.spec.kind === 'shield' && (heard(x, 'complete') || heard(x, 'error'))),
  'cancelWhen over a plain Observable heard its own cancellation': (r) =>
    r.consumers.some(
      (x) => overQ(x) && x.spec.kind === 'cancelWhen' && has(r.log, new RegExp(`^X${x.idx} error CE\\(-`)),
    ),
  'awaitTask over a plain Observable settled': (r) =>
    r.consumers.some((x) => overQ(x) && x.spec.kind === 'await' && x.outcome !== undefined),
  'an output of three inputs aborted after it was made': (r) =>
    r.linksMade.some((m, k) => m.inputs === 3 && !m.abortedAtOnce && r.links[k]!.signal.aborted),
  'a consumer heard an AbortError': (r) => has(r.log, /^X\d+ error (CC\()?AE\(/),
  // promises and arrays given to the combinators (program.ts, `OtherInput`)
  'a combinator with a promise participant emitted its result': (r) =>
    r.consumers.some((x) => overOther(x, 'p') && heard(x, 'next')),
  "a combinator ended early with a promise participant's rejection": (r) =>
    r.consumers.some((x) => overOther(x, 'p') && has(r.log, new RegExp(`^X${x.idx} error J\\d`))),
  'a combinator with an array participant emitted its result': (r) =>
    r.consumers.some((x) => overOther(x, 'arr') && heard(x, 'next')),
  'a combinator ended before its promise participant settled': (r) =>
    r.consumers.some((x) => overOther(x, 'p') && x.notifications.some((n) => n.kind !== 'next' && n.seq < r.syncEnd)),
  // tasks made by `task` actions, once actions have begun (program.ts, `Program.early`)
  'a task made by an action was cancelled through an output made by an action': (r) =>
    r.tasks.some((_, i) => {
      const ref = r.tasksMade[i]!.link;
      return (
        late(r, i) &&
        ref !== undefined &&
        'l' in ref &&
        r.linksMade[ref.l]!.where !== 'before' &&
        cancelledThroughOutput(r, i)
      );
    }),
  'a task made by an action was cancelled at once (its signal had aborted)': (r) =>
    r.tasksMade.some((m) => m.where !== 'before' && m.cancelledAtOnce),
  'a started task made by an action was cancelled by the abort of its signal': (r) =>
    r.tasks.some((t, i) => {
      const ref = r.tasksMade[i]!.link;
      if (!late(r, i) || ref === undefined || r.tasksMade[i]!.cancelledAtOnce || t.state !== 'cancelled') return false;
      const signal = ('c' in ref ? r.controllers[ref.c]! : 't' in ref ? r.tasks[ref.t]! : r.links[ref.l]!).signal;
      return (r.started[i]! || r.factoryCalls[i]! > 0) && t.signal.reason.reason === signal.reason;
    }),
  'a consumer or a body heard the end of a task made by an action': (r) =>
    r.tasks.some(
      (_, i) =>
        late(r, i) &&
        (r.program.tasks.some(
          (p, k) =>
            k < r.tasks.length &&
            p.body.b === 'child' &&
            p.body.j === i &&
            has(r.log, new RegExp(`^T${k}\\.body (error|complete)`)),
        ) ||
          r.consumers.some(
            (x) =>
              't' in x.spec && x.spec.q !== true && x.spec.t === i && x.notifications.some((n) => n.kind !== 'next'),
          )),
    ),
  'a task made by an action ran and ended on its own (completed or errored)': (r) =>
    r.tasks.some((t, i) => late(r, i) && (t.state === 'completed' || t.state === 'errored')),
  'a task was made by a reaction, a teardown or an abort listener': (r) =>
    r.tasksMade.some((m) => m.where === 'reentrant'),
  // other inputs as task bodies and consumers' sources, and deferred promises settled by actions (program.ts,
  // `Program.others`)
  'a task over a promise (given, or by its factory) ended when it settled': (r) =>
    r.tasks.some((t, i) => overInput(r, i, 'promise') && (t.state === 'completed' || t.state === 'errored')),
  'a task over an array or a generator completed': (r) =>
    r.tasks.some((t, i) => overInput(r, i, 'values') && t.state === 'completed'),
  'a task over a generator completed': (r) =>
    r.tasks.some((t, i) => {
      const b = r.program.tasks[i]!.body;
      return b.b === 'input' && 'gen' in b.input && b.input.gen > 0 && t.state === 'completed';
    }),
  'a generator was stopped early (its subscriber closed)': (r) => has(r.log, /^G\S+ return$/),
  'a task over a promise settled by an action ended with it': (r) =>
    r.tasks.some((t, i) => {
      const b = r.program.tasks[i]!.body;
      return b.b === 'input' && 'd' in b.input && (t.state === 'completed' || t.state === 'errored');
    }),
  'a pending task over a rejected promise was cancelled: the promise dropped, not subscribed': (r) =>
    r.tasks.some((t, i) => {
      const m = r.promises.find((p) => p.k === `T${i}`);
      return t.state === 'cancelled' && m !== undefined && m.didReject && !m.promise.subscribed;
    }),
  'a factory returned another input after it cancelled its task (never subscribed)': (r) =>
    r.tasks.some((_, i) => {
      const b = r.program.tasks[i]!.body;
      return b.b === 'input' && b.factory && b.selfCancel && r.factoryCalls[i]! > 0;
    }),
  'a promise rejected and never subscribed was dropped (no unhandled rejection)': (r) =>
    r.promises.some((m) => m.didReject && m.promise.used && !m.promise.subscribed),
  'a promise rejected that nobody handled (an unhandled rejection the model predicts)': (r) => r.rejections.length > 0,
  'detectCancel or shield over another input heard its end': (r) =>
    r.consumers.some(
      (x) => (x.spec.kind === 'detect' || x.spec.kind === 'shield') && x.spec.o !== undefined && ended(x),
    ),
  'cancelWhen over another input heard its end': (r) =>
    r.consumers.some((x) => x.spec.kind === 'cancelWhen' && x.spec.o !== undefined && ended(x)),
  'cancelWhen over another input heard its own cancellation': (r) =>
    r.consumers.some(
      (x) =>
        x.spec.kind === 'cancelWhen' && x.spec.o !== undefined && has(r.log, new RegExp(`^X${x.idx} error CE\\(-`)),
    ),
  'awaitTask over another input resolved': (r) =>
    r.consumers.some(
      (x) => x.spec.kind === 'await' && x.spec.o !== undefined && x.outcome?.startsWith('resolve') === true,
    ),
  'awaitTask over another input rejected': (r) =>
    r.consumers.some(
      (x) => x.spec.kind === 'await' && x.spec.o !== undefined && x.outcome?.startsWith('reject') === true,
    ),
  'a consumer heard a deferred promise settled by an action': (r) =>
    r.consumers.some(
      (x) =>
        ('o' in x.spec && x.spec.o !== undefined && 'd' in x.spec.o && (ended(x) || x.outcome !== undefined)) ||
        (overOther(x, 'd') && ended(x) && x.notifications.some((n) => n.seq >= r.syncEnd)),
    ),
  'a deferred promise was settled in a microtask (by a reaction)': (r) =>
    r.log.slice(r.syncEnd).some((l) => /^(resolve|reject) D\d/.test(l)),
  // deferred promises rejected with what a signal holds (a `settle` action with a `SourceError`: program.ts), as
  // `fetch(url, { signal })` rejects with `signal.reason` and Node's APIs with an `AbortError` caused by it
  "a detecting consumer heard a deferred promise rejected with a task's CancelledError as a ChildCancelled": (r) =>
    heardSourceRejection(r, isTaskCancelled, true, ['detect', 'shield', 'await', 'all', 'any']),
  "cancelWhen heard a deferred promise rejected with a task's CancelledError as it is": (r) =>
    heardSourceRejection(r, isTaskCancelled, false, ['cancelWhen']),
  "a task whose body is a deferred promise rejected with a task's CancelledError errored with it, heard by an observer":
    (r) =>
      r.tasks.some((t, i) => {
        const e = overSourceRejection(r, i, isTaskCancelled);
        return (
          e !== none &&
          t.state === 'errored' &&
          r.consumers.some(
            (x) =>
              't' in x.spec &&
              x.spec.t === i &&
              x.spec.q !== true &&
              x.spec.o === undefined &&
              heardError(r, x, e, x.spec.kind !== 'plain'),
          )
        );
      }),
  "a consumer heard a deferred promise rejected with an AbortError caused by a signal's reason": (r) =>
    heardSourceRejection(r, isAbortOfReason, false, ['detect', 'shield', 'cancelWhen', 'await', 'all', 'any']) ||
    r.tasks.some((_, i) => {
      const e = overSourceRejection(r, i, isAbortOfReason);
      return e !== none && r.consumers.some((x) => 't' in x.spec && x.spec.t === i && heardError(r, x, e, false));
    }),
  "a consumer heard a deferred promise rejected with a signal's reason that is no Error (a string, undefined)": (r) =>
    heardSourceRejection(r, (e) => !(e instanceof Error), false, [
      'detect',
      'shield',
      'cancelWhen',
      'await',
      'all',
      'any',
    ]),
};

/** The inputs of one kind of `ExoticInput` a consumer observes directly: its source, or among its participants. */
type Exotic = 'agen' | 'then' | 'iop' | 'rs';
const exoticOf = (x: RunConsumer, kind: Exotic): ExoticInput[] =>
  'ts' in x.spec
    ? x.spec.ts.flatMap((p) => (typeof p !== 'number' && kind in p ? [p as ExoticInput] : []))
    : x.spec.o !== undefined && kind in x.spec.o
      ? [x.spec.o as ExoticInput]
      : [];
/** Task i's body is an `ExoticInput` of that kind. */
const taskOverExotic = (r: Run, i: number, kind: Exotic) => {
  const b = r.program.tasks[i]!.body;
  return b.b === 'input' && kind in b.input;
};
/** A consumer of task i (not `Q<i>`, not another input) heard its end. */
const endHeardOfTask = (r: Run, i: number) =>
  r.consumers.some((x) => 't' in x.spec && x.spec.q !== true && x.spec.o === undefined && x.spec.t === i && ended(x));
const DETECTING_KINDS = ['detect', 'shield', 'await', 'all', 'any'];

/**
 * Async iterables, thenables that are not native promises and interop Observables (program.ts, `ExoticInput`, in
 * place of some other inputs of `Program.others`).
 */
export const EXOTIC_FEATURES: Record<string, (run: Run) => boolean> = {
  'a consumer heard an async iterable of values to its end (directly, or as a participant of whenAllCancellable)': (
    r,
  ) =>
    r.consumers.some(
      (x) =>
        exoticOf(x, 'agen').some((o) => 'agen' in o && o.agen > 0) &&
        x.spec.kind !== 'any' &&
        (heard(x, 'complete') || x.outcome?.startsWith('resolve') === true),
    ),
  'a task over an async iterable completed, heard by an observer': (r) =>
    r.tasks.some((t, i) => taskOverExotic(r, i, 'agen') && t.state === 'completed' && endHeardOfTask(r, i)),
  'an async iterable was stopped early (its return() ran, a microtask after the value it was closed in)': (r) =>
    has(r.log, /^AG\S+ return$/),
  'a task over an async iterable was cancelled while it was pulled (then stopped, or run out)': (r) =>
    r.tasks.some(
      (t, i) => taskOverExotic(r, i, 'agen') && t.state === 'cancelled' && has(r.log, new RegExp(`^AGT${i} `)),
    ),
  'a detecting consumer heard a thenable (detectCancel, shield, awaitTask, a combinator)': (r) =>
    r.consumers.some(
      (x) =>
        DETECTING_KINDS.includes(x.spec.kind) &&
        exoticOf(x, 'then').length > 0 &&
        (ended(x) || x.outcome !== undefined),
    ),
  'a consumer heard a thenable that settles inside its then while it subscribed': (r) =>
    r.consumers.some(
      (x) =>
        exoticOf(x, 'then').some((o) => 'sync' in o && o.sync) &&
        x.notifications.some((n) => n.kind !== 'next' && n.duringSubscribe),
    ),
  'a task over a thenable ended when it settled, heard by an observer': (r) =>
    r.tasks.some(
      (t, i) =>
        taskOverExotic(r, i, 'then') && (t.state === 'completed' || t.state === 'errored') && endHeardOfTask(r, i),
    ),
  'a thenable that rejects was never subscribed: not touched, nothing unhandled': (r) =>
    r.thenables.some((h) => !h.ok && h.calls === 0),
  'a consumer or an observer of a task heard an interop Observable end': (r) =>
    r.consumers.some((x) => exoticOf(x, 'iop').length > 0 && (ended(x) || x.outcome !== undefined)) ||
    r.tasks.some((t, i) => taskOverExotic(r, i, 'iop') && t.state === 'completed' && endHeardOfTask(r, i)),
};
Object.assign(FEATURES, EXOTIC_FEATURES);

/** Thenables that misbehave this way (`OddThen`) a consumer observes directly. */
const oddOf = (x: RunConsumer, odd: string) => exoticOf(x, 'then').filter((o) => 'odd' in o && o.odd === odd);
/** Task i's body is a thenable that misbehaves this way. */
const taskOverOdd = (r: Run, i: number, odd: string) => {
  const b = r.program.tasks[i]!.body;
  return b.b === 'input' && 'odd' in b.input && b.input.odd === odd;
};
/** `ReadableStream`s ending this way a consumer observes directly. */
const streamsOf = (x: RunConsumer, end: string) => exoticOf(x, 'rs').filter((o) => 'end' in o && o.end === end);
/** Task i's body is a `ReadableStream` ending this way. */
const taskOverStream = (r: Run, i: number, end: string) => {
  const b = r.program.tasks[i]!.body;
  return b.b === 'input' && 'rs' in b.input && b.input.end === end;
};
const errorHeard = (x: RunConsumer, msg: RegExp) =>
  x.notifications.some((n) => n.kind === 'error' && n.value instanceof Error && msg.test(n.value.message));

/**
 * Thenables that misbehave and `ReadableStream`s (program.ts, `OthersSpec.odd`, in place of some other inputs of
 * `Program.others`).
 */
export const ODD_FEATURES: Record<string, (run: Run) => boolean> = {
  'a thenable that never calls back was subscribed: its consumer or task still waits': (r) =>
    r.thenables.some((h) => h.odd === 'never' && h.calls > 0),
  'a thenable that calls back twice was heard once (its second call-back ignored)': (r) =>
    r.consumers.some((x) => oddOf(x, 'twice').length > 0 && (ended(x) || x.outcome !== undefined)) ||
    r.tasks.some((t, i) => taskOverOdd(r, i, 'twice') && t.state !== 'running' && endHeardOfTask(r, i)),
  "a thenable whose then throws before calling back: the throw heard as the source's error": (r) =>
    r.consumers.some((x) => errorHeard(x, /^Z/) || x.outcome?.includes('Z') === true) ||
    r.tasks.some((t, i) => taskOverOdd(r, i, 'throw') && t.state === 'errored'),
  'a thenable whose then throws after calling back inside it: its call-back heard, the throw ignored': (r) =>
    r.consumers.some(
      (x) =>
        oddOf(x, 'throw').some((o) => 'sync' in o && o.sync) &&
        x.notifications.some((n) => n.kind !== 'next' && n.duringSubscribe && !errorHeard(x, /^Z/)),
    ) || r.tasks.some((t, i) => taskOverOdd(r, i, 'throw') && t.state === 'completed'),
  'a ReadableStream closed with chunks heard to its end (a consumer, or an observer of a task over it)': (r) =>
    r.consumers.some((x) => streamsOf(x, 'close').some((o) => 'rs' in o && o.rs > 0) && heard(x, 'next') && ended(x)) ||
    r.tasks.some((t, i) => taskOverStream(r, i, 'close') && t.state === 'completed' && endHeardOfTask(r, i)),
  'a ReadableStream errored at creation heard as an error (its chunks dropped)': (r) =>
    r.consumers.some((x) => errorHeard(x, /^S/) || x.outcome?.includes(' S') === true) ||
    r.tasks.some((t, i) => taskOverStream(r, i, 'error') && t.state === 'errored'),
  "a ReadableStream was cancelled by RxJS's return() (its subscriber closed before its last chunk)": (r) =>
    r.streams.length > 0,
  'a ReadableStream left open never ended what observes it (a consumer, or a task over it)': (r) =>
    r.consumers.some((x) => streamsOf(x, 'open').length > 0 && !ended(x)) ||
    r.tasks.some((t, i) => taskOverStream(r, i, 'open') && t.state === 'running'),
};
Object.assign(FEATURES, ODD_FEATURES);

/** A source failed with `how` while its task's signal's abort was on its way; the task errored, or not. */
const failedInWindow = (r: Run, how: SourceError, errored: boolean) =>
  r.sourceFails.some((f) => f.how === how && f.reached && f.aborted && (f.stateAfter === 'errored') === errored);

/**
 * What a source's teardown that acts (`teardownAct`) exercised: what it cancels completes before the call returns,
 * a task a body may wait on excepted. Counted on the teardown mix (every probe's teardown acts); the CI mix, where
 * one in six does, reaches them too, more rarely.
 */
export const TEARDOWN_FEATURES: Record<string, (run: Run) => boolean> = {
  'a teardown cancelled a task': (r) =>
    r.teardownActs.some((d) => d.act.a === 'cancel' && during(r, d).includes(`cancel T${d.act.t} -> true`)),
  'a teardown aborted a controller, which cancelled a task': (r) =>
    r.teardownActs.some((d) => d.liveAbort && r.final.some((l) => / cancelled /.test(l) && l.includes(causedBy(d)!))),
  "a teardown's action tore down another source before the teardown returned": (r) =>
    r.teardownActs.some((d) => has(during(r, d), /^P\d+ teardown$/)),
  'a task a teardown cancelled was heard of before the teardown returned': (r) =>
    r.teardownActs.some((d) => {
      const reason = causedBy(d);
      return reason !== null && during(r, d).some((l) => /^X\d+ error /.test(l) && l.includes(reason));
    }),
  'a task a teardown cancelled was heard of through detectCancel/shield only after the teardown returned': (r) =>
    r.teardownActs.some((d) => {
      const reason = causedBy(d);
      return (
        reason !== null && r.log.slice(d.to).some((l) => /^(X\d+|T\d+\.body) error CC\(/.test(l) && l.includes(reason))
      );
    }),
  "a teardown's action reached cancelWhen or a combinator": (r) =>
    r.teardownActs.some((d) =>
      r.consumers.some(
        (x) =>
          (x.spec.kind === 'cancelWhen' || x.spec.kind === 'all' || x.spec.kind === 'any') &&
          x.notifications.some((n) => n.seq >= d.from && n.seq < d.to),
      ),
    ),
  'a teardown unsubscribed or subscribed a consumer': (r) => teardownDid(r, /^(unsub|sub)$/),
  'a teardown drove a source or started a task': (r) => teardownDid(r, /^(next|complete|error|start)$/),
  'a teardown unlinked a linkSignals output': (r) => teardownDid(r, /^unlink$/),
  'a teardown made a linkSignals output': (r) => teardownDid(r, /^link$/),
  'a teardown made a task': (r) => teardownDid(r, /^task$/),
  'a teardown acted, then threw (reported as unhandled)': (r) =>
    r.teardownActs.some((d) => r.program.tasks[d.t]!.teardownThrows),
  // sources that fail with their task's signal's reason, or with an AbortError (program.ts, `SourceError`), while
  // the abort of that signal is on its way to the task (docs/semantics.md: only the last ends the task)
  "a source failed with its task's signal's reason while the abort was on its way (not an end)": (r) =>
    failedInWindow(r, 'reason', false),
  'a source failed with an AbortError caused by that reason while the abort was on its way (not an end)': (r) =>
    failedInWindow(r, 'abortReason', false),
  'a source failed with an AbortError caused by something else while the abort was on its way (errored)': (r) =>
    failedInWindow(r, 'abortOther', true),
  "a source failed with its task's signal's reason before the signal aborted (undefined: errored)": (r) =>
    r.sourceFails.some((f) => f.how === 'reason' && f.reached && !f.aborted && f.stateAfter === 'errored'),
  // other inputs (`Program.others`) in the teardown mix
  'a teardown cancelled a task over another input (directly, through a signal or a release)': (r) =>
    r.teardownActs.some((d) => {
      const reason = causedBy(d);
      return (
        reason !== null &&
        r.tasks.some(
          (t, i) =>
            r.program.tasks[i]!.body.b === 'input' &&
            t.state === 'cancelled' &&
            r.final.some((l) => l.startsWith(`T${i} cancelled `) && l.includes(reason)),
        )
      );
    }),
  // a consumer of another input heard something while the teardown acted, or, later, the cancellation it started
  "a teardown's action reached a consumer of another input": (r) =>
    r.teardownActs.some((d) => {
      const reason = causedBy(d);
      return r.consumers.some(
        (x) =>
          ('ts' in x.spec ? x.spec.ts.some((p) => typeof p !== 'number' && !('q' in p)) : x.spec.o !== undefined) &&
          (x.notifications.some(
            (n) => (n.seq >= d.from && n.seq < d.to) || (reason !== null && r.log[n.seq]!.includes(reason)),
          ) ||
            (reason !== null && x.outcome?.includes(reason) === true)),
      );
    }),
  'a teardown acted in a microtask (set off by what another input delivered once the actions were done)': (r) =>
    r.teardownActs.some((d) => d.from >= r.syncEnd),
};

export function features(run: Run, kinds: Record<string, (run: Run) => boolean> = FEATURES): string[] {
  return Object.entries(kinds)
    .filter(([, present]) => present(run))
    .map(([name]) => name);
}
