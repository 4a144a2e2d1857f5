import { type ObservableInput, type Subscriber } from 'rxjs';
import { subscribeReporting } from './attach';
import { CancelledError, ChildCancelled, toChildCancelled } from './errors';
import { LeanSubscriber } from './leanSubscriber';
import { dropPromise, reportUnhandledError } from './report';
import { linkToSignal, type AbortDependant, type SignalHub } from './signalLinks';
import { DETECT_MODE, isTask, runToCompletion } from './task';

/**
 * What `whenAllCancellable` and `whenAnyCancellable` share: one run per
 * subscription, owning every participant through `detectCancel` semantics,
 * linked to the caller's signal, and ending early only when
 * - a participant errors (its error is reported),
 * - a participant is cancelled by someone else (its `ChildCancelled`),
 * - the signal aborts (`CancelledError(signal.reason)`, no task), which also
 *   covers a participant cancellation that arrives while the signal is aborted.
 *
 * Every early end releases the other participants *before* it reports, and
 * cancels, without starting them, the pending tasks it had not subscribed yet
 * (PPL's "a cancelled group never starts its pending tasks" deadlock).
 * @internal
 */
export abstract class Combination<R> implements AbortDependant {
  /** @internal ended early, released, or won: no participant's notification counts any more */
  _ended = false;
  /** @internal written by the participants */
  readonly _values: unknown[];
  /** Participants that have not completed yet. */
  protected _remaining: number;
  /** The participants attached and not yet released: each is its own subscription. */
  private readonly _participants: (Participant | undefined)[];
  /** The signal's hub while linked: left where the run ends (`_end`, `unsubscribe`) or by the hub's abort. */
  private _hub: SignalHub | null = null;
  /** Participants [0, subscribed) have been attached. */
  private _subscribed = 0;
  /** True while the participants are being attached (see `_run`). */
  private _subscribing = false;
  /** The report of an end that happened while a participant was being attached; see `_end`. */
  private _deferredReport: (() => void) | null = null;

  constructor(
    protected readonly _sources: readonly ObservableInput<unknown>[],
    private readonly _signal: AbortSignal | undefined,
    protected readonly _destination: Subscriber<R>,
  ) {
    this._participants = (this._values = _sources.map(() => undefined)).slice();
    this._remaining = _sources.length;
  }

  /**
   * @internal a participant completed while the run goes on; also called once, with index -1, by a run
   * without participants, which is over as it starts (only whenAll has one: whenAny refuses an empty list)
   */
  abstract _completed(index: number): void;

  _run(): void {
    const { _signal: signal, _sources: sources } = this;
    // A promise participant's rejection is handled from here on, also where the run ends before subscribing it
    // (an aborted signal, an earlier participant failing or winning, the result unsubscribed): as `await` would.
    sources.forEach(dropPromise);
    if (signal?.aborted) {
      this._abortedBy(signal.reason); // before any participant: nothing to release, the pending ones cancelled
      return;
    }
    if (!sources.length) {
      this._completed(-1); // as if its last participant completed: ends the run, which releases nothing
      return;
    }
    if (signal) this._hub = linkToSignal(signal, this);
    // Added first, not returned last: the result unsubscribed while a participant subscribes releases every
    // participant then, that one included, as RxJS's forkJoin does; no more participants start.
    this._destination.add(this);
    // Only the participants' subscribe calls (and a source's brand getter) run code of others in this loop:
    // an end during the loop happened while one was subscribing, and stops the loop there.
    this._subscribing = true;
    for (let i = 0; i < sources.length && !this._ended; i++) {
      this._subscribed = i + 1;
      const source = sources[i];
      // A participant is its own subscription, known before its source is subscribed, so that an end while
      // that source is still subscribing releases it at once (attachDetecting() without its
      // DetectingSubscriber: a participant detects by itself, one object fewer each).
      const participant = (this._participants[i] = new Participant(this, i));
      if (isTask(source)) source._observe(participant, DETECT_MODE, participant);
      else subscribeReporting(source, participant);
    }
    this._subscribing = false;
    this._deferredReport?.(); // the report of that end, now that the participant's subscribe call returned
  }

  _participantError(error: unknown): void {
    if (this._ended) return;
    const signal = this._signal;
    if (signal?.aborted && error instanceof CancelledError) {
      this._fail(new CancelledError(signal.reason), signal.reason); // our own cancellation
    } else {
      this._fail(error, error);
    }
  }

  /** The caller's signal aborted. */
  _abortedBy(reason: unknown): void {
    this._hub = null; // the hub has let go of us already
    if (!this._ended) this._fail(new CancelledError(reason), reason);
  }

  /** Ends early with `error`, cancelling unstarted pending participants with `reason`. */
  private _fail(error: unknown, reason: unknown): void {
    this._end(() => {
      this._abandonPending(reason);
      this._destination.error(error);
    });
  }

  /**
   * Ends the run: unlinks the signal, releases every participant, their teardowns included, then reports.
   * A participant still inside its subscribe call is released (closed) at once, but its source returns its
   * teardown only when that call returns: the report waits for it, after the attach loop.
   */
  protected _end(report: () => void): void {
    this._ended = true;
    this._hub?.delete(this);
    this._hub = null;
    runToCompletion(() => this._releaseEach());
    if (this._subscribing) this._deferredReport = report;
    else report();
  }

  /** The result unsubscribed (the run is its finalizer: no closure per run). @internal */
  unsubscribe(): void {
    if (this._ended) return;
    this._ended = true;
    this._hub?.delete(this);
    this._hub = null;
    this._releaseEach(); // normal propagation: nothing is reported afterwards
    this._abandonPending();
  }

  private _releaseEach(): void {
    const participants = this._participants;
    for (let i = 0; i < participants.length; i++) {
      const participant = participants[i];
      participants[i] = undefined;
      participant?.unsubscribe(); // reports what a teardown throws
    }
  }

  /** Cancels the pending tasks among the participants never attached. */
  private _abandonPending(reason?: unknown): void {
    const sources = this._sources;
    for (let i = this._subscribed; i < sources.length; i++) {
      const source = sources[i];
      if (isTask(source) && source.state === 'pending') source.cancel(reason);
    }
  }
}

/**
 * One participant's observer: a task's observer (attached in DETECT_MODE, the
 * task delivers ChildCancelled itself), or, for any other source, its
 * subscriber, which turns an upstream CancelledError into a ChildCancelled
 * as DetectingSubscriber does.
 */
class Participant extends LeanSubscriber<unknown> {
  constructor(
    private readonly _combination: Combination<unknown>,
    private readonly _index: number,
  ) {
    super();
  }
  protected override _next(value: unknown): void {
    this._combination._values[this._index] = value;
  }
  // As a task does, the participant tears its source down before the run hears its end: a teardown that
  // aborts the run's signal then makes the end the caller's own cancellation.
  protected override _error(error: unknown): void {
    this._close();
    this._combination._participantError(toChildCancelled(error));
  }
  protected override _complete(): void {
    this._close();
    if (!this._combination._ended) this._combination._completed(this._index);
  }
  /**
   * Called by the run's release, or by a source that unsubscribes the subscriber it was given before it
   * ended. A participant wrapped in a task would be cancelled by the latter; so is this one.
   */
  override unsubscribe(): void {
    const bySource = !this.closed && !this._combination._ended;
    this._close();
    if (bySource) this._combination._participantError(new ChildCancelled(new CancelledError()));
  }
  /** Tears the source down, reporting a throwing teardown as a task does. */
  private _close(): void {
    try {
      super.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
  }
}
