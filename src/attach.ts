import { from, type ObservableInput, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import { CancelledError, ChildCancelled, toChildCancelled } from './errors';
import { reportUnhandledError } from './report';
import { DETECT_MODE, isTask, SHIELD_MODE, type Task, type TaskObserver } from './task';
import { LeanSubscriber } from './leanSubscriber';

/**
 * Attaches `observer` to any ObservableInput the way `detectCancel` does.
 *
 * A task is observed directly, so it delivers `ChildCancelled` itself and no
 * extra subscriber sits on the value path. Another source is subscribed
 * through a subscriber that turns its `CancelledError` into a `ChildCancelled`.
 * This path never makes a task, and does not refer to the class: a bundle
 * that imports only `detectCancel` leaves `Task` out.
 *
 * The observer is its own subscription (an operator's subscriber, `awaitTask`'s waiter): a task adds
 * what detaches the observer to it before it starts (see `Task#_observe`), and the return value is
 * `undefined`; the subscriber made for another source is added to it as RxJS adds any subscriber to
 * its destination, before the source subscribes, and is not returned.
 */
export function attachDetecting<T>(
  source: ObservableInput<T>,
  observer: TaskObserver<T> & Subscription,
  Detecting = DetectingSubscriber,
): Unsubscribable | undefined {
  if (isTask(source)) return (source as Task<T>)._observe(observer, DETECT_MODE, observer);
  subscribeReporting(source, new Detecting(observer)); // added to `observer` already: nothing to return
  return undefined;
}

/**
 * Attaches `observer` to any ObservableInput the way `shield` does: what detaches it goes to
 * `subscription`, before the source is subscribed (a task whose `subscription` has closed already
 * returns it instead, see `Task#_observe`).
 *
 * A task is observed without owning it, and pinned. Another source gets a run of its own that
 * outlives the observer: detaching leaves the source running to its own end, unobserved. That is
 * the run of the new task the contract wraps such a source in (no one else can reach that task, so
 * nothing else could cancel it), without the `Task` class: a bundle that imports only `shield` or
 * `awaitTask` leaves it out.
 */
export function attachShielding<T>(
  source: ObservableInput<T>,
  observer: TaskObserver<T>,
  subscription: Subscription,
): Unsubscribable | undefined {
  if (isTask(source)) return (source as Task<T>)._observe(observer, SHIELD_MODE, subscription);
  const run = new ShieldedRun(observer);
  // Detaching forgets the observer; added before the source subscribes: unsubscribing then detaches at once.
  subscription.add(() => {
    run._observer = null;
  });
  subscribeReporting(source, run);
  return undefined;
}

/**
 * `from(source).subscribe(subscriber)` for a subscriber of the package, which never throws. What can
 * escape RxJS's own handling is a throw from outside the source's subscribe function (a closed `Subject`
 * refuses subscribers that way) or a teardown the source returned after it ended, which RxJS runs at
 * once and rethrows. The first errors the subscriber, as it would error a task; the second is reported,
 * as a task reports a throwing teardown. Either way the caller, which may have linked things to the
 * subscription, goes on to unlink them.
 * @internal
 */
export function subscribeReporting<T>(source: ObservableInput<T>, subscriber: Subscriber<T>): void {
  try {
    from(source).subscribe(subscriber);
  } catch (error) {
    if (subscriber.closed) reportUnhandledError(error);
    else subscriber.error(error);
  }
}

/** Forwards everything, turning an upstream `CancelledError` into a `ChildCancelled`. */
export class DetectingSubscriber<T> extends LeanSubscriber<T> {
  protected override _error(error: unknown): void {
    super._error(toChildCancelled(error));
  }
}

/**
 * One shielded observer's run of a source that is not a task: forwards to the observer until it
 * detaches. It has no destination RxJS could link it to, so the observer's unsubscription does not
 * reach it; a source that tears it down before it ended cancels it, as it would cancel a task. As a
 * task does, it tears the source down before the observer hears the end.
 */
class ShieldedRun<T> extends LeanSubscriber<T> {
  /** @param _observer `null` once it detached (see attachShielding) or the run ended */
  constructor(public _observer: TaskObserver<T> | null) {
    super();
  }

  protected override _next(value: T): void {
    this._observer?.next(value);
  }

  protected override _error(error: unknown): void {
    this._end()?.error(toChildCancelled(error));
  }

  protected override _complete(): void {
    this._end()?.complete();
  }

  /**
   * Someone else tore the run down before the source ended (a source that unsubscribes the subscriber it
   * was given): the wrapped task's cancellation, which the observer hears as a `ChildCancelled`.
   */
  override unsubscribe(): void {
    const observer = this._end();
    observer?.error(new ChildCancelled(new CancelledError()));
  }

  private _end(): TaskObserver<T> | null {
    const observer = this._observer;
    this._observer = null;
    try {
      super.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
    return observer;
  }
}
