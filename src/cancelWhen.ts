import { Observable, Subscriber, type MonoTypeOperatorFunction } from 'rxjs';
import { subscribeReporting } from './attach';
import { CancelledError } from './errors';
import { reportUnhandledError } from './report';
import { runToCompletion } from './task';
import { linkToSignal, type AbortDependant, type SignalHub } from './signalLinks';
import { checkObservableInput, checkSignal } from './validate';
import { LeanSubscriber } from './leanSubscriber';

/**
 * Cancels the subscription to the source when `signal` aborts: the source is
 * unsubscribed first, **then** the output errors with a `CancelledError`
 * whose `reason` is `signal.reason`. An already aborted signal errors at
 * subscription without subscribing the source.
 *
 * A `CancelledError` from upstream that arrives while `signal` is aborted is
 * reported the same way: it is this consumer's own cancellation.
 *
 * ```text
 * source:        --a---b---c---d--
 * signal:        ---------A            A: controller.abort('r')
 * cancelWhen():  --a---b--#            #: CancelledError { reason: 'r' }
 * ```
 *
 * @see `docs/marbles.md#cancelwhensignal`: the marble diagrams of `cancelWhen(signal)`.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * interval(100).pipe(cancelWhen(controller.signal)).subscribe({ error: (e) => console.log(String(e)) });
 * controller.abort('stop'); // logs "CancelledError: operation was cancelled: stop"
 * ```
 */
export function cancelWhen<T>(signal: AbortSignal): MonoTypeOperatorFunction<T> {
  checkSignal('cancelWhen', signal);
  return (source) => {
    checkObservableInput('cancelWhen', source); // called as cancelWhen(signal)(source) by hand
    return new Observable<T>((subscriber) => {
      if (signal.aborted) {
        subscriber.error(new CancelledError(signal.reason));
        return;
      }
      const inner = new CancelWhenSubscriber(subscriber, signal);
      // a subscriber closed already (forkJoin after an empty source) is closed at birth: nothing to link
      if (!inner.closed) inner._hub = linkToSignal(signal, inner);
      inner._subscribing = true;
      // never throws: a teardown returned after the abort closed us, which RxJS runs at once, is reported
      // if it throws, so that the consumer still hears the cancellation
      subscribeReporting(source, inner);
      inner._subscribing = false;
      // the signal aborted while the source subscribed: the teardown it returned has run now (RxJS runs
      // one added to a closed subscription at once), so the error may go
      if (inner._abortError) subscriber.error(inner._abortError);
    });
  };
}

class CancelWhenSubscriber<T> extends LeanSubscriber<T> implements AbortDependant {
  _hub: SignalHub | null = null;
  /** True while the source is inside its subscribe call: its teardown is not ours yet. */
  _subscribing = false;
  /** The error of an abort that came while subscribing, for the subscribe call to deliver. */
  _abortError: CancelledError | null = null;

  constructor(
    private readonly _downstream: Subscriber<T>,
    private readonly _signal: AbortSignal,
  ) {
    super(_downstream);
  }

  _abortedBy(reason: unknown): void {
    this._hub = null; // the hub has let go of us already
    // Release before report: a task this releases is torn down now, even when the abort comes from a teardown
    // more than MAX_NESTED_RUNS loops deep, or from step 4, which would otherwise defer it past the error.
    try {
      runToCompletion(() => this.unsubscribe());
    } catch (error) {
      reportUnhandledError(error); // a throwing teardown does not stop the cancellation
    }
    const error = new CancelledError(reason);
    if (this._subscribing) this._abortError = error;
    else this._downstream.error(error);
  }

  /**
   * Subscriber's own `_next` does the same, but V8 keeps one feedback vector for it across every subscriber class:
   * with this subscriber ahead of the consumer's, its `destination.next` call sees two targets and inlines worse,
   * ≈ 1 ns a value (BENCHMARKS.md, "Hot paths the issue does not name"). Called only while not stopped.
   */
  protected override _next(value: T): void {
    this._downstream.next(value);
  }

  protected override _error(error: unknown): void {
    super._error(
      this._signal.aborted && error instanceof CancelledError ? new CancelledError(this._signal.reason) : error,
    );
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this._hub?.delete(this);
    this._hub = null;
    super.unsubscribe();
  }
}
