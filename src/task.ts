import {
  from,
  NEVER,
  Observable,
  type ObservableInput,
  type ObservedValueOf,
  type Subscriber,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { hasBrand, isInstance, TASK_BRAND } from './brand';
import { CancelledError, captureStackTraces, toChildCancelled } from './errors';
import { dropPromise, reportUnhandledError } from './report';
import { linkToSignal, notifyDependants, setSignalOwner, type AbortDependant, type SignalHub } from './signalLinks';
import { checkOptions, isObservableInput, typeError } from './validate';
import { LeanSubscriber } from './leanSubscriber';

/** Where a task is in its life. Only `pending` and `running` can still change. */
export type TaskState = 'pending' | 'running' | 'completed' | 'errored' | 'cancelled';

/**
 * What a task runs: any `ObservableInput`, or a factory that receives the
 * task's `AbortSignal` (pass it on to `fetch`, timers, other tasks) and
 * returns one.
 */
export type TaskSource<T> = ObservableInput<T> | ((signal: AbortSignal) => ObservableInput<T>);

/**
 * Options of `task()`, `startTask()` and `new Task()`.
 *
 * @example
 * ```ts
 * task(source, { signal: parent.signal, name: 'child', refCount: false });
 * ```
 */
export interface TaskOptions {
  /**
   * Cancels the task when it aborts (reason: the signal's reason). Already aborted when the task is created or
   * started: the task is cancelled and its factory never runs. Once it has aborted, and until the abort reaches
   * the task, a completion of its body, or an error that is a `CancelledError`, the signal's reason or an
   * `AbortError` whose `cause` is it, does not end the task: the abort cancels it (a microtask later if it never
   * arrives). Any other error still ends it `errored` (docs/semantics.md).
   */
  signal?: AbortSignal | undefined;
  /** Shown in messages and marble diagrams. */
  name?: string | undefined;
  /** `false`: the last owner leaving does not cancel the task. Default `true`. */
  refCount?: boolean | undefined;
}

/**
 * An observer of a task, as the package's own operators attach it.
 * @internal
 */
export interface TaskObserver<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** The observer owns the task: its leaving can cancel it (refCount). @internal */
export const OWNING = 1;
/** The observer hears a cancellation as `ChildCancelled`. @internal */
export const DETECTING = 2;
/** The observer pins the task: no unsubscription can cancel it any more. @internal */
export const PINNING = 4;

/**
 * How `subscribe`, `detectCancel` and `shield` attach. Literals (spec/task.spec.ts checks
 * them), because a bundler keeps an unused `OWNING | DETECTING` in every bundle.
 * @internal
 */
export const PLAIN_MODE = 1; // OWNING
/** @internal */
export const DETECT_MODE = 3; // OWNING | DETECTING
/** @internal */
export const SHIELD_MODE = 6; // DETECTING | PINNING

/** Checked after `signal`, which every options bag has (see checkOptions). */
const TASK_OPTIONS = { name: 'string', refCount: 'boolean' } as const;

/** `#__PURE__`: a bundler may drop it where Task is not imported. */
const NO_OBSERVERS: readonly ObserverEntry<never>[] = /* @__PURE__ */ Object.freeze([]);

/**
 * What makes `instanceof Task` recognise a task of another installed copy
 * (see brand.ts). It is a base class of its own because V8 constructs a
 * class that declares a static `Symbol.hasInstance` itself about ten times
 * slower; inherited, it costs nothing. Not exported.
 */
export abstract class TaskBrand<T> extends Observable<T> {
  /**
   * `Task`: true for a task of any installed copy of rxjs-cancel. A user's subclass answers as any
   * class does, by its prototype chain.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, Task, value, TASK_BRAND);
  }
}

/**
 * A hot, multicast Observable whose teardown marks a cancellation.
 *
 * A task runs its source at most once, for all observers: it starts on its
 * first subscription or on `start()`, replays its latest value to observers
 * that arrive later, and ends `completed`, `errored` or `cancelled`. It is
 * cancelled when its subscription to its source is torn down early: by
 * `cancel(reason)`, by the abort of `options.signal`, or when its last
 * owning observer unsubscribes.
 *
 * ```text
 * source:   --a---b---c--|
 * task:     --a---b--X            X: task.cancel('r')
 * observer: --a---b--#            #: CancelledError { task, reason: 'r' }
 * ```
 *
 * @see `docs/marbles.md#task` and `docs/marbles.md#plain-subscribe-and-ownership`: the marble
 *   diagrams of tasks.
 *
 * @example
 * ```ts
 * const download = task((signal) => fetch(url, { signal }));
 * download.subscribe({ error: (e) => console.log(e instanceof CancelledError) });
 * download.cancel('user navigated away'); // logs true; the request is aborted
 * ```
 */
export class Task<T> extends TaskBrand<T> {
  /** The name given in the options, if any. */
  readonly name?: string | undefined;

  /** @internal */ _state: TaskState = 'pending';
  /** @internal the source to run; dropped once started or cancelled */
  _source: TaskSource<T> | null;
  /**
   * @internal attached observers; the emission loop iterates `_snapshot`, a copy.
   * Frozen and empty until the first observer, which gets a one-slot array:
   * pushing to an empty array reserves 17 slots (≈ 150 B per task).
   */
  _observers: ObserverEntry<T>[] = NO_OBSERVERS as ObserverEntry<T>[];
  /** @internal */ _snapshot: ObserverEntry<T>[] | null = null;
  /** @internal observers attached with OWNING that are still attached */
  _owners = 0;
  /** @internal set by the first shielding observer, for good */
  _pinned = false;
  /** @internal */ readonly _refCount: boolean;
  /** @internal */ _hasValue = false;
  /** @internal */ _latest: T | undefined = undefined;
  /** @internal the error when errored, the reason when cancelled */
  _result: unknown = undefined;
  /** @internal the task's CancelledError, made on first need */
  _cancelError: CancelledError | null = null;
  /** @internal what DETECTING observers get instead of a CancelledError */
  _childError: unknown = undefined;
  /** @internal made only when someone reads `signal` */
  _controller: AbortController | null = null;
  /** @internal dependants of this task's signal: linked tasks, cancelWhen, … */
  _hub: SignalHub | null = null;
  /** @internal `options.signal`, until the task ends (an ended task kept as a result keeps no parent alive) */
  _parentSignal: AbortSignal | undefined;
  /** @internal the hub this task is a dependant of */
  _parentHub: SignalHub | null = null;
  /** @internal our subscription to the source, while running */
  _sourceSubscriber: SourceSubscriber<T> | null = null;
  /** @internal cancellation progress, a step number: see CancellationNode */
  _phase = 0;
  /** @internal dependants still to react at step 4 */
  _dependantsToNotify: Iterator<AbortDependant, undefined> | null = null;

  /**
   * Creates a **pending** task; `task(source, options)` is the same.
   * @param source An `ObservableInput`, or a factory `(signal) => ObservableInput`.
   * @param options `signal`, `name`, `refCount`: see {@link TaskOptions}.
   */
  constructor(source: TaskSource<T>, options?: TaskOptions) {
    super();
    const fn = constructingFor; // before any user code (an options getter) can make another task
    constructingFor = 'task';
    if (typeof source !== 'function' && !isObservableInput(source)) {
      throw typeError(fn, 'an Observable, Promise, iterable or function', source);
    }
    const { signal, name, refCount } = checkOptions(fn, options, TASK_OPTIONS) as TaskOptions;
    this._source = source;
    this.name = name;
    this._refCount = refCount !== false;
    this._parentSignal = signal;
    if (signal !== undefined) {
      if (signal.aborted) this.cancel(signal.reason);
      else if ((this._parentHub = linkToSignal(signal, this)) !== null) this._parentHub._wave = asOneWave;
    }
    if (keptShapes === null) keepShapes();
  }

  /** @internal the brand, see brand.ts */
  get '@@rxjs-cancel/Task@1'(): true {
    return true;
  }

  /**
   * What `Observable#subscribe` calls: a plain subscription owns the task.
   * (RxJS keeps this member out of its public types, hence no `override`.)
   * @internal
   */
  _subscribe(subscriber: Subscriber<T>): Unsubscribable | undefined {
    return this._observe(subscriber, PLAIN_MODE, subscriber);
  }

  /** `'pending'`, `'running'`, `'completed'`, `'errored'` or `'cancelled'`. */
  get state(): TaskState {
    return this._state;
  }

  /**
   * `{ name, state }`: what `JSON.stringify` shows of a task, for instance
   * inside a logged `CancelledError` (a task's internals refer back to it).
   */
  toJSON(): {
    /** The task's name, if it has one. */
    name: string | undefined;
    /** The task's state. */
    state: TaskState;
  } {
    return { name: this.name, state: this._state };
  }

  /**
   * Aborts exactly when the task is cancelled, with the task's
   * `CancelledError` as its reason. Made on first read: a task whose signal
   * nobody reads never pays for one.
   */
  get signal(): AbortSignal {
    let controller = this._controller;
    if (!controller) {
      controller = this._controller = new AbortController();
      setSignalOwner(controller.signal, this);
      const state = this._state;
      if (state === 'cancelled') controller.abort(this._cancellation());
      // The error its abort will carry, made now (its reason is filled in by cancel()): a fan-out then cancels
      // old tasks without making one young error each, which every old signal and task would point to.
      // Not while stack traces are captured (the trace must show the cancellation), nor once it has ended.
      else if (!captureStackTraces && (state === 'pending' || state === 'running')) this._cancellation();
    }
    return controller.signal;
  }

  /**
   * Runs a pending task now (without an observer). No effect otherwise.
   * @throws `TypeError` if called on something that is not a task (a detached `task.start`).
   */
  start(): this {
    const state = (this as Task<unknown> | undefined)?._state; // not a task when detached: `setTimeout(task.start)`
    if (state === 'pending') this._run();
    else if (!state) throw typeError('task.start', 'a task as this', this);
    return this;
  }

  /**
   * Cancels the task: its state becomes `'cancelled'`, its signal aborts,
   * its source is torn down, whatever is linked to its signal reacts, and
   * then its observers hear a `CancelledError` (or a `ChildCancelled`
   * through `detectCancel`/`shield`).
   *
   * @returns `true` if this call cancelled the task, `false` if it had
   * already ended (then nothing happens; the first reason wins).
   * @throws `TypeError` if called on something that is not a task, as a
   * detached `task.cancel` passed as a callback is: pass `() => task.cancel()`.
   */
  cancel(reason?: unknown): boolean {
    // `this` is not a task when detached (`signal.addEventListener('abort', task.cancel)`)
    const state = (this as Task<unknown> | undefined)?._state;
    if (state !== 'pending' && state !== 'running') {
      // fail loudly, as a detached `abort()` does, rather than answer `false`, which says the task had ended
      if (!state) throw typeError('task.cancel', 'a task as this', this);
      return false;
    }
    this._state = 'cancelled'; // step 1
    this._result = reason;
    // The error made when the signal was first read (see `signal`), which nobody has seen yet, gets its reason now;
    // with stack traces turned on since, it is made again below, here.
    const early = this._cancelError;
    if (early) {
      if (captureStackTraces) this._cancelError = null;
      else (early as { reason: unknown }).reason = reason;
    }
    dropPromise(this._source); // a pending task's promise, never to be subscribed now
    this._source = null;
    this._leaveParentHub();
    if (this._controller) abortOwnSignal(this._controller, this._cancellation()); // step 2
    // Steps 3–5. Deferred, the source subscriber is closed now, so that a synchronous source (`from(iterable)`,
    // `range`) stops emitting, as it would under share(); its finalizers still run at step 3, which reopens it
    // for that (`_teardownSource`).
    if (scheduleCancellation(this) && this._sourceSubscriber) this._sourceSubscriber.closed = true;
    return true;
  }

  /** @internal reacts to the abort of `options.signal` */
  _abortedBy(reason: unknown): void {
    this._parentHub = null; // the hub has let go of us already
    cancelLinked(this, reason);
  }

  /** @internal see SignalOwner */
  _hubForLinks(): SignalHub | null {
    const state = this._state;
    if (state === 'completed' || state === 'errored') return null;
    return (this._hub ??= new Set());
  }

  /**
   * Attaches an observer. Starts a pending task; replays the latest value to
   * a running one; replays the latest value and the end to an ended one.
   *
   * Returns what detaches the observer; if `subscription` is given and open, that is
   * added to it instead, before the task starts or replays: an observer that
   * unsubscribes while a synchronous source is still emitting (`take(1)`) then
   * releases the task at once, as `share()` stops its source, rather than
   * after the source ended.
   * @internal
   */
  _observe(observer: TaskObserver<T>, mode: number, subscription?: Subscription): Unsubscribable | undefined {
    const state = this._state;
    if (state !== 'pending' && state !== 'running') {
      if (this._hasValue) observer.next(this._latest as T);
      this._deliverEnd(observer, mode);
      return undefined;
    }
    const entry = new ObserverEntry(this, observer, mode);
    if (!this._observers.length) this._observers = [entry];
    else this._observers.push(entry);
    this._snapshot = null;
    if (mode & OWNING) this._owners++;
    if (mode & PINNING) this._pinned = true;
    // A subscription closed already (forkJoin after an empty source) would run the entry at once, while the
    // task is still pending, where detaching does nothing: it gets the entry afterwards, which releases the task.
    const early = subscription !== undefined && !subscription.closed;
    if (early) subscription.add(entry);
    if (state === 'pending') this._run();
    else if (this._hasValue) observer.next(this._latest as T);
    return early ? undefined : entry;
  }

  /** @internal an observer unsubscribed */
  _detach(entry: ObserverEntry<T>): void {
    // A cancelled task keeps its observers until the end of its wave (runCancellations): one that leaves
    // before then hears nothing. A notified task has none left.
    const index = this._observers.indexOf(entry);
    if (index < 0) return;
    this._observers.splice(index, 1);
    this._snapshot = null;
    if (this._state !== 'running') return;
    if (entry._mode & OWNING && --this._owners === 0 && this._refCount && !this._pinned) this._release();
  }

  /** @internal */
  _run(): void {
    const parent = this._parentSignal;
    // Started by someone who heard the abort of `options.signal` before the task did (an earlier abort listener
    // or dependant): cancelled as if created on that aborted signal; its factory never runs.
    if (parent?.aborted) {
      this.cancel(parent.reason);
      return;
    }
    this._state = 'running';
    const source = this._source as TaskSource<T>;
    this._source = null;
    let input: ObservableInput<T>;
    if (typeof source === 'function') {
      try {
        input = source(this.signal);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the factory may have cancelled the task
        if (this._state === 'running') this._finish('errored', error);
        // cancelled while the factory ran: no observer is left to hear its error, so report it, unless it is
        // that very cancellation (e.g. `signal.throwIfAborted()`), which every observer has heard already
        else if (error !== this._cancelError) reportUnhandledError(error);
        return;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the factory may have cancelled the task
      if (this._state !== 'running') {
        // cancelled while the factory ran: never subscribe (a promise it returned is dropped, see dropPromise)
        dropPromise(input);
        return;
      }
      if (!isObservableInput(input)) {
        // OBSERVABLE_INPUT written out: the constant would be a variable of its own in bundles of the task core alone
        this._finish('errored', typeError('task', 'the factory to return an Observable, Promise or iterable', input));
        return;
      }
    } else {
      input = source;
    }
    const subscriber = (this._sourceSubscriber = new SourceSubscriber(this));
    try {
      from(input).subscribe(subscriber);
    } catch (error) {
      // A teardown the source returned after it had already ended (or been
      // cancelled) while subscribing: RxJS runs it at once and rethrows. Report
      // it, as any other teardown error, rather than let it reach whoever
      // started the task (where an already-ended observer would drop it).
      // Anything else escaping a still-open subscription errors the task.
      if (this._sourceSubscriber === subscriber && !subscriber.closed) this._finish('errored', error);
      else reportUnhandledError(error);
    }
  }

  /** @internal a value from the source */
  _emit(value: T): void {
    // A source may still emit between step 1 and its teardown (from the task's
    // abort listener, step 2): the task is cancelled already, drop the value. One emitted while the abort of
    // options.signal is on its way passes (see _finish): a check per value would cost linked tasks a signal read
    // each, and an endless synchronous source would no longer let its consumer stop it.
    if (this._state !== 'running') return;
    this._latest = value;
    this._hasValue = true;
    const observers = this._snapshot ?? (this._snapshot = this._observers.slice());
    // An observer that ends the task during the value ends it for the later ones before they hear it, as share()
    // does; checked here, as the end itself may wait for the end of a wave (a body may wait on the task).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- an observer may end the task
    for (let i = 0; i < observers.length && this._state === 'running'; i++) observers[i]._observer.next(value);
  }

  /** @internal the source completed or errored */
  _finish(state: 'completed' | 'errored', error?: unknown): void {
    if (this._state !== 'running') return;
    // The body ended while the abort of options.signal is on its way to the task: something that heard the abort
    // first (a linkSignals output's cancelWhen, an abort listener, a takeUntil) ended it. It is the task's own
    // cancellation, as in the combinators: that abort cancels the task when it gets there, in its wave, or, if it
    // never does (an earlier listener stopped the event, the walk ran out of stack), a microtask later. Only a
    // failure of the body's own still ends it. (A task whose signal has aborted and that is still running is still
    // linked to it: the walk hands a task out and cancels it in one step.)
    const parent = this._parentSignal;
    if (parent?.aborted && (state === 'completed' || endedByAbort(error, parent.reason))) {
      queueMicrotask(() => this.cancel(parent.reason));
      return;
    }
    this._state = state;
    this._result = error;
    this._leaveParentHub();
    this._hub = null; // the signal can no longer abort: let linked parties go
    this._teardownSource();
    this._notifyEnd();
  }

  /** @internal the task's CancelledError, made on first need */
  _cancellation(): CancelledError {
    return (this._cancelError ??= new CancelledError(this._result, this));
  }

  /** @internal step 3, and the cleanup after a natural end */
  _teardownSource(): void {
    const subscriber = this._sourceSubscriber;
    if (!subscriber) return;
    this._sourceSubscriber = null;
    subscriber.closed = false; // see scheduleCancellation
    try {
      subscriber.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
  }

  /**
   * @internal Whether this task's end waits for the end of the wave that cancelled it: only if an observer came
   * to it through `detectCancel`, `shield`, `awaitTask` or a combinator, the ways a body waits on a task and
   * tells its cancellation apart. The others (plain observers only, as in a fan-out) are heard of at once, which
   * keeps each task's notification next to its teardown: a second pass over 10⁴ tasks cost 60 % more.
   */
  _isWaitedOn(): boolean {
    const observers = this._observers;
    for (let i = 0; i < observers.length; i++) if (observers[i]._mode & DETECTING) return true;
    return false;
  }

  /** @internal step 5 (or the end of a completed/errored task) */
  _notifyEnd(): void {
    const observers = this._observers;
    this._observers = NO_OBSERVERS as ObserverEntry<T>[];
    this._snapshot = null;
    this._dependantsToNotify = null;
    for (let i = 0; i < observers.length; i++) {
      const entry = observers[i];
      entry._task = null; // its later unsubscribe has nothing to undo
      try {
        this._deliverEnd(entry._observer, entry._mode);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }

  /** @internal */
  _deliverEnd(observer: TaskObserver<T>, mode: number): void {
    const state = this._state;
    if (state === 'completed') {
      observer.complete();
    } else {
      const error = state === 'cancelled' ? this._cancellation() : this._result;
      // a DETECTING observer's: the task's own cancellation, as any CancelledError, made a ChildCancelled (once)
      observer.error(mode & DETECTING ? (this._childError ??= toChildCancelled(error)) : error);
    }
  }

  /**
   * @internal Cancels the task that lost its run (its last owner, or its source, let go): with the reason of
   * options.signal if that has aborted (the abort is on its way), else with none.
   */
  _release(): void {
    const parent = this._parentSignal;
    this.cancel(parent?.aborted ? parent.reason : undefined);
  }

  /** @internal */
  _leaveParentHub(): void {
    this._parentHub?.delete(this);
    this._parentHub = null;
    this._parentSignal = undefined;
  }
}
/** One attached observer; unsubscribing it detaches it. @internal */
export class ObserverEntry<T> implements Unsubscribable {
  constructor(
    public _task: Task<T> | null,
    readonly _observer: TaskObserver<T>,
    readonly _mode: number,
  ) {}

  unsubscribe(): void {
    const task = this._task;
    if (task) {
      this._task = null;
      task._detach(this);
    }
  }
}

/** The task's own subscriber to its source. @internal */
class SourceSubscriber<T> extends LeanSubscriber<T> {
  constructor(private readonly _owner: Task<T>) {
    super();
  }
  protected override _next(value: T): void {
    this._owner._emit(value);
  }
  protected override _error(error: unknown): void {
    this._owner._finish('errored', error);
  }
  protected override _complete(): void {
    this._owner._finish('completed');
  }
  /**
   * The task tears this down itself after taking it from `_sourceSubscriber`. Anyone else who does,
   * such as a source that unsubscribes the subscriber it was given, ends the run before the source
   * completed or errored: a cancellation (reason `undefined`, or that of options.signal if it has
   * aborted). The subscriber is closed when this returns, as RxJS promises, even if the cancellation's
   * own teardown step is deferred.
   */
  override unsubscribe(): void {
    if (this._owner._sourceSubscriber === this) this._owner._release();
    super.unsubscribe();
  }
}

/**
 * What the cancellation loop runs steps 3–5 of: a task, of this copy or another, or a `linkSignals` output
 * (linkSignals.ts), whose signal aborts like a task's and whose steps 3 and 5 do nothing. @internal
 */
export interface CancellationNode extends AbortDependant {
  /**
   * Progress through steps 3 and 4 (see `runCancellations`), 0 outside the loop: 3, the teardown is next; 4, step 4
   * begins: the `linkSignals` outputs linked to its signal abort, before its other dependants react; 5, the rest of
   * step 4 (its other dependants, one a pass), then step 5. Step numbers, not named constants, which a bundler keeps
   * as variables (≈ 12 B).
   */
  _phase: number;
  /** The dependants of its signal: taken by step 4. */
  _hub: SignalHub | null;
  /** The dependants still to react at step 4. */
  _dependantsToNotify: Iterator<AbortDependant, undefined> | null;
  /** Steps 1–2 at once, then 3–5 (deferred while `deferTo` is set); `false` if it had ended already. */
  cancel(reason: unknown): boolean;
  /** The reason its signal aborted with, which its dependants get. */
  _cancellation(): unknown;
  /** Step 3. */
  _teardownSource(): void;
  /** Whether its step 5 waits for the end of the wave (see Task#_isWaitedOn). */
  _isWaitedOn(): boolean;
  /** Step 5. */
  _notifyEnd(): void;
}

/**
 * Runs steps 3–5 of cancellations without one stack frame per linked task.
 *
 * While a cancellation cancels the tasks linked to its signal (step 4), each
 * of them (a linked child, a `linkSignals` output and what is linked to it)
 * only does steps 1–2 at once and waits on `deferTo`; the loop then runs its
 * steps 3–5 before the next dependant reacts. That is the order plain
 * recursion would give, with a flat stack: a chain of 100,000 linked tasks
 * cancels from its root without a `RangeError`, also through `linkSignals`
 * outputs. A task that a teardown (step 3) cancels or releases is cancelled
 * before that call returns, in a loop of its own, as a direct call would (a
 * task a body may wait on is heard of at the end of the wave): only past
 * `MAX_NESTED_RUNS` loops does it wait on `deferTo` too, which keeps chains
 * of teardowns that cancel the level below flat. Cancellations started by
 * user code the package calls back (observers, dependants such as
 * `cancelWhen`) run immediately and completely, as waves of their own,
 * except under a teardown, a node's own step 2 (its abort listeners), or another copy's node at step 4 (its
 * cancellation, and its outputs' listeners), whose wave they join (`inTeardown`).
 */
let deferTo: CancellationNode[] | null = null;

/**
 * The node `deferTo` is for at step 4: the dependant being cancelled. One of another installed copy runs that
 * copy's cancellation, which may cancel nodes of this copy (its walk, code it calls back): those are not deferred
 * past it, unless `MAX_NESTED_RUNS` loops deep (see scheduleCancellation). Past that depth, every node is deferred.
 * Cleared with `deferTo` after the step: kept, it would hold the last dependant and what its reason names.
 */
let deferOnly: CancellationNode | null = null;

/**
 * How many cancellation loops are running, nested (a teardown that cancels a task runs that task's loop). Past
 * `MAX_NESTED_RUNS`, what a teardown cancels waits in the innermost loop instead: the stack then stops growing.
 * A nested loop costs about 11 frames (more with operators between the levels): 32 of them are a small part of
 * Node's stack, and cover what a teardown plausibly nests.
 */
let runDepth = 0;
/** @internal exported for the specs */
export const MAX_NESTED_RUNS = 32;

/**
 * True while a teardown the loop runs is on the stack, whatever it calls (an observer of a task it cancels, an abort
 * listener, a consumer): every cancellation loop started then belongs to that wave, so that a body still being torn
 * down cannot hear, as a child's, a cancellation its own teardown set off (the ends of tasks a body may wait on wait
 * for the end of the wave, `waveEnded`).
 */
let inTeardown = false;

/**
 * Set by `cancelLinked`: the loop it starts belongs to the wave of a foreign hub's walk. Unlike inside a teardown
 * or a node's step 2, the user code that loop calls back (observers, non-task dependants) starts waves of its own,
 * which end before it returns.
 */
let joinWave = false;

/** The tasks of the current wave that a body may wait on (Task#_isWaitedOn), in the order they finished step 4. */
let waveEnded: CancellationNode[] | null = null;

/** Set while `asOneWave` walks a foreign hub: a wave of this copy is open (see abortOwnSignal). */
let walkingWave = false;

/**
 * The ends that a node's step 2 set off, waiting for the wave its own loop is about to start (see abortOwnSignal),
 * or that an output gives back for its own loop (see swapCarried; `undefined` there means none).
 */
let carriedWave: CancellationNode[] | null | undefined = null;

/**
 * Replaces the carried ends, returning those there were. A `linkSignals` output aborted by another copy's walk,
 * outside any wave of this copy, takes its listeners' ends with it and gives them back when its own loop starts
 * (its turn in that walk): a loop of this copy that runs in between (a task linked ahead of it, another output, a
 * listener's cancel()) must not take them, and let them be heard before the output's dependants are torn down.
 * @internal
 */
export function swapCarried(ends: CancellationNode[] | null | undefined): CancellationNode[] | null | undefined {
  const carried = carriedWave;
  carriedWave = ends;
  return carried;
}

/**
 * Step 2. The platform runs the signal's abort listeners, user code, right
 * here: cancellations they start must complete before they return, not wait
 * on a deferring step the listener knows nothing of. They belong to this
 * node's wave, as under a teardown: the body of the task being cancelled is
 * still subscribed (its teardown is step 3), so a task it may wait on that a
 * listener cancels (a child linked through `AbortSignal.any`, or cancelled by
 * a listener) is heard of at the end of the wave, after that body is gone.
 * `inWalk`: a `linkSignals` output aborting ahead of its input's other dependants, in the walk of a wave
 * that is running (its ends join that wave, as a deferred node's do). @internal
 */
export function abortOwnSignal(controller: AbortController, reason: unknown, inWalk?: true): void {
  // runToCompletion, inlined: no closure per cancelled task (fan-out hot path). With the node deferOnly names: a
  // listener's cancellation may run a step 4 of its own, which clears it, and this node would then not be deferred.
  const saved = deferTo;
  const savedOnly = deferOnly;
  // An output aborting ahead of its input's other dependants (`inWalk`) does so in the walk of one of this copy's
  // waves, which its listeners' ends join; reached from another copy's walk, no wave of this copy is open.
  const intoWave = saved || (inWalk && (runDepth > 0 || inTeardown || walkingWave));
  const savedJoin = joinWave;
  const savedTeardown = inTeardown;
  const outerWave = waveEnded;
  deferTo = null;
  inTeardown = true; // joins (and ends) this wave, whatever joinWave says: restored below for this node's own loop
  waveEnded = null;
  try {
    controller.abort(reason);
  } finally {
    deferTo = saved;
    deferOnly = savedOnly;
    joinWave = savedJoin;
    inTeardown = savedTeardown;
    const early = waveEnded as CancellationNode[] | null; // filled by the listeners' cancellations
    waveEnded = outerWave;
    // Steps 3–5 run in the loop that deferred this node (its wave is the current one) or in a loop of its own,
    // started next by scheduleCancellation, which takes them as the first ends of its wave.
    if (early) {
      if (intoWave) (waveEnded ??= []).push(...early);
      else (carriedWave ??= []).push(...early); // appended: a loop that threw (out of stack) never took the last
    }
  }
}

/**
 * Runs `fn` so that every cancellation it causes is torn down, with its
 * dependants, before it returns, even where the caller's own cancellations
 * would be deferred (step 4, or a teardown past `MAX_NESTED_RUNS`): what
 * "release before report" needs. Outside a teardown they are heard of before
 * it returns too; under one, a task a body may wait on is heard of at the
 * end of that teardown's wave.
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

/**
 * Cancels a node whose foreign signal's hub let it go (`AbortDependant#_abortedBy`), inside the hub's walk
 * (`asOneWave`): its end, and the ends its cancellation causes, wait for the wave's. User code that cancellation
 * calls back starts waves of its own (see abortOwnSignal). @internal
 */
export function cancelLinked(node: CancellationNode, reason: unknown): void {
  const saved = joinWave;
  joinWave = true;
  try {
    node.cancel(reason);
  } finally {
    joinWave = saved;
  }
}

/** Steps 3–5 of a node just cancelled: now, or, while `deferTo` is set, there (then it returns `true`). @internal */
export function scheduleCancellation(node: CancellationNode): boolean {
  node._phase = 3;
  if (deferTo && (deferOnly === node || runDepth >= MAX_NESTED_RUNS)) {
    deferTo.push(node);
    return true;
  }
  // Now. With `deferTo` set, the node was cancelled by another copy's cancellation that this loop's step 4 started
  // (see deferOnly): before that copy goes on to its other dependants and observers, and, as under a teardown, in
  // this wave (that step set inTeardown; an alternating chain of copies nests one loop per level, until
  // MAX_NESTED_RUNS defers them again).
  deferTo = null;
  runCancellations(node);
  return false;
}

/** The stack of the last `runCancellations`, kept for the next one: one array fewer per cancel. */
let spareStack: CancellationNode[] | null = null;

function runCancellations(first: CancellationNode): void {
  // nested runs (a cancellation started by a teardown or an observer) find no spare and allocate their own
  const stack = spareStack ?? [];
  spareStack = null;
  stack.push(first);
  // A loop started inside a teardown of a wave, or by a foreign walk's, joins it; any other starts a wave, which
  // ends with it.
  const tearingDown = inTeardown;
  const joined = tearingDown || joinWave;
  const outerWave = waveEnded;
  if (!joined) waveEnded = null;
  if (carriedWave) {
    (waveEnded ??= []).push(...carriedWave);
    carriedWave = null;
  }
  joinWave = false;
  runDepth++;
  let over = false;
  try {
    while (stack.length) {
      const node = stack[stack.length - 1];
      // Steps 3 and 4 run user code whose cancellations belong to this wave, as under a teardown: the teardown;
      // the abort listeners of another copy's output (this copy's outputs' listeners join it anyway, see
      // abortOwnSignal); another copy's node, whose cancellation (its walk, the observers and listeners it calls
      // back, their cancel() or abort()) may end tasks of this copy. Not the reaction of a dependant that is not a
      // node (cancelWhen, a combinator): its consumer's cancel() is a wave of its own, as is an observer's.
      inTeardown = true;
      // Each step falls through to the next one unless it deferred tasks, which run first
      // (`continue`): a task that causes nothing is done in one pass of the loop.
      if (node._phase === 3) {
        node._phase = 4;
        const waiting = stack.length;
        // What the teardown cancels belongs to this wave: cancelled now, in a loop of its own, or, that deep
        // in nested loops, here, right after the teardown.
        if (runDepth >= MAX_NESTED_RUNS) deferTo = stack;
        node._teardownSource();
        deferTo = null;
        if (stack.length > waiting) {
          reverseFrom(stack, waiting); // run them in the order they were cancelled
          continue;
        }
      }
      if (node._phase === 4) {
        // The linkSignals outputs abort first (see AbortDependant), as those linked to a plain signal do when it
        // aborts; then every dependant reacts in link order, what is linked to an output in the output's turn.
        node._phase = 5;
        if (node._hub?._hasFirst) notifyDependants(node._hub, node._cancellation(), true);
      }
      const dependant = nextDependant(node);
      if (dependant) {
        // A task or a `linkSignals` output: looking for a node's field suffices, and is cheaper than `instanceof
        // Task` (its brand check calls a getter). It may be one of another installed copy given this copy's signal
        // (signalLinks.ts): cancelling it runs that copy's own loop, which cancels the tasks of this copy it reaches
        // in loops of their own, in this wave, before it goes on (see deferOnly); past `MAX_NESTED_RUNS` loops it
        // defers them to this loop's stack, so the stack stays bounded across copies.
        if ((dependant as Partial<CancellationNode>)._phase !== undefined) {
          deferTo = stack;
          deferOnly = dependant as CancellationNode;
          deferOnly.cancel(node._cancellation());
          deferTo = deferOnly = null;
        } else {
          inTeardown = tearingDown;
          try {
            dependant._abortedBy(node._cancellation());
          } catch (error) {
            reportUnhandledError(error);
          }
        }
        continue; // the dependant's own steps (if it was deferred), then the next dependant
      }
      inTeardown = tearingDown;
      stack.pop();
      node._phase = 0;
      // Tasks done with steps 1–4 that a body may wait on (_isWaitedOn) hear of it (step 5) once the whole wave
      // is torn down, in the order they got there: a body still running in the wave, one linked to the same
      // signal as the child it waits on, say, is torn down before that child's end could reach it as a
      // ChildCancelled. The task that started the wave is heard of last.
      if (!stack.length && !joined) over = true;
      else if (node._isWaitedOn()) (waveEnded ??= []).push(node);
      else node._notifyEnd();
    }
  } finally {
    runDepth--;
    // after a throw too: deferOnly would keep the dependant it left, and what its reason names (a loop run by that
    // dependant's own abort listeners ends inside its cancel(), which restores it: see abortOwnSignal)
    deferTo = deferOnly = null;
    inTeardown = tearingDown;
    // a throw may leave tasks behind (cancelled, steps 3–5 undone): never hand those to the next run;
    // the tasks that did finish are still heard of
    if (!stack.length) spareStack = stack;
    if (!joined) endWave(outerWave);
  }
  if (over) first._notifyEnd();
}

/** Step 4: the next dependant of a node's signal to react, if any. */
function nextDependant(node: CancellationNode): AbortDependant | undefined {
  let pending = node._dependantsToNotify;
  if (!pending) {
    const hub = node._hub;
    if (!hub) return undefined; // nothing linked: allocate nothing
    node._hub = null;
    // Walked in link order, not copied: a copy of 10⁵ links is an array V8 puts in fresh memory.
    pending = node._dependantsToNotify = hub.values();
  }
  const dependant = pending.next().value;
  if (!dependant) {
    node._dependantsToNotify = null; // the walk is over: let the dependants go with the hub
  } else if ((dependant as Partial<Task<unknown>>)._parentHub !== undefined) {
    // A linked task (of this copy or another; a `linkSignals` output has no parent hub) would remove itself from
    // the set being walked, which makes V8 shrink and rehash it again and again; it is being handed out, so it has
    // nothing to leave.
    (dependant as Partial<Task<unknown>>)._parentHub = null;
  }
  return dependant;
}

/** A foreign hub's walk (`SignalHub#_wave`): the tasks it cancels, directly or through outputs, are one wave. @internal */
export function asOneWave(walk: (outputsFirst?: true) => void): void {
  const outerWave = waveEnded;
  const wasWalking = walkingWave;
  const own = !inTeardown; // inside a teardown, the tasks join the wave being torn down
  if (own) waveEnded = null;
  // Only while the outputs abort: what the other dependants call back (a cancelWhen consumer's cancel() of another
  // copy's task, whose step 4 aborts an output of this copy) is no part of this wave. Under a teardown, inTeardown
  // is what joins it.
  walkingWave = own;
  try {
    walk(true);
    walkingWave = wasWalking;
    walk();
  } finally {
    walkingWave = wasWalking;
    if (own) endWave(outerWave);
  }
}

/** The current wave is over: the tasks that waited for its end hear of it, outside it (in `outerWave`, if any). */
function endWave(outerWave: CancellationNode[] | null): void {
  const ended = waveEnded;
  waveEnded = outerWave;
  if (ended) for (let i = 0; i < ended.length; i++) ended[i]._notifyEnd();
}

/**
 * Whether a body's error is the abort of its options.signal reaching it first (see Task#_finish): a
 * cancellation, the signal's reason, or an `AbortError` caused by it (what Node's APIs reject with).
 */
function endedByAbort(error: unknown, reason: unknown): boolean {
  try {
    return (
      error instanceof CancelledError ||
      (reason !== undefined &&
        (error === reason || ((error as Error).name === 'AbortError' && (error as Error).cause === reason)))
    );
  } catch {
    return false; // a revoked Proxy, a throwing getter: the body's own failure
  }
}

function reverseFrom(array: unknown[], start: number): void {
  for (let i = start, j = array.length - 1; i < j; i++, j--) {
    const swap = array[i];
    array[i] = array[j];
    array[j] = swap;
  }
}

/**
 * Creates a **pending** task: nothing runs until its first subscription or
 * `start()`.
 *
 * @param source an `ObservableInput`, or a factory `(signal) => ObservableInput`
 *   called with the task's signal when the task starts.
 * @param options `signal` (cancels the task on abort), `name`, `refCount`.
 *
 * The element type is inferred as `from()` and `defer()` infer it: a factory
 * whose branches yield different types makes a task of their union. Given
 * (`task<User>(…)`), the source is checked against it.
 *
 * ```text
 * subscribe: ---^                the first subscription starts the task
 * source:       --a---b---|      subscribed then, once
 * task:      -----a---b---|      every observer shares this one run
 * ```
 *
 * @see `docs/marbles.md#task`: the marble diagrams of `task()`.
 *
 * @example
 * ```ts
 * const user = task((signal) => fetch('/api/user', { signal }).then((r) => r.json()));
 * user.subscribe(render); // starts it; later subscribers share the same request
 * ```
 */
/* eslint-disable @typescript-eslint/unified-signatures -- one signature for a factory and a source infers a factory
   as a source of its own */
export function task<O>(
  source: (signal: AbortSignal) => O extends ObservableInput<unknown> ? O : never,
  options?: TaskOptions,
): Task<ObservedValueOf<O>>;
/** A task of an `ObservableInput`: it yields what `from(source)` would. */
export function task<O>(
  source: O extends ObservableInput<unknown> ? O : never,
  options?: TaskOptions,
): Task<ObservedValueOf<O>>;
/** With the element type given: `task<User>(…)` checks the source against it. */
export function task<T>(source: TaskSource<T>, options?: TaskOptions): Task<T>;
/* eslint-enable @typescript-eslint/unified-signatures */
export function task<T>(source: TaskSource<T>, options?: TaskOptions): Task<T> {
  return new Task(source, options);
}

/**
 * Creates a task and starts it at once: `task(source, options).start()`.
 *
 * ```text
 * startTask(): ^                running at once, with no observer yet
 * source:      --a---b---|
 * subscribe:   -----^           an observer arrives late:
 * observer:    -----ab---|      it gets the latest value first
 * ```
 *
 * @see `docs/marbles.md#task`: the marble diagrams of `task()`.
 *
 * @example
 * ```ts
 * const job = startTask(interval(1000).pipe(take(3)), { name: 'job' });
 * job.state; // 'running', with no subscriber yet
 * ```
 */
/* eslint-disable @typescript-eslint/unified-signatures -- one signature for a factory and a source infers a factory
   as a source of its own */
export function startTask<O>(
  source: (signal: AbortSignal) => O extends ObservableInput<unknown> ? O : never,
  options?: TaskOptions,
): Task<ObservedValueOf<O>>;
/** A started task of an `ObservableInput`: it yields what `from(source)` would. */
export function startTask<O>(
  source: O extends ObservableInput<unknown> ? O : never,
  options?: TaskOptions,
): Task<ObservedValueOf<O>>;
/** With the element type given: `startTask<User>(…)` checks the source against it. */
export function startTask<T>(source: TaskSource<T>, options?: TaskOptions): Task<T>;
/* eslint-enable @typescript-eslint/unified-signatures */
export function startTask<T>(source: TaskSource<T>, options?: TaskOptions): Task<T> {
  constructingFor = 'startTask'; // the constructor reads it first thing, and resets it
  return new Task(source, options).start();
}

/** The export a task is being constructed for, which its argument checks name (`startTask()`, else `task()`). */
let constructingFor = 'task';

/**
 * Two tasks, one linked to the other, each observed, the second's signal and an abort `Event`: made with the
 * first task, never ended, kept for good. V8 forgets an object shape when a full garbage collection finds no
 * object of it, and deoptimizes the code that checks for it: without these, every full collection between two
 * bursts of tasks sent the next burst through unoptimized code (a fan-out of 10⁴ linked tasks, timed after
 * one, took twice as long: BENCHMARKS.md, "Two tasks are kept for good").
 * @internal
 */
export let keptShapes: readonly unknown[] | null = null;

function keepShapes(): void {
  keptShapes = []; // the tasks below are made by this constructor
  // Set with the first task rather than as a class member: a computed member would keep the class in bundles
  // that do not use it. Node's `util.inspect.custom`, a registered symbol: no import of `node:util`, nothing in a
  // browser.
  (Task.prototype as unknown as Record<symbol, unknown>)[Symbol.for('nodejs.util.inspect.custom')] = inspectTask;
  // No error is made here unless signals make theirs without a stack trace (see `signal`): a trace would hold
  // the user's frames, the first task among them, for good.
  const parent = new Task<never>(NEVER);
  const child = new Task<never>(NEVER, { signal: parent.signal });
  parent.subscribe();
  child.subscribe();
  // Node makes an abort's event in JavaScript, of this shape: without one, the code of every cancel() that inlined
  // the abort goes too. A runtime without `Event` (React Native) has no use for it.
  keptShapes = [parent, child, child.signal, typeof Event == 'function' && new Event('abort')];
}

/**
 * What Node's `console.log` and `util.inspect` show of a task: `Task { name, state }`, as `toJSON`, rather than
 * its internals, which a logged `CancelledError` would otherwise print for every task of its chain.
 */
function inspectTask(
  this: Task<unknown>,
  _depth: number,
  options: object,
  inspect?: (value: unknown, options: object) => string,
): string {
  // a runtime that follows the protocol without passing its inspect function gets JSON
  return `Task ${typeof inspect == 'function' ? inspect(this.toJSON(), options) : JSON.stringify(this)}`;
}

/**
 * True for a task of this package, also one made by another installed copy. @internal
 *
 * Reads the brand rather than `instanceof Task` (the same test): the operators that only
 * observe tasks then do not refer to the class, and a bundler leaves it out of them.
 */
export function isTask(value: unknown): value is Task<unknown> {
  return hasBrand(value, TASK_BRAND);
}
