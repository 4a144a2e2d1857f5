import { Observable, type MonoTypeOperatorFunction, type ObservableInput, type ObservedValueOf } from 'rxjs';
import { attachDetecting } from './attach';
import { checkObservableInput } from './validate';

/**
 * Makes a child's cancellation visible as a `ChildCancelled` error, while the
 * consumer's own unsubscription propagates as usual.
 *
 * An upstream `CancelledError` that is not already a `ChildCancelled` becomes
 * `new ChildCancelled(error)` (its `cause`); every other notification passes
 * unchanged. On a task, subscribing through `detectCancel` owns the task just
 * like a plain subscription: unsubscribing releases it.
 *
 * ```text
 * child:          --a---b---X          X: child.cancel('r') by someone else
 * detectCancel(): --a---b---#          #: ChildCancelled { child, reason: 'r' }
 *
 * child:          --a---b-------
 * detectCancel(): --a---b--!           !: the consumer unsubscribes: the child
 *                                         is released (cancelled if it was the last owner)
 * ```
 *
 * @see `docs/marbles.md#detectcancel`: the marble diagrams of `detectCancel()`.
 *
 * @example
 * ```ts
 * child.pipe(detectCancel()).subscribe({
 *   error: (e) => {
 *     if (e instanceof ChildCancelled) console.log('child was cancelled:', e.reason);
 *   },
 * });
 * ```
 */
export function detectCancel<T>(): MonoTypeOperatorFunction<T>;
/** Over a source: it yields what `from(source)` would (a union of sources gives the union of their values). */
export function detectCancel<O extends ObservableInput<unknown>>(source: O): Observable<ObservedValueOf<O>>;
/** With the element type given: `detectCancel<User>(source)` checks the source against it. */
export function detectCancel<T>(source: ObservableInput<T>): Observable<T>;
export function detectCancel<T>(...args: [] | [ObservableInput<T>]): MonoTypeOperatorFunction<T> | Observable<T> {
  return args.length ? detecting(args[0]) : (source: Observable<T>) => detecting(source);
}

function detecting<T>(source: ObservableInput<T>): Observable<T> {
  checkObservableInput('detectCancel', source);
  return new Observable<T>((subscriber) => attachDetecting(source, subscriber));
}
