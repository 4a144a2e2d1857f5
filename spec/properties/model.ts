/**
 * The reference model: a small, direct, recursive reading of CONTRACT.md that
 * predicts, for a normalized program, every line the runner logs (consumer
 * notifications, source subscriptions and teardowns, factory calls, abort
 * listeners, cancel() results), every awaitTask outcome, every task's final
 * state and reason, every linkSignals output's, and every error that must reach
 * `config.onUnhandledError`.
 *
 * It is deliberately naive: a cancellation runs its five steps by plain
 * recursion (a cancellation caused while another one runs completes before
 * the call that caused it returns), dependants of a signal react in the order
 * they were linked (its linkSignals outputs abort first, and what is linked to
 * each reacts in its turn, as docs/semantics.md says), observers of a task are notified in the
 * order they attached; a plain Observable (`Q<i>`, no task) is subscribed as
 * docs/semantics.md says each export subscribes a source that is not a task
 * (`QMode`). Where the contract is silent, the choices are listed in
 * RELIABILITY.md ("What the model fixes where the contract is silent").
 */
import { fmtConsumer, fmtLink, fmtModel, fmtTask, fmtTeardownEnd, fmtVal, type MErr, type MReason } from './format';
import {
  DEFERRED,
  resolveConsumer,
  resolveRejectSig,
  nextLateTask,
  resolveSig,
  resolveTask,
  type Action,
  type ConsumerSpec,
  type LinkSpec,
  type Mode,
  type OddThen,
  type OtherInput,
  type Program,
  type SigRef,
  type SourceError,
  type TaskSpec,
} from './program';
import type { StreamTiming } from './streamTiming';

type State = 'pending' | 'running' | 'completed' | 'errored' | 'cancelled';

const OWNING = 1;
const DETECTING = 2;
const PINNING = 4;
const MODE: Record<Mode, number> = { plain: OWNING, detect: OWNING | DETECTING, shield: DETECTING | PINNING };

interface MObserver {
  next(value: unknown): void;
  error(error: MErr): void;
  complete(): void;
}

interface Unsubscribable {
  unsubscribe(): void;
}

/** Attaches an observer to a source; `register` gets what detaches it before the source starts. */
type Attach = (obs: MObserver, register: (e: Unsubscribable) => void) => Unsubscribable | undefined;

interface Dependant {
  abortedBy(reason: MReason): void;
}

/** The dependants of one signal, in link order (a Set: re-adding keeps the place). */
class Hub {
  deps: Dependant[] = [];
  add(d: Dependant): void {
    if (!this.deps.includes(d)) this.deps.push(d);
  }
  remove(d: Dependant): void {
    const i = this.deps.indexOf(d);
    if (i >= 0) this.deps.splice(i, 1);
  }
  takeAll(): Dependant[] {
    const all = this.deps;
    this.deps = [];
    return all;
  }
}

interface MCtrl {
  aborted: boolean;
  reason: MReason;
  hub: Hub;
}

type MSig = { c: MCtrl } | { t: MTask } | { l: MLink };

class MEntry {
  constructor(
    public task: MTask | null,
    readonly obs: MObserver,
    readonly mode: number,
    private readonly m: Model,
  ) {}
  unsubscribe(): void {
    const t = this.task;
    if (t !== null) {
      this.task = null;
      this.m.detach(t, this);
    }
  }
}

/** The task's subscription to its probe. */
class ProbeSub {
  closed = false;
  stopped = false;
  /** The probe's subscribe function has returned its teardown. */
  registered = false;
  constructor(readonly task: MTask) {}
}

/** The task's subscription to another input (`{ b: 'input' }`): no teardown to log. */
class InputSub {
  closed = false;
  stopped = false;
  handle: Unsubscribable | undefined = undefined;
}

/**
 * A native promise the program made (a settled one, or a deferred `D<d>`): its `then` callbacks run in microtasks
 * (`Model.microtasks`), in the order they were queued: at `then` once it has settled, else when it settles.
 * `handled`: someone called `then` (RxJS's `from` subscribing it) or the package dropped it (`catch`); one rejected
 * and never handled is Node's `unhandledRejection`.
 */
class MPromise {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value: unknown = undefined;
  callbacks: (() => void)[] = [];
  handled = false;
}

/**
 * Another input (program.ts, `OtherInput`) once made: the values of an array, or of a generator (`gen`: the name its
 * `finally` logs, `G<k>`), or a promise.
 */
type MInput =
  | { kind: 'values'; values: string[]; gen: string | null }
  | { kind: 'promise'; p: MPromise }
  /** An async generator (`AG<k>` its `finally`'s name), an interop Observable (`O<k>`). */
  | { kind: 'async'; values: string[]; name: string }
  | { kind: 'interop'; values: string[]; name: string }
  /**
   * A thenable that is not a native promise (`H<k>`), settled (`ok`: with `h<k>`, else `I<k>`) inside `then` (`sync`) or
   * a microtask later; `odd`: how it misbehaves (program.ts, `OddThen`), `again`: its second call-back's.
   */
  | {
      kind: 'thenable';
      name: string;
      k: string;
      ok: boolean;
      sync: boolean;
      odd?: OddThen;
      again: boolean;
      /** With `odd: 'twice'`: the second call-back comes in a microtask the first queues. */
      apart: boolean;
    }
  /** A `ReadableStream` (`RS<k>`) of `values` enqueued up front, then closed, errored (`S<k>`) or left open. */
  | { kind: 'stream'; values: string[]; end: 'close' | 'error' | 'open'; name: string; k: string };

/** The task's subscription to the child its body observes. */
class BodySub {
  closed = false;
  stopped = false;
  registered = false;
  entry: MEntry | undefined = undefined;
}

/** An abort listener the program placed on a signal: the line it logs, and its action. */
interface Listener {
  line: string;
  act: Action;
}

class MTask implements Dependant {
  state: State = 'pending';
  reason: MReason = undefined;
  error: MErr | undefined = undefined;
  cancelErr: MErr | null = null;
  childErr: MErr | null = null;
  hasValue = false;
  latest: unknown = undefined;
  observers: MEntry[] = [];
  owners = 0;
  pinned = false;
  parentSig: MSig | null = null;
  parentHub: Hub | null = null;
  hub: Hub | null = null;
  sub: ProbeSub | BodySub | InputSub | null = null;
  /** A pending task's other input given directly (`{ b: 'input' }`): dropped if it is cancelled before it starts. */
  input: MInput | null = null;
  /** The abort listeners on its signal, in the order they were added: its factory's, and `onAbort`s of tasks linked to it. */
  listeners: Listener[] = [];
  constructor(
    readonly i: number,
    readonly spec: TaskSpec,
    private readonly m: Model,
  ) {}
  abortedBy(reason: MReason): void {
    this.m.cancel(this, reason);
  }
}

/**
 * A `linkSignals` output (docs/semantics.md, "a linkSignals output aborts like a task's signal"): a dependant of
 * each input that aborts before the input's other dependants react (its own abort listener runs then); in its turn
 * among them it leaves every input and what is linked to it reacts as at a task's step 4, in the same wave.
 */
class MLink implements Dependant {
  aborted = false;
  reason: MReason = undefined;
  /** `unlink()` was called before it aborted: it never will, and has let go of what was linked to it. */
  unlinked = false;
  /** Its turn among an input's dependants came: it left its inputs, and what is linked to it reacted. */
  reacted = false;
  /** What is linked to the output. */
  hub: Hub | null = null;
  /** The hubs of its inputs it is a dependant of. */
  inputHubs: Hub[] = [];
  inputs: MSig[] = [];
  /** The abort listeners on the output, in the order they were added: the program's, then `onAbort`s of tasks. */
  listeners: Listener[] = [];
  constructor(
    readonly k: number,
    private readonly m: Model,
  ) {}
  abortedBy(reason: MReason): void {
    this.m.cancelLink(this, reason);
  }
}

/** Task i's Subject: the probe of task i and the plain Observable `Q<i>` follow it. */
class MProbe {
  state: 'open' | 'completed' | 'errored' = 'open';
  error: MErr | null = null;
  /** Its subscribers, in the order they subscribed (a Subject's order): the task's probe, `Q<i>`'s subscriptions. */
  subs: (ProbeSub | QSub)[] = [];
  remove(s: ProbeSub | QSub): void {
    const k = this.subs.indexOf(s);
    if (k >= 0) this.subs.splice(k, 1);
  }
}

/**
 * How a subscription to `Q<i>` (a plain Observable, no task) reacts to its end and to its unsubscription, per
 * export: `detectCancel`, `cancelWhen`, `awaitTask` subscribe it as RxJS operators do (the observer hears the end,
 * then the source is torn down; leaving tears it down); `shield` and `awaitTask(…, { shield: true })` run it as the
 * task the contract wraps it in (torn down when it ends, then the observer hears it; leaving detaches the observer
 * and the run goes on, unobserved, to its end); a combinator's participant is torn down before the combinator hears
 * its end, and released (torn down) by it (docs/semantics.md, "Who sees what" and "Combinators").
 */
type QMode = 'operator' | 'shield' | 'participant';

/** One subscription to the plain Observable `Q<i>`. */
class QSub {
  closed = false;
  stopped = false;
  /** Its subscribe function has returned its teardown. */
  registered = false;
  constructor(
    readonly i: number,
    readonly obs: MObserver,
    private readonly m: Model,
  ) {}
  next(v: unknown): void {
    if (!this.closed && !this.stopped) this.obs.next(v);
  }
  complete(): void {
    if (this.closed || this.stopped) return;
    this.stopped = true;
    this.obs.complete();
  }
  error(e: MErr): void {
    if (this.closed || this.stopped) return;
    this.stopped = true;
    this.obs.error(e);
  }
  /** Tears the subscription down (its teardown logs once it has been returned). */
  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    this.m.probes[this.i]!.remove(this);
    if (this.registered) this.m.log.push(`Q${this.i} teardown`);
  }
}

class MConsumer {
  /** It has heard its end, or unsubscribed: it hears nothing more. */
  closed = false;
  /** Its subscription was unsubscribed (also from inside its end notification: see `unsubscribe`). */
  unsubscribed = false;
  ready = false;
  pendingUnsub = false;
  reacted = false;
  teardown: (() => void) | null = null;
  constructor(
    readonly idx: number,
    readonly spec: ConsumerSpec,
  ) {}
}

export interface Prediction {
  log: string[];
  awaits: Record<number, string>;
  final: string[];
  unhandled: string[];
  /** The promises rejected that no one subscribed and the package did not drop, sorted. */
  rejections: string[];
  /** The `ReadableStream`s cancelled (`RS<k> cancel`), sorted. */
  streams: string[];
}

/** `timing`: when `from()` of a `ReadableStream` delivers in this process (streamTiming.ts). */
export function predict(program: Program, timing: StreamTiming): Prediction {
  return new Model(program, timing).run();
}

const isCancelled = (e: MErr): boolean => e.k === 'CE' || e.k === 'CC';
const toChildCancelled = (e: MErr): MErr => (e.k === 'CE' ? { k: 'CC', cause: e } : e);

class Model {
  readonly log: string[] = [];
  readonly tasks: MTask[] = [];
  readonly links: MLink[] = [];
  readonly ctrls: MCtrl[];
  readonly probes: MProbe[];
  readonly consumers: MConsumer[] = [];
  readonly unhandled: string[] = [];
  readonly awaits: Record<number, string> = {};
  /** The microtasks queued by promises (`thenP`, `settle`), run once the actions are done. */
  readonly microtasks: (() => void)[] = [];
  /** `RS<k> cancel` for each `ReadableStream` whose `return()` cancelled it. */
  readonly streamsCancelled: string[] = [];
  /** Every promise the program made: the deferred ones `D<d>`, then the settled ones in the order they were made. */
  readonly promises: MPromise[] = Array.from({ length: DEFERRED + 1 }, () => new MPromise());
  /**
   * The wave being cancelled: tasks cancelled inside a teardown (step 3) or as a task linked to a cancelled task's
   * signal or to an output it aborted (step 4) join it, and every task of a wave waited on through detectCancel or
   * shield hears of its end (step 5) once the whole wave is torn down, in the order the tasks finished step 4.
   * Abort listeners (a task's, an output's), dependants that are neither tasks nor outputs, and observers start
   * waves of their own, except under a teardown (`teardownWave`).
   */
  private wave: MTask[] | null = null;
  /**
   * The wave of the cancellation whose teardown (step 3) is running, while it runs, whatever it calls: under it,
   * what user code (abort listeners, observers, consumers, the releases of cancelWhen and combinators) cancels
   * joins that wave too, so that a body still being torn down never hears, as a child's, what its teardown set off.
   */
  private teardownWave: MTask[] | null = null;

  constructor(
    private readonly p: Program,
    private readonly timing: StreamTiming,
  ) {
    this.ctrls = p.preAborted.map((pre, k) => ({ aborted: pre, reason: pre ? `pre${k}` : undefined, hub: new Hub() }));
    this.probes = p.tasks.map(() => new MProbe());
    const links = p.links ?? [];
    const makeLinks = (at: number) => {
      while (this.links.length < links.length && links[this.links.length]!.at === at) {
        this.makeLink(links[this.links.length]!);
      }
    };
    makeLinks(0);
    for (let i = 0; i < (p.early ?? p.tasks.length); i++) {
      this.makeTask(p.tasks[i]!.link);
      makeLinks(i + 1);
    }
  }

  /**
   * `task(…, { signal })`: the next task, linked to `link` (resolved): cancelled at once if that signal has aborted
   * (nobody observes it yet, nothing is linked to it: only its state and reason change), else its last dependant.
   */
  makeTask(link: SigRef | undefined): void {
    const i = this.tasks.length;
    const t = new MTask(i, this.p.tasks[i]!, this);
    this.tasks.push(t);
    const body = t.spec.body;
    if (body.b === 'input' && !body.factory) t.input = this.makeInput(body.input, `T${i}`); // task(input, options)
    if (link !== undefined) {
      const s = this.sig(link);
      t.parentSig = s;
      if (this.aborted(s)) this.cancel(t, this.sigReason(s));
      else t.parentHub = this.link(s, t);
    }
  }

  /** `linkSignals(...inputs)`: aborted at once with the first aborted input's reason, else linked to each input. */
  makeLink(spec: Pick<LinkSpec, 'inputs' | 'listener'>): void {
    const l = new MLink(this.links.length, this);
    this.links.push(l);
    l.inputs = spec.inputs.map((ref) => this.sig(ref));
    const aborted = l.inputs.find((s) => this.aborted(s));
    if (aborted !== undefined) {
      l.aborted = true; // a listener added to an aborted signal never runs
      l.reason = this.sigReason(aborted);
      return;
    }
    if (spec.listener !== undefined) l.listeners.push({ line: `L${l.k} listener`, act: spec.listener });
    for (const s of l.inputs) {
      const hub = this.link(s, l);
      if (hub !== null) l.inputHubs.push(hub);
    }
  }

  run(): Prediction {
    for (const a of this.p.actions) this.perform(a);
    // then the microtasks: the promise participants' callbacks, in the order they were subscribed (RxJS's `from`
    // calls `then` when subscribed; each promise has settled already), each run to its end, with what it queues
    while (this.microtasks.length > 0) this.microtasks.shift()!();
    const final = this.tasks.map(
      (t) => `T${t.i} ${t.state}${t.state === 'cancelled' ? ` ${fmtModel(t.cancelErr ?? undefined)}` : ''}`,
    );
    for (const l of this.links) final.push(`L${l.k} ${l.aborted ? `aborted ${fmtModel(l.reason)}` : 'live'}`);
    const rejections = this.promises
      .filter((p) => p.state === 'rejected' && !p.handled)
      .map((p) => fmtModel(p.value as MErr))
      .sort();
    const streams = this.streamsCancelled.slice().sort();
    return { log: this.log, awaits: this.awaits, final, unhandled: this.unhandled.slice().sort(), rejections, streams };
  }

  // ------------------------------------------------------------ signals

  sig(ref: SigRef): MSig {
    return 'c' in ref ? { c: this.ctrls[ref.c]! } : 't' in ref ? { t: this.tasks[ref.t]! } : { l: this.links[ref.l]! };
  }
  aborted(s: MSig): boolean {
    return 'c' in s ? s.c.aborted : 't' in s ? s.t.state === 'cancelled' : s.l.aborted;
  }
  sigReason(s: MSig): MReason {
    return 'c' in s ? s.c.reason : 't' in s ? (s.t.cancelErr ?? undefined) : s.l.reason;
  }
  /** Links `d` to a signal that has not aborted; null when it never can (its task ended, its output was unlinked). */
  link(s: MSig, d: Dependant): Hub | null {
    if ('c' in s) {
      s.c.hub.add(d);
      return s.c.hub;
    }
    if ('l' in s) {
      if (s.l.unlinked) return null;
      (s.l.hub ??= new Hub()).add(d);
      return s.l.hub;
    }
    const t = s.t;
    if (t.state === 'completed' || t.state === 'errored') return null;
    (t.hub ??= new Hub()).add(d);
    return t.hub;
  }
  abortController(k: number, reason: string): void {
    const c = this.ctrls[k]!;
    if (c.aborted) return;
    c.aborted = true;
    c.reason = reason;
    // Outside a wave, the tasks this abort cancels make one, also those linked to it through linkSignals outputs:
    // each is torn down now, all are heard of at the end. The outputs abort first; then every dependant reacts in
    // link order, what is linked to an output in the output's turn.
    // Inside a teardown (a wave is being torn down), the tasks and outputs join that wave, and so do the releases
    // of the other dependants (cancelWhen, combinators, awaitTask), in their link turn, before they report; outside
    // one, those release what they observe in a wave of their own.
    const outer = this.wave;
    const wave: MTask[] | null = outer === null ? [] : null;
    for (const d of c.hub.deps.slice()) if (d instanceof MLink) this.abortLink(d, reason, (wave ?? outer)!);
    for (const d of c.hub.takeAll()) {
      this.wave = d instanceof MTask || d instanceof MLink ? (wave ?? outer) : this.teardownWave;
      d.abortedBy(reason);
    }
    this.wave = outer;
    if (wave !== null) for (const x of wave) this.notifyEnd(x);
  }

  // ------------------------------------------------------------ linkSignals outputs

  /**
   * An input of `l` aborted with `reason` (its dispatch, or the step 4 of its task or output, reached `l`): like a
   * task's cancellation, by plain recursion. The output aborts, with the reason of an input that had aborted
   * already with another one (the first in argument order) if any, and leaves every input; its abort listener
   * runs (user code: what it causes is a wave of its own); then what is linked to it reacts (its step 4), in the
   * current wave or in one of its own. Nothing if it had aborted already or was unlinked.
   */
  cancelLink(l: MLink, reason: MReason): void {
    if (l.unlinked || l.reacted) return;
    l.reacted = true;
    const outer = this.wave;
    const wave = (this.wave = outer ?? []);
    this.abortLink(l, reason, wave); // it has aborted already, ahead of the input's other dependants
    this.leaveInputs(l);
    this.wave = wave;
    const hub = l.hub;
    l.hub = null;
    this.step4(hub, l.reason, wave);
    this.wave = outer;
    if (outer === null) for (const x of wave) this.notifyEnd(x);
  }

  /**
   * The output aborts, ahead of its input's other dependants: with the reason of an input that had aborted already
   * with another one (the first in argument order) if any; its abort listener runs, user code whose cancellations
   * join `wave`, as a task's step 2 does. Nothing if it had aborted already or was unlinked.
   */
  abortLink(l: MLink, reason: MReason, wave: MTask[]): void {
    if (l.aborted || l.unlinked) return;
    const earlier = l.inputs.find((s) => this.aborted(s) && this.sigReason(s) !== reason);
    l.aborted = true;
    l.reason = earlier === undefined ? reason : this.sigReason(earlier);
    const listeners = l.listeners;
    l.listeners = [];
    const outerWave = this.wave;
    const outerTeardown = this.teardownWave;
    this.teardownWave = wave;
    for (const { line, act } of listeners) {
      this.log.push(line);
      this.wave = wave;
      this.perform(act);
    }
    this.teardownWave = outerTeardown;
    this.wave = outerWave;
  }

  leaveInputs(l: MLink): void {
    for (const hub of l.inputHubs) hub.remove(l);
    l.inputHubs = [];
  }

  unlink(l: MLink): void {
    if (l.aborted) return; // what is linked to it reacts in its turn (or has)
    this.leaveInputs(l);
    l.unlinked = true;
    l.listeners = []; // it never aborts
    l.hub = null;
  }

  /**
   * Step 4 of a task, or of an output, whose signal's dependants are `hub`: the outputs linked to it abort first,
   * in link order (their listeners run); then every dependant reacts in link order, an output by letting what is
   * linked to it react (recursively the same). A task or an output among them joins the wave; the other dependants' reactions, like the listeners, are user code: waves
   * of their own. The same order as a plain signal's dispatch (`abortController`).
   */
  step4(hub: Hub | null, reason: MReason, wave: MTask[]): void {
    if (hub === null) return;
    for (const d of hub.deps.slice()) if (d instanceof MLink) this.abortLink(d, reason, wave);
    for (const d of hub.takeAll()) {
      // an output: nothing if its turn came already (through another input) or it was unlinked before it aborted
      this.wave = d instanceof MTask || d instanceof MLink ? wave : this.teardownWave;
      d.abortedBy(reason);
    }
  }

  // ------------------------------------------------------------ tasks

  /** CONTRACT "Order inside a cancellation", by plain recursion. */
  cancel(t: MTask, reason: MReason): boolean {
    if (t.state !== 'pending' && t.state !== 'running') return false;
    // a pending task's promise, never to be subscribed now, is dropped (docs/semantics.md)
    if (t.input !== null) this.dropInput(t.input);
    t.input = null;
    t.state = 'cancelled'; // 1
    t.reason = reason;
    t.cancelErr = { k: 'CE', task: t.i, reason };
    this.leaveParentHub(t);
    const outer = this.wave;
    const wave = (this.wave = outer ?? []);
    const outerTeardown = this.teardownWave;
    this.teardownWave = wave;
    for (const { line, act } of t.listeners.splice(0)) {
      // 2: the abort listeners on task.signal, in the order they were added (its factory's, the onAbort of a task
      // linked to it): user code run inside this cancellation, whose wave what it cancels joins, as under the
      // teardown (the body is still subscribed until step 3)
      this.log.push(line);
      this.perform(act);
      this.wave = wave;
    }
    this.teardownSource(t); // 3
    this.teardownWave = outerTeardown;
    const hub = t.hub; // 4
    t.hub = null;
    this.step4(hub, t.cancelErr, wave);
    this.wave = outer;
    // 5: within a wave, only a task observed through detectCancel/shield (a body may wait on it) waits for its end
    if (outer !== null && !t.observers.some((e) => (e.mode & DETECTING) !== 0)) this.notifyEnd(t);
    else wave.push(t);
    if (outer === null) for (const x of wave) this.notifyEnd(x);
    return true;
  }

  finish(t: MTask, state: 'completed' | 'errored', error?: MErr): void {
    if (t.state !== 'running') return;
    const ps = t.parentSig;
    // The body ends while the abort of its signal is on its way (docs/semantics.md, "a body that ends while the
    // abort of its options.signal is on its way to the task ends as the task's own cancellation"): a completion, a
    // CancelledError (a ChildCancelled too), the signal's reason itself, or an AbortError whose cause is that reason
    // does not end the task; the abort cancels it in its turn. Any other error ends it errored.
    if (
      ps !== null &&
      this.aborted(ps) &&
      t.parentHub !== null &&
      this.endedByAbort(state, error, this.sigReason(ps))
    ) {
      return;
    }
    t.state = state;
    t.error = error;
    this.leaveParentHub(t);
    t.hub = null;
    this.teardownSource(t);
    this.notifyEnd(t);
  }

  /** Whether a body's end is the abort of its signal (of reason `reason`) reaching it first (`finish`). */
  endedByAbort(state: 'completed' | 'errored', error: MErr | undefined, reason: MReason): boolean {
    if (state === 'completed') return true;
    if (error === undefined) return false;
    if (isCancelled(error)) return true;
    // a signal that aborted without a reason (not a native one) matches nothing else; reasons compare by identity
    if (reason === undefined) return false;
    if (error === reason) return true; // the reason is a task's CancelledError (counted above already)
    if (error.k === 'V') return error.v === reason;
    return error.k === 'AE' && error.cause === reason;
  }

  leaveParentHub(t: MTask): void {
    t.parentHub?.remove(t);
    t.parentHub = null;
  }

  teardownSource(t: MTask): void {
    const s = t.sub;
    if (s === null) return;
    t.sub = null;
    s.closed = true;
    s.stopped = true;
    if (s instanceof InputSub) {
      s.handle?.unsubscribe();
    } else if (s instanceof ProbeSub) {
      const probe = this.probes[t.i]!;
      probe.remove(s);
      if (s.registered) this.probeTeardown(t.i);
    } else if (s.registered) {
      s.entry?.unsubscribe();
    }
  }

  /**
   * The probe's teardown: user code the package runs. What its action cancels (a task, through a controller, an
   * output, a release) is cancelled completely before the action returns, by plain recursion, and joins the wave
   * being torn down if there is one (step 3 of a cancellation): a task a body may wait on is heard of at its end.
   * The action runs before a `teardownThrows` teardown throws; the package reports that error.
   */
  probeTeardown(i: number): void {
    this.log.push(`P${i} teardown`);
    const spec = this.tasks[i]!.spec;
    if (spec.teardownAct !== undefined) {
      this.perform(spec.teardownAct);
      this.log.push(fmtTeardownEnd(i, spec.teardownThrows));
    }
    if (spec.teardownThrows) this.unhandled.push(`D${i}`);
  }

  /**
   * Step 5. Observers are user code: a cancellation they cause is a wave of its own, even inside a wave, unless a
   * teardown is running (`teardownWave`).
   */
  notifyEnd(t: MTask): void {
    const observers = t.observers;
    t.observers = [];
    const outer = this.wave;
    this.wave = this.teardownWave;
    for (const e of observers) {
      e.task = null;
      this.deliverEnd(t, e.obs, e.mode);
    }
    this.wave = outer;
  }

  deliverEnd(t: MTask, obs: MObserver, mode: number): void {
    if (t.state === 'completed') obs.complete();
    else if ((mode & DETECTING) === 0) obs.error(t.state === 'cancelled' ? t.cancelErr! : t.error!);
    else {
      t.childErr ??= t.state === 'cancelled' ? { k: 'CC', cause: t.cancelErr! } : toChildCancelled(t.error!);
      obs.error(t.childErr);
    }
  }

  /**
   * `register`: an RxJS subscriber attaches this way (a plain subscribe, detectCancel, shield): the entry
   * is its finalizer before the task starts or replays, so an unsubscription during that detaches it.
   */
  observe(t: MTask, obs: MObserver, mode: number, register?: (e: MEntry) => void): MEntry | undefined {
    if (t.state !== 'pending' && t.state !== 'running') {
      if (t.hasValue) obs.next(t.latest);
      this.deliverEnd(t, obs, mode);
      return undefined;
    }
    const e = new MEntry(t, obs, mode, this);
    t.observers.push(e);
    if ((mode & OWNING) !== 0) t.owners++;
    if ((mode & PINNING) !== 0) t.pinned = true;
    register?.(e);
    if (t.state === 'pending') this.runTask(t);
    else if (t.hasValue) obs.next(t.latest);
    return e;
  }

  detach(t: MTask, e: MEntry): void {
    const i = t.observers.indexOf(e); // a cancelled task keeps its observers until the end of its wave
    if (i < 0) return;
    t.observers.splice(i, 1);
    if (t.state !== 'running') return;
    if ((e.mode & OWNING) !== 0 && --t.owners === 0 && t.spec.refCount && !t.pinned) {
      const ps = t.parentSig;
      this.cancel(t, ps !== null && this.aborted(ps) ? this.sigReason(ps) : undefined);
    }
  }

  /** A value from the source: only a running task passes it on. */
  emit(t: MTask, value: unknown): void {
    if (t.state !== 'running') return;
    t.latest = value;
    t.hasValue = true;
    for (const e of t.observers.slice()) {
      if (t.state !== 'running') break; // an observer ended it: the later ones never hear this value
      if (e.task !== null) e.obs.next(value);
    }
  }

  runTask(t: MTask): void {
    // started by someone who heard the abort of its signal before the task did: cancelled as if created on it
    const ps = t.parentSig;
    if (ps !== null && this.aborted(ps)) {
      this.cancel(t, this.sigReason(ps));
      return;
    }
    t.state = 'running';
    const body = t.spec.body;
    if (body.b === 'source') {
      this.subscribeProbe(t);
    } else if (body.b === 'input') {
      let input = t.input;
      t.input = null;
      if (body.factory) {
        this.log.push(`T${t.i} factory`);
        input = this.makeInput(body.input, `T${t.i}`);
        if (body.selfCancel) this.doCancel(t.i, `self${t.i}`);
        if (t.state !== 'running') {
          this.dropInput(input); // cancelled while the factory ran: never subscribed, a promise dropped
          return;
        }
      }
      this.subscribeInput(t, input!);
    } else if (body.b === 'factory') {
      this.log.push(`T${t.i} factory`);
      if (body.listener !== undefined) t.listeners.push({ line: `T${t.i} listener`, act: body.listener });
      if (body.selfCancel) this.doCancel(t.i, `self${t.i}`);
      if (body.throws) {
        // the task errors with it; if the task was cancelled while the factory ran, it is reported instead
        if (t.state === 'running') this.finish(t, 'errored', { k: 'E', msg: `F${t.i}` });
        else this.unhandled.push(`F${t.i}`);
        return;
      }
      if (t.state !== 'running') return; // cancelled while the factory ran: never subscribed
      this.subscribeProbe(t);
    } else {
      const bs = new BodySub();
      t.sub = bs;
      const name = `T${t.i}.body`;
      const obs: MObserver = {
        next: (v) => {
          if (bs.closed || bs.stopped) return;
          this.log.push(`${name} next ${fmtVal(v)}`);
          this.emit(t, v);
        },
        error: (e) => {
          if (bs.closed || bs.stopped) return;
          bs.stopped = true;
          this.log.push(`${name} error ${fmtModel(e)}`);
          this.finish(t, 'errored', e);
        },
        complete: () => {
          if (bs.closed || bs.stopped) return;
          bs.stopped = true;
          this.log.push(`${name} complete`);
          this.finish(t, 'completed');
        },
      };
      const entry = this.observe(this.tasks[body.j]!, obs, MODE[body.mode], (e) => {
        bs.registered = true;
        bs.entry = e;
      });
      if (!bs.registered) {
        bs.registered = true; // the child had ended: nothing to detach
        bs.entry = entry;
      }
    }
  }

  subscribeProbe(t: MTask): void {
    const probe = this.probes[t.i]!;
    const ps = new ProbeSub(t);
    t.sub = ps;
    this.log.push(`P${t.i} sub`);
    const onAbort = t.spec.onAbort;
    const parent = t.parentSig;
    if (onAbort !== undefined && parent !== null && !('c' in parent)) {
      // on options.signal, a task's or an output's (program.ts), added now (it runs in that order among the others)
      const listener = { line: `T${t.i} onAbort`, act: onAbort };
      if ('t' in parent) parent.t.listeners.push(listener);
      else parent.l.listeners.push(listener);
    }
    if (t.spec.syncValue) this.probeNext(ps, `s${t.i}`);
    if (probe.state === 'completed') this.probeComplete(ps);
    else if (probe.state === 'errored') this.probeError(ps, probe.error!);
    else if (!ps.closed) probe.subs.push(ps);
    ps.registered = true;
    if (ps.closed) this.probeTeardown(t.i); // the teardown runs once it is returned
  }

  /**
   * Subscribes `Q<i>` for `to` (see `QMode`), `detecting` as detectCancel does (every export but cancelWhen);
   * `register` gets the subscription before the source is subscribed (the package's subscriber exists by then). A
   * source that ended while it subscribed is torn down once its subscribe function returns its teardown.
   */
  attachQ(
    i: number,
    to: MObserver,
    mode: QMode,
    detecting: boolean,
    register?: (e: Unsubscribable) => void,
  ): undefined {
    // Q<i> errors with what the Subject does (`E<id>`, an AbortError, a signal's reason, which may be a task's
    // CancelledError); attached detecting, a CancelledError reaches `to` as a ChildCancelled
    const obs: MObserver = detecting
      ? { next: (v) => to.next(v), complete: () => to.complete(), error: (e) => to.error(toChildCancelled(e)) }
      : to;
    let observer: MObserver | null = obs;
    const qs = new QSub(
      i,
      mode === 'operator'
        ? {
            next: (v) => obs.next(v),
            complete: () => {
              obs.complete();
              qs.unsubscribe();
            },
            error: (e) => {
              obs.error(e);
              qs.unsubscribe();
            },
          }
        : {
            next: (v) => observer?.next(v),
            complete: () => {
              const o = observer;
              observer = null;
              qs.unsubscribe();
              o?.complete();
            },
            error: (e) => {
              const o = observer;
              observer = null;
              qs.unsubscribe();
              o?.error(e);
            },
          },
      this,
    );
    register?.(mode === 'shield' ? { unsubscribe: () => (observer = null) } : qs);
    this.log.push(`Q${i} sub`);
    const probe = this.probes[i]!;
    if (this.p.tasks[i]!.syncValue) qs.next(`q${i}`);
    if (probe.state === 'completed') qs.complete();
    else if (probe.state === 'errored') qs.error(probe.error!);
    else if (!qs.closed) probe.subs.push(qs);
    qs.registered = true;
    if (qs.closed) this.log.push(`Q${i} teardown`); // the teardown runs once it is returned
    return undefined;
  }

  /**
   * Makes another input (program.ts, `OtherInput`; `k` names its values and error): an array's or a `Set`'s values,
   * a promise settled already (`p<k>`, or rejected with `J<k>`), or the deferred promise `D<d>`.
   */
  makeInput(o: OtherInput, k: string): MInput {
    if ('d' in o) return { kind: 'promise', p: this.promises[o.d]! };
    if ('p' in o) {
      const p = new MPromise();
      this.promises.push(p);
      this.settle(p, o.p === 'resolve', o.p === 'resolve' ? `p${k}` : { k: 'E', msg: `J${k}` });
      return { kind: 'promise', p };
    }
    if ('then' in o) {
      const { sync, odd } = o;
      const [ok, again, apart] = [o.then === 'resolve', o.again === 'resolve', o.apart === true];
      return { kind: 'thenable', name: `H${k}`, k, ok, sync, odd, again, apart };
    }
    const values = Array.from(
      { length: 'arr' in o ? o.arr : 'gen' in o ? o.gen : 'agen' in o ? o.agen : 'rs' in o ? o.rs : o.iop },
      (_, j) => `a${k}_${j}`,
    );
    if ('agen' in o) return { kind: 'async', values, name: `AG${k}` };
    if ('iop' in o) return { kind: 'interop', values, name: `O${k}` };
    if ('rs' in o) return { kind: 'stream', values, end: o.end, name: `RS${k}`, k };
    return { kind: 'values', values, gen: 'gen' in o ? `G${k}` : null };
  }

  /** A promise the package drops (`catch(noop)`): its rejection is handled. Nothing else is touched (a thenable). */
  dropInput(input: MInput): void {
    if (input.kind === 'promise') input.p.handled = true;
  }

  /** Runs `job` `depth` microtasks from now: each of the `depth - 1` before it queues the next. */
  later(depth: number, job: () => void): void {
    this.microtasks.push(depth <= 1 ? job : () => this.later(depth - 1, job));
  }

  /** `promise.then(callback)`: the callback runs in a microtask once the promise has settled. */
  thenP(p: MPromise, callback: () => void): void {
    p.handled = true;
    if (p.state === 'pending') p.callbacks.push(callback);
    else this.microtasks.push(callback);
  }

  /** Settles a pending promise (a no-op on one settled already): its callbacks are queued, in order. */
  settle(p: MPromise, ok: boolean, value: unknown): void {
    if (p.state !== 'pending') return;
    p.state = ok ? 'fulfilled' : 'rejected';
    p.value = value;
    this.microtasks.push(...p.callbacks.splice(0));
  }

  /**
   * Subscribes another input as RxJS's `from` does: an array emits its values while its subscriber is open, then
   * completes; a generator is pulled value by value (its `finally` logs `done` on the pull that finds it has run out,
   * before the end is delivered), and stopped (`return()`: it logs `return`) after the value during which its
   * subscriber closed; a promise is heard in a microtask once it has settled (`thenP`), unless its subscriber was
   * closed by then. None has a teardown to log. `shielded` (`shield`, `awaitTask(…, { shield: true })`): the run the
   * contract wraps the input in goes on when the observer leaves (a generator is pulled to its end), detached;
   * anyone else's leaving closes the subscriber. `detecting` (every export but `cancelWhen`, and but a task's own
   * subscription to its source): a promise's rejection that is a `CancelledError` (a `settle` action's, with a task's
   * signal's reason) reaches `to` as a `ChildCancelled`, as a detecting subscriber or a shielded run delivers it.
   */
  attachInput(
    input: MInput,
    to: MObserver,
    register: (e: Unsubscribable) => void,
    shielded = false,
    detecting = false,
  ): void {
    let closed = false;
    let observer: MObserver | null = to;
    register({ unsubscribe: () => (shielded ? (observer = null) : (closed = true)) });
    const end = (notify: (o: MObserver) => void) => {
      if (closed) return;
      closed = true;
      const o = observer;
      observer = null;
      if (o !== null) notify(o);
    };
    if (input.kind === 'async') {
      // RxJS's `process`: `for await (const value of input) { subscriber.next(value); if (subscriber.closed) return; }`,
      // then `complete()`. A `next()` runs the generator at once to its `yield`, whose `await` of the value takes a
      // microtask, and the promise `next()` returned is heard a microtask later; the `next()` that finds it has run
      // out ends it at once (`finally`: done), and that end is heard a microtask later. `return()`, called once the
      // value during which the subscriber closed (or that came to a closed one) has been delivered, resumes the
      // `yield` with an `await` too: its `finally` runs a microtask later.
      const { values, name } = input;
      let j = 0;
      const pull = (): void => {
        if (j === values.length) {
          this.log.push(`${name} done`);
          this.microtasks.push(() => end((o) => o.complete()));
          return;
        }
        const value = values[j++];
        this.microtasks.push(() =>
          this.microtasks.push(() => {
            if (!closed) observer?.next(value);
            if (closed) this.microtasks.push(() => this.log.push(`${name} return`));
            else pull();
          }),
        );
      };
      pull();
      return;
    }
    if (input.kind === 'interop') {
      // its observable emits whether or not its subscriber is open (RxJS drops what comes after), then completes;
      // the `{ unsubscribe }` it returns is added to a subscriber that has closed by then: it runs at once
      this.log.push(`${input.name} sub`);
      for (const value of input.values) if (!closed) observer?.next(value);
      end((o) => o.complete());
      this.log.push(`${input.name} unsub`);
      return;
    }
    if (input.kind === 'thenable') {
      // RxJS's `fromPromise` calls its `then` once: heard inside that call, or in the microtask it queues. Its
      // fulfilment callback does nothing once the subscriber has closed, and `error()` on a closed subscriber is
      // ignored: a second call-back is never heard. A `then` that throws makes the subscriber's error
      // (`_trySubscribe`), unless it has closed by then (it called back inside the call).
      const { k, odd } = input;
      this.log.push(`${input.name} then`);
      const callBack = (ok: boolean) => {
        if (ok) {
          if (closed) return;
          observer?.next(`h${k}`);
          end((o) => o.complete());
        } else {
          end((o) => o.error({ k: 'E', msg: `I${k}` }));
        }
      };
      if (odd === 'never') return;
      if (odd === 'throw') {
        if (input.sync) callBack(input.ok);
        else this.microtasks.push(() => callBack(input.ok));
        end((o) => o.error({ k: 'E', msg: `Z${k}` }));
        return;
      }
      // A second call-back is not heard either when it comes a microtask later (`apart`): the first closed the
      // subscriber (`complete()` or `error()` set `isStopped` and unsubscribe it; one its consumer closed before is
      // stopped too), and nothing reopens a closed `Subscriber` (the package's `LeanSubscriber` is one), so the
      // fulfilment callback's look at `closed` and `error()`'s at `isStopped` (`handleStoppedNotification`, a no-op
      // without `config.onStoppedNotification`) still drop it; the same in rxjs 7.4.0 and 7.8.2.
      const settled = () => {
        callBack(input.ok);
        if (odd === 'twice' && input.apart) this.microtasks.push(() => callBack(input.again));
        else if (odd === 'twice') callBack(input.again);
      };
      if (input.sync) settled();
      else this.microtasks.push(settled);
      return;
    }
    if (input.kind === 'stream') {
      // Node's `ReadableStream` is async iterable, so RxJS's `from` pulls it as one (`process`, innerFrom.js, which
      // tries `isAsyncIterable` before `isReadableStreamLike`), through Node's own iterator, whose number of
      // microtasks between reads is measured in this process (streamTiming.ts: on Node 18–24 under Jest, with the
      // chunks enqueued up front, the first chunk or the end five microtasks after the subscription, each next one
      // three after the previous was delivered, the end after two chunks five on Node 18–22 and three on Node 24; an
      // error set at creation, which drops the chunks, six). `return()`, called once a chunk came during which the
      // subscriber closed or to a closed one, cancels the stream (`RS<k> cancel`) unless it has closed by then
      // (closed, and its last chunk read); a stream left open whose chunks are all read is never stopped: no chunk
      // comes to call `return()`.
      const { values, name } = input;
      if (input.end === 'error') {
        this.later(this.timing.error, () => end((o) => o.error({ k: 'E', msg: `S${input.k}` })));
        return;
      }
      const depths = this.timing.reads[input.end][values.length]!;
      const read = (j: number): void =>
        this.later(depths[j]!, () => {
          if (j === values.length) {
            if (input.end === 'close') end((o) => o.complete());
            return;
          }
          if (!closed) observer?.next(values[j]);
          if (closed) {
            if (input.end === 'open' || j + 1 < values.length) this.streamsCancelled.push(`${name} cancel`);
            return;
          }
          if (j + 1 < depths.length) read(j + 1);
        });
      if (depths.length > 0) read(0);
      return;
    }
    if (input.kind === 'values') {
      const { values, gen } = input;
      if (gen === null) {
        for (let j = 0; j < values.length && !closed; j++) observer?.next(values[j]);
      } else {
        for (let j = 0; ; j++) {
          if (j === values.length) {
            this.log.push(`${gen} done`);
            break;
          }
          if (!closed) observer?.next(values[j]);
          if (closed) {
            this.log.push(`${gen} return`);
            return;
          }
        }
      }
      end((o) => o.complete());
      return;
    }
    const p = input.p;
    this.thenP(p, () => {
      if (p.state === 'fulfilled') {
        if (closed) return;
        observer?.next(p.value);
        end((o) => o.complete());
      } else {
        end((o) => o.error(detecting ? toChildCancelled(p.value as MErr) : (p.value as MErr)));
      }
    });
  }

  /** Task t's source subscription to its other input (`{ b: 'input' }`), as `subscribeProbe` for a probe. */
  subscribeInput(t: MTask, input: MInput): void {
    const s = new InputSub();
    t.sub = s;
    this.attachInput(
      input,
      {
        next: (v) => {
          if (!s.closed && !s.stopped) this.emit(t, v);
        },
        complete: () => {
          if (s.closed || s.stopped) return;
          s.stopped = true;
          this.finish(t, 'completed');
        },
        error: (e) => {
          if (s.closed || s.stopped) return;
          s.stopped = true;
          this.finish(t, 'errored', e);
        },
      },
      (h) => (s.handle = h),
    );
  }

  probeNext(ps: ProbeSub, value: string): void {
    if (!ps.closed && !ps.stopped) this.emit(ps.task, value);
  }
  probeComplete(ps: ProbeSub): void {
    if (ps.closed || ps.stopped) return;
    ps.stopped = true;
    this.finish(ps.task, 'completed');
  }
  probeError(ps: ProbeSub, error: MErr): void {
    if (ps.closed || ps.stopped) return;
    ps.stopped = true;
    this.finish(ps.task, 'errored', error);
  }

  // ------------------------------------------------------------ actions

  doCancel(i: number, reason: string): void {
    this.log.push(`cancel T${i} ${reason}`);
    const result = this.cancel(this.tasks[i]!, reason);
    this.log.push(`cancel T${i} -> ${String(result)}`);
  }

  perform(a: Action): void {
    switch (a.a) {
      case 'sub':
        this.subscribe(a.c);
        return;
      case 'unsub': {
        if (this.consumers.length === 0) {
          this.log.push('unsub none');
          return;
        }
        const x = this.consumers[a.x % this.consumers.length]!;
        this.log.push(`unsub X${x.idx}`);
        if (!x.ready) x.pendingUnsub = true;
        else this.unsubscribe(x);
        return;
      }
      case 'cancel':
        this.doCancel(resolveTask(a.t, this.tasks.length), `r${a.id}`);
        return;
      case 'start': {
        const t = this.tasks[resolveTask(a.t, this.tasks.length)]!;
        this.log.push(`start T${t.i}`);
        if (t.state === 'pending') this.runTask(t);
        return;
      }
      case 'abort':
        this.log.push(`abort C${a.k}`);
        this.abortController(a.k, `a${a.id}`);
        return;
      case 'next': {
        this.log.push(`next T${a.t} v${a.id}`);
        const probe = this.probes[a.t]!;
        if (probe.state !== 'open') return;
        // a Subject: to those subscribed when the value comes (one that left since is closed and ignores it)
        for (const s of probe.subs.slice()) {
          if (s instanceof ProbeSub) this.probeNext(s, `v${a.id}`);
          else s.next(`v${a.id}`);
        }
        return;
      }
      case 'complete':
      case 'error': {
        const error: MErr | null =
          a.a === 'complete'
            ? null
            : a.how === undefined
              ? { k: 'E', msg: `E${a.id}` }
              : this.sourceError(a.id, this.tasks[a.t]?.parentSig ?? null, a.how); // a task not made yet: none
        this.log.push(`${a.a} T${a.t}${error === null ? '' : ` ${fmtModel(error)}`}`);
        const probe = this.probes[a.t]!;
        if (probe.state !== 'open') return;
        if (error === null) probe.state = 'completed';
        else {
          probe.state = 'errored';
          probe.error = error;
        }
        // a Subject ends its subscribers one by one, taking each off its list first; one that leaves meanwhile is
        // not told, one that subscribes meanwhile hears the end at once
        for (let s = probe.subs.shift(); s !== undefined; s = probe.subs.shift()) {
          if (s instanceof ProbeSub) {
            if (a.a === 'complete') this.probeComplete(s);
            else this.probeError(s, probe.error!);
          } else if (a.a === 'complete') s.complete();
          else s.error(probe.error!);
        }
        return;
      }
      case 'unlink': {
        if (this.links.length === 0) {
          this.log.push('unlink none');
          return;
        }
        const l = this.links[a.l % this.links.length]!;
        this.log.push(`unlink L${l.k}`);
        this.unlink(l);
        return;
      }
      case 'link': {
        // made now, of what exists now: aborted at once if an input has aborted (its listener never runs)
        const inputs = a.inputs.map((ref) => resolveSig(ref, this.links.length, this.tasks.length));
        this.log.push(fmtLink(this.links.length, inputs));
        this.makeLink({ inputs, ...(a.listener && { listener: a.listener }) });
        return;
      }
      case 'task': {
        // made now, linked to what its link names now; "task none" once every task is made
        const late = nextLateTask(this.p, this.tasks.length, this.links.length);
        if (late === null) {
          this.log.push(fmtTask(null, undefined, a.start === true));
          return;
        }
        const { i, link } = late;
        this.log.push(fmtTask(i, link, a.start === true));
        this.makeTask(link);
        // startTask: task(…).start(), a no-op on a task its aborted signal cancelled
        const t = this.tasks[i]!;
        if (a.start === true && t.state === 'pending') this.runTask(t);
        return;
      }
      case 'settle': {
        if (a.ok) {
          this.log.push(`resolve D${a.d}`);
          this.settle(this.promises[a.d]!, true, `r${a.id}`);
          return;
        }
        // with `how`, what an `error` action errors the Subject of a task linked to signal s with, read now
        const error: MErr =
          a.how === undefined
            ? { k: 'E', msg: `K${a.id}` }
            : this.sourceError(
                a.id,
                this.sig(
                  resolveRejectSig(
                    a.s!,
                    this.links.length,
                    this.tasks.map((t) => t.state === 'cancelled'),
                  ),
                ),
                a.how,
              );
        this.log.push(`reject D${a.d}${a.how === undefined ? '' : ` ${fmtModel(error)}`}`);
        this.settle(this.promises[a.d]!, false, error);
        return;
      }
      case 'throw':
        this.log.push(`throw U${a.id}`);
        this.unhandled.push(`U${a.id}`);
        return;
    }
  }

  /**
   * What a source fails with for a `SourceError` (program.ts): an `error` action errors task t's Subject with it (`s`:
   * the signal task t is linked to), a `settle` action rejects its deferred promise with it (`s`: its own). Read now
   * from `s`: its reason (undefined while it has not aborted, or if there is none), itself or as the cause of an
   * AbortError; or an AbortError caused by `o<id>`.
   */
  sourceError(id: number, s: MSig | null, how: SourceError): MErr {
    if (how === 'abortOther') return { k: 'AE', cause: `o${id}` };
    const reason = s !== null && this.aborted(s) ? this.sigReason(s) : undefined;
    if (how === 'abortReason') return { k: 'AE', cause: reason };
    // the reason itself: a task's CancelledError (a task's signal, or an output of one), or a string, or undefined
    return typeof reason === 'object' ? reason : { k: 'V', v: reason };
  }

  /**
   * The consumer's `unsubscribe()`. Also after it heard its end: during that notification, RxJS's subscriber is
   * stopped but not closed yet (it closes once the notification returns), so an unsubscription made there runs its
   * teardown then, before the source an RxJS operator tears down after notifying (`Q<i>` under `detectCancel` or
   * `cancelWhen`); once closed, every teardown below is a no-op.
   */
  unsubscribe(x: MConsumer): void {
    if (x.unsubscribed || x.spec.kind === 'await') return;
    x.unsubscribed = true;
    x.closed = true;
    x.teardown?.();
  }

  // ------------------------------------------------------------ consumers

  sink(x: MConsumer): MObserver {
    const react = (on: 'next' | 'error' | 'complete') => {
      const r = 'react' in x.spec ? x.spec.react : undefined;
      if (r !== undefined && !x.reacted && r.on === on) {
        x.reacted = true;
        // an observer is user code: what it causes is a wave of its own, except when it hears a value or an end
        // under a teardown (a source driven from there, a cancelWhen or combinator given a signal aborted there):
        // then it joins the wave being torn down
        const outer = this.wave;
        this.wave = this.teardownWave;
        this.perform(r.act);
        this.wave = outer;
      }
    };
    return {
      next: (v) => {
        if (x.closed) return;
        this.log.push(`X${x.idx} next ${fmtVal(v)}`);
        react('next');
      },
      error: (e) => {
        if (x.closed) return;
        x.closed = true;
        this.log.push(`X${x.idx} error ${fmtModel(e)}`);
        react('error');
      },
      complete: () => {
        if (x.closed) return;
        x.closed = true;
        this.log.push(`X${x.idx} complete`);
        react('complete');
      },
    };
  }

  subscribe(raw: ConsumerSpec): void {
    const spec = resolveConsumer(raw, this.links.length, this.tasks.length);
    const x = new MConsumer(this.consumers.length, spec);
    this.consumers.push(x);
    this.log.push(`sub X${x.idx} ${fmtConsumer(spec)}`);
    const sink = this.sink(x);
    switch (spec.kind) {
      case 'plain':
      case 'detect':
      case 'shield': {
        if (spec.o !== undefined) {
          let e: Unsubscribable | undefined;
          const input = this.makeInput(spec.o, `X${x.idx}`);
          this.attachInput(input, sink, (handle) => (e = handle), spec.kind === 'shield', true);
          x.teardown = () => e?.unsubscribe();
          break;
        }
        if (spec.q === true) {
          let e: Unsubscribable | undefined;
          this.attachQ(spec.t, sink, spec.kind === 'shield' ? 'shield' : 'operator', true, (handle) => (e = handle));
          x.teardown = () => e?.unsubscribe();
          break;
        }
        const e = this.observe(this.tasks[spec.t]!, sink, MODE[spec.kind]);
        x.teardown = () => e?.unsubscribe();
        break;
      }
      case 'cancelWhen':
        // from(input).pipe(cancelWhen(signal)): the input is made, and subscribed only if the signal has not aborted
        x.teardown = this.cancelWhen(
          spec.o !== undefined
            ? this.inputSource(this.makeInput(spec.o, `X${x.idx}`))
            : this.source(spec.t, spec.q === true, 'operator', OWNING),
          this.sig(spec.s),
          sink,
        );
        break;
      case 'all':
      case 'any': {
        const combination = new MCombination(
          this,
          spec.kind,
          // another input is made for this subscription
          spec.ts.map((p, k) => (typeof p === 'number' ? this.tasks[p]! : 'q' in p ? p : this.makeInput(p, `${k}`))),
          spec.s,
          sink,
        );
        // registered before it runs, as the package does; the consumer here holds no subscription until
        // subscribe() returns, so it leaves only then (pendingUnsub)
        x.teardown = () => combination.unsubscribed();
        combination.run();
        break;
      }
      case 'await': {
        const input = spec.o === undefined ? null : this.makeInput(spec.o, `X${x.idx}`);
        this.awaitTask(
          x,
          input !== null
            ? this.inputSource(input, spec.shield, true)
            : this.source(
                spec.t,
                spec.q === true,
                spec.shield ? 'shield' : 'operator',
                spec.shield ? MODE.shield : MODE.detect,
              ),
          spec.s === undefined ? undefined : this.sig(spec.s),
          () => input !== null && this.dropInput(input),
        );
        break;
      }
    }
    x.ready = true;
    if (x.pendingUnsub) this.unsubscribe(x);
  }

  /**
   * How an operator attaches to its source: task `t` in `mode`, or the plain Observable `Q<t>` in `qMode`. The
   * entry goes to `register` before the source starts; the return value is the entry of a task that had ended
   * already (nothing to detach), else undefined.
   */
  source(t: number, q: boolean, qMode: QMode, mode: number): Attach {
    if (q) return (obs, register) => this.attachQ(t, obs, qMode, (mode & DETECTING) !== 0, register);
    return (obs, register) => this.observe(this.tasks[t]!, obs, mode, register);
  }

  /** How an operator attaches to another input, made already (`attachInput`). */
  inputSource(input: MInput, shielded = false, detecting = false): Attach {
    return (obs, register) => {
      this.attachInput(input, obs, register, shielded, detecting);
      return undefined;
    };
  }

  /** `source.pipe(cancelWhen(signal))`: a plain (owning) observer linked to the signal. */
  cancelWhen(attach: Attach, s: MSig, sink: MObserver): (() => void) | null {
    if (this.aborted(s)) {
      sink.error({ k: 'CE', task: null, reason: this.sigReason(s) });
      return null;
    }
    let closed = false;
    let stopped = false;
    const attached: { entry?: Unsubscribable | undefined; ready: boolean } = { ready: false };
    let hub: Hub | null = null;
    // an abort while the task is being attached waits for the attach to return (release, then report)
    let subscribing = true;
    let abortError: MErr | null = null;
    const unsubscribe = () => {
      if (closed) return;
      hub?.remove(dep);
      hub = null;
      closed = true;
      stopped = true;
      if (attached.ready) attached.entry?.unsubscribe();
    };
    const dep: Dependant = {
      abortedBy: (reason) => {
        hub = null;
        unsubscribe();
        const error: MErr = { k: 'CE', task: null, reason };
        if (subscribing) abortError = error;
        else sink.error(error);
      },
    };
    hub = this.link(s, dep);
    const entry = attach(
      {
        next: (v) => {
          if (!closed && !stopped) sink.next(v);
        },
        error: (e) => {
          if (closed || stopped) return;
          stopped = true;
          sink.error(this.aborted(s) && isCancelled(e) ? { k: 'CE', task: null, reason: this.sigReason(s) } : e);
          unsubscribe();
        },
        complete: () => {
          if (closed || stopped) return;
          stopped = true;
          sink.complete();
          unsubscribe();
        },
      },
      (e) => {
        attached.entry = e;
        attached.ready = true;
      },
    );
    if (!attached.ready) {
      attached.entry = entry; // the task had ended: nothing to detach
      attached.ready = true;
    }
    subscribing = false;
    if (abortError !== null) sink.error(abortError);
    return unsubscribe;
  }

  /**
   * `awaitTask(source, { signal, shield })`, `attach` observing the source as `detectCancel` or `shield` does; `drop`:
   * what an already aborted signal does to a promise given as the source (drops it: docs/semantics.md).
   */
  awaitTask(x: MConsumer, attach: Attach, s: MSig | undefined, drop: () => void): void {
    const reject = (e: MErr) => (this.awaits[x.idx] = `reject ${fmtModel(e)}`);
    if (s !== undefined && this.aborted(s)) {
      drop();
      reject({ k: 'CE', task: null, reason: this.sigReason(s) });
      return;
    }
    let settled = false;
    let hub: Hub | null = null;
    let sub: Unsubscribable | undefined;
    let last: unknown;
    const settle = () => {
      if (settled) return false;
      settled = true;
      hub?.remove(dep);
      hub = null;
      return true;
    };
    const dep: Dependant = {
      abortedBy: (reason) => {
        hub = null;
        if (!settle()) return;
        sub?.unsubscribe();
        reject({ k: 'CE', task: null, reason });
      },
    };
    if (s !== undefined) hub = this.link(s, dep);
    // the entry is known before the task starts: an abort while it is attached releases it then
    attach(
      {
        next: (v) => (last = v),
        complete: () => {
          if (settle()) this.awaits[x.idx] = `resolve ${fmtVal(last)}`;
        },
        error: (e) => {
          if (!settle()) return;
          const own = s !== undefined && this.aborted(s) && isCancelled(e);
          reject(own ? { k: 'CE', task: null, reason: this.sigReason(s) } : e);
        },
      },
      (e) => (sub = e),
    );
  }
}

/** whenAllCancellable / whenAnyCancellable, as the contract's "Combinators" section reads. */
class MCombination implements Dependant {
  private ended = false;
  private readonly values: unknown[];
  private readonly subs: (Unsubscribable | undefined)[];
  private hub: Hub | null = null;
  private subscribed = 0;
  private subscribing = false;
  private deferredReport: (() => void) | null = null;
  private remaining: number;
  private readonly sig: MSig | undefined;

  constructor(
    private readonly m: Model,
    private readonly kind: 'all' | 'any',
    /**
     * A task, `{ q }`: the plain Observable `Q<q>`, subscribed directly (a participant in `attachQ`), or another
     * input (`OtherInput`), made when the combinator is (`attachInput`).
     */
    private readonly tasks: (MTask | { q: number } | MInput)[],
    sig: SigRef | undefined,
    private readonly sink: MObserver,
  ) {
    this.sig = sig === undefined ? undefined : m.sig(sig);
    this.values = tasks.map(() => undefined);
    this.subs = tasks.map(() => undefined);
    this.remaining = tasks.length;
  }

  /** Each participant's entry is known before its task starts: an end while it is attached releases it then. */
  run(): void {
    const { m, sig } = this;
    // every promise participant is dropped first: its rejection is handled, also if it is never subscribed
    for (const p of this.tasks) if (!(p instanceof MTask) && 'kind' in p) m.dropInput(p);
    if (sig !== undefined && m.aborted(sig)) {
      this.ended = true;
      this.abandonPending(m.sigReason(sig));
      this.sink.error({ k: 'CE', task: null, reason: m.sigReason(sig) });
      return;
    }
    if (this.tasks.length === 0) {
      this.ended = true;
      this.sink.next([]);
      this.sink.complete();
      return;
    }
    if (sig !== undefined) this.hub = m.link(sig, this);
    for (let i = 0; i < this.tasks.length && !this.ended; i++) {
      this.subscribed = i + 1;
      this.subscribing = true;
      const p = this.tasks[i]!;
      if (p instanceof MTask) m.observe(p, this.participant(i), MODE.detect, (e) => (this.subs[i] = e));
      else if ('q' in p) m.attachQ(p.q, this.participant(i), 'participant', true, (e) => (this.subs[i] = e));
      else m.attachInput(p, this.participant(i), (e) => (this.subs[i] = e), false, true);
      this.subscribing = false;
      const report = this.deferredReport;
      if (report !== null) {
        this.deferredReport = null;
        report();
      }
    }
  }

  private participant(i: number): MObserver {
    return {
      next: (v) => (this.values[i] = v),
      error: (e) => {
        if (this.ended) return;
        const { m, sig } = this;
        if (sig !== undefined && m.aborted(sig) && isCancelled(e)) {
          this.fail({ k: 'CE', task: null, reason: m.sigReason(sig) }, m.sigReason(sig));
        } else {
          // the error is the reason the pending participants are cancelled with (a value, as it is)
          this.fail(e, e.k === 'V' ? e.v : e);
        }
      },
      complete: () => {
        if (this.ended) return;
        if (this.kind === 'any') {
          this.end(() => {
            this.sink.next({ index: i, value: this.values[i] });
            this.sink.complete();
          });
        } else if (--this.remaining === 0) {
          this.end(() => {
            this.sink.next(this.values);
            this.sink.complete();
          });
        }
      },
    };
  }

  abortedBy(reason: MReason): void {
    this.hub = null;
    if (!this.ended) this.fail({ k: 'CE', task: null, reason }, reason);
  }

  private fail(error: MErr, reason: MReason): void {
    this.end(() => {
      this.abandonPending(reason);
      this.sink.error(error);
    });
  }

  /**
   * Release every participant at once, then report; while one is being attached, its source returns its
   * teardown only when its subscribe call returns: the report waits until then.
   */
  private end(report: () => void): void {
    this.ended = true;
    this.unlink();
    this.releaseEach();
    if (this.subscribing) this.deferredReport = report;
    else report();
  }

  unsubscribed(): void {
    if (this.ended) return;
    this.ended = true;
    this.unlink();
    this.releaseEach();
    this.abandonPending(undefined);
  }

  private releaseEach(): void {
    for (let i = 0; i < this.subs.length; i++) {
      const s = this.subs[i];
      this.subs[i] = undefined;
      s?.unsubscribe();
    }
  }

  /** Pending tasks among the participants never attached are cancelled without starting. */
  private abandonPending(reason: MReason): void {
    for (let i = this.subscribed; i < this.tasks.length; i++) {
      const t = this.tasks[i]!;
      if (t instanceof MTask && t.state === 'pending') this.m.cancel(t, reason);
    }
  }

  private unlink(): void {
    this.hub?.remove(this);
    this.hub = null;
  }
}
