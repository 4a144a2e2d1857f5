import { from, type ObservableInput, type Unsubscribable } from 'rxjs';
import { toChildCancelled } from './errors';
import { isTask, PINNING, Task, type TaskObserver } from './task';
import { LeanSubscriber } from './leanSubscriber';

/**
 * Attaches `observer` to any ObservableInput the way `detectCancel`
 * (`DETECT_MODE`) or `shield` (`SHIELD_MODE`) does.
 *
 * A task is observed directly, so it delivers `ChildCancelled` itself and no
 * extra subscriber sits on the value path. Another source is subscribed
 * through a subscriber that turns its `CancelledError` into a
 * `ChildCancelled`, or, when shielding, first wrapped in a new task of its
 * own (so every subscription still runs the source afresh).
 */
export function attach<T>(
  source: ObservableInput<T>,
  observer: TaskObserver<T>,
  mode: number,
): Unsubscribable | undefined {
  if (isTask(source)) return (source as Task<T>)._observe(observer, mode);
  if ((mode & PINNING) !== 0) return new Task(source)._observe(observer, mode);
  return from(source).subscribe(new DetectingSubscriber(observer));
}

/** Forwards everything, turning an upstream `CancelledError` into a `ChildCancelled`. */
class DetectingSubscriber<T> extends LeanSubscriber<T> {
  protected override _error(error: unknown): void {
    super._error(toChildCancelled(error));
  }
}
