import type { ObservableInput, Subscriber, TeardownLogic, Unsubscribable } from 'rxjs';
import { attach } from './attach';
import { CancelledError } from './errors';
import { reportUnhandledError } from './report';
import { linkToSignal, type AbortDependant, type SignalHub } from './signalLinks';
import { DETECT_MODE, isTask, runToCompletion, type TaskObserver } from './task';

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
  protected ended = false;
  protected readonly values: unknown[];
  private readonly subscriptions: (Unsubscribable | undefined)[];
  private hub: SignalHub | null = null;
  /** Participants [0, subscribed) have been attached. */
  private subscribed = 0;
  private subscribing = false;
  /** An end that happened while a participant was being attached; see `end`. */
  private deferredEnd: (() => void) | null = null;

  constructor(
    protected readonly sources: readonly ObservableInput<unknown>[],
    private readonly signal: AbortSignal | undefined,
    protected readonly destination: Subscriber<R>,
  ) {
    this.values = new Array<unknown>(sources.length).fill(undefined);
    this.subscriptions = new Array<Unsubscribable | undefined>(sources.length).fill(undefined);
  }

  /** A participant completed. */
  protected abstract completed(index: number): void;
  /** There are no participants. */
  protected abstract empty(): void;

  run(): TeardownLogic {
    const { signal, sources } = this;
    if (signal?.aborted) {
      this.ended = true;
      this.abandonPending(signal.reason);
      this.destination.error(new CancelledError(signal.reason));
      return undefined;
    }
    if (sources.length === 0) {
      this.ended = true;
      this.empty();
      return undefined;
    }
    if (signal !== undefined) this.hub = linkToSignal(signal, this);
    for (let i = 0; i < sources.length && !this.ended; i++) {
      this.subscribed = i + 1;
      this.subscribing = true;
      this.subscriptions[i] = attach(sources[i], new Participant(this, i), DETECT_MODE);
      this.subscribing = false;
      const end = this.deferredEnd;
      if (end !== null) {
        this.deferredEnd = null;
        end();
      }
    }
    return () => this.unsubscribed();
  }

  /** @see Participant */
  participantNext(index: number, value: unknown): void {
    this.values[index] = value;
  }

  participantError(error: unknown): void {
    if (this.ended) return;
    const signal = this.signal;
    if (signal?.aborted === true && error instanceof CancelledError) {
      this.fail(new CancelledError(signal.reason), signal.reason); // our own cancellation
    } else {
      this.fail(error, error);
    }
  }

  participantComplete(index: number): void {
    if (!this.ended) this.completed(index);
  }

  /** The caller's signal aborted. */
  abortedBy(reason: unknown): void {
    this.hub = null; // the hub has let go of us already
    if (!this.ended) this.fail(new CancelledError(reason), reason);
  }

  /** Ends early with `error`, cancelling unstarted pending participants with `reason`. */
  private fail(error: unknown, reason: unknown): void {
    this.end(() => {
      this.abandonPending(reason);
      this.destination.error(error);
    });
  }

  /**
   * Ends the run: unlinks the signal, releases every participant, then
   * reports. While a participant is still being attached, its subscription
   * is not known yet: the attach loop finishes the end once it returns.
   */
  protected end(report: () => void): void {
    this.ended = true;
    this.unlink();
    const finish = () => {
      this.releaseAll();
      report();
    };
    if (this.subscribing) this.deferredEnd = finish;
    else finish();
  }

  private unsubscribed(): void {
    if (this.ended) return;
    this.ended = true;
    this.unlink();
    this.releaseEach(); // normal propagation: nothing is reported afterwards
    this.abandonPending(undefined);
  }

  /** Releases every participant; their teardowns have run when it returns. */
  private releaseAll(): void {
    runToCompletion(() => this.releaseEach());
  }

  private releaseEach(): void {
    const subscriptions = this.subscriptions;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i];
      if (subscription === undefined) continue;
      subscriptions[i] = undefined;
      try {
        subscription.unsubscribe();
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }

  /** Cancels the pending tasks among the participants never attached. */
  private abandonPending(reason: unknown): void {
    const { sources } = this;
    for (let i = this.subscribed; i < sources.length; i++) {
      const source = sources[i];
      if (isTask(source) && source.state === 'pending') source.cancel(reason);
    }
  }

  private unlink(): void {
    this.hub?.remove(this);
    this.hub = null;
  }
}

/** One participant's observer. */
class Participant implements TaskObserver<unknown> {
  constructor(
    private readonly combination: Combination<unknown>,
    private readonly index: number,
  ) {}
  next(value: unknown): void {
    this.combination.participantNext(this.index, value);
  }
  error(error: unknown): void {
    this.combination.participantError(error);
  }
  complete(): void {
    this.combination.participantComplete(this.index);
  }
}
