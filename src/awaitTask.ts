import { Subscription, type ObservableInput, type ObservedValueOf } from 'rxjs';
import { attachDetecting, attachShielding, DetectingSubscriber } from './attach';
import { CancelledError } from './errors';
import { dropPromise, reportUnhandledError } from './report';
import { linkToSignal, type AbortDependant, type SignalHub } from './signalLinks';
import type { TaskObserver } from './task';
import { checkObservableInput, checkOptions } from './validate';

/** Options of `awaitTask()`. */
export interface AwaitTaskOptions {
  /** The caller's own cancellation: rejects with `CancelledError(signal.reason)` and releases the source. */
  signal?: AbortSignal | undefined;
  /**
   * `true`: observe without owning, as `shield()` does: the task is pinned for
   * good (no unsubscription can cancel it any more, with or without a `signal`),
   * and when `signal` aborts it is left running.
   */
  shield?: boolean | undefined;
}

/**
 * Awaits a task (or any ObservableInput) with async/await and answers who was
 * cancelled. Resolves with the last value (`undefined` if there was none).
 * Rejects with:
 * - the source's own error;
 * - `ChildCancelled` when the task was cancelled by someone else;
 * - `CancelledError` with `reason === signal.reason` when `signal` aborts
 *   (the caller's own cancellation): the task is released first, or left
 *   running with `shield: true`. A cancellation that arrives while `signal`
 *   is aborted counts as this case.
 *
 * An already aborted signal rejects without subscribing anything (a promise
 * given then gets a rejection handler: its own rejection is dropped, never
 * unhandled). Bad arguments give a promise rejected with a `TypeError`.
 *
 * ```text
 * child:       --a---b---|
 * awaitTask(): ----------(b)        resolves with the last value
 *
 * child:       --a---X              X: child.cancel('r') by someone else
 * awaitTask(): ------(#)            rejects: ChildCancelled { child, reason: 'r' }
 *
 * child:       --a-------           released at A (cancelled if it was the last owner)
 * signal:      ------A              A: the caller's signal aborts with 'r'
 * awaitTask(): ------(#)            rejects: CancelledError { reason: 'r' }, no task
 * ```
 *
 * @see `docs/marbles.md#detectcancel` and `docs/marbles.md#shield`: `awaitTask()` reports a
 *   child's cancellation as `detectCancel()` does, and with `shield: true` leaves it running as
 *   `shield()` does.
 *
 * @example
 * ```ts
 * const parent = task(async (signal) => {
 *   try {
 *     return await awaitTask(child, { signal });
 *   } catch (e) {
 *     if (e instanceof ChildCancelled) return 'child was cancelled';
 *     throw e; // our own cancellation (signal.aborted) or the child's error
 *   }
 * });
 * ```
 */
export function awaitTask<O extends ObservableInput<unknown>>(
  source: O,
  options?: AwaitTaskOptions,
): Promise<ObservedValueOf<O> | undefined>;
/** With the element type given: `awaitTask<User>(source)` checks the source against it. */
export function awaitTask<T>(source: ObservableInput<T>, options?: AwaitTaskOptions): Promise<T | undefined>;
export function awaitTask<T>(source: ObservableInput<T>, options?: AwaitTaskOptions): Promise<T | undefined> {
  let signal: AbortSignal | undefined;
  let shielded: boolean;
  try {
    checkObservableInput('awaitTask', source);
    const checked = checkOptions('awaitTask', options, { shield: 'boolean' });
    signal = checked.signal;
    shielded = checked.shield === true;
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    if (signal?.aborted) {
      dropPromise(source);
      reject(new CancelledError(signal.reason));
      return;
    }
    const waiter = new Waiter<T>(resolve, reject, signal);
    if (signal !== undefined) waiter._hub = linkToSignal(signal, waiter);
    // The waiter is the subscription too, known before the source is subscribed: a signal that aborts while
    // the source is still subscribing releases it then (a task in its factory never subscribes what it returns).
    if (shielded) attachShielding(source, waiter, waiter);
    else attachDetecting(source, waiter, ReportingSubscriber);
  });
}

/** The promise's observer of the source, and its subscription to it. */
class Waiter<T> extends Subscription implements TaskObserver<T>, AbortDependant {
  private _settled = false;
  _hub: SignalHub | null = null;
  private _last: T | undefined = undefined;

  constructor(
    private readonly _resolve: (value: T | undefined) => void,
    private readonly _reject: (error: unknown) => void,
    private readonly _signal: AbortSignal | undefined,
  ) {
    super();
  }

  next(value: T): void {
    this._last = value;
  }

  complete(): void {
    if (this._settle()) this._resolve(this._last);
  }

  error(error: unknown): void {
    if (!this._settle()) return;
    const signal = this._signal;
    // a cancellation that arrives while the signal is aborted: our own
    this._reject(signal?.aborted && error instanceof CancelledError ? new CancelledError(signal.reason) : error);
  }

  _abortedBy(reason: unknown): void {
    this._hub = null; // the hub has let go of us already
    if (!this._settle()) return;
    // Releases the source (a shielded task keeps running). A throwing teardown is reported, as everywhere in the
    // package: it must not keep the promise from settling, nor vanish inside the Promise executor (an abort while
    // the source subscribes), which swallows what it throws.
    try {
      this.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
    this._reject(new CancelledError(reason));
  }

  private _settle(): boolean {
    if (this._settled) return false;
    this._settled = true;
    this._hub?.delete(this);
    this._hub = null;
    return true;
  }
}

/**
 * The subscriber of a source that is not a task. A teardown that throws as the source ends is reported, as a task,
 * a shielded run and the combinators report it, rather than thrown back at the source (RxJS's rule for an
 * operator, and `lastValueFrom`'s): a promise consumer is the end of the chain, and a `Subject` feeding the source
 * would otherwise stop notifying its other observers there.
 */
class ReportingSubscriber<T> extends DetectingSubscriber<T> {
  override unsubscribe(): void {
    try {
      super.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
  }
}
