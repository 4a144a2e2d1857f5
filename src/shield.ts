import { Observable, type MonoTypeOperatorFunction, type ObservableInput, type ObservedValueOf } from 'rxjs';
import { attachShielding } from './attach';
import { checkObservableInput } from './validate';

/**
 * Observes a task without owning it: the consumer's unsubscription no longer
 * reaches the task, which keeps running to its own end and keeps its result
 * for later subscribers. The task is pinned for the rest of its life, so no
 * unsubscription of anyone can cancel it any more; `cancel()` and its signal
 * still can, and the consumer then hears a `ChildCancelled`.
 *
 * On a source that is not a task, no task is made: each subscription runs
 * the source on a subscription of its own that outlives the consumer, as a
 * task would (the result stays cold).
 *
 * ```text
 * child:    --a---b---c---|        keeps running after the consumer left
 * shield(): --a---b-!
 *
 * child:    --a---X                X: child.cancel('r')
 * shield(): --a---#                #: ChildCancelled { child, reason: 'r' }
 * ```
 *
 * @see `docs/marbles.md#shield`: the marble diagrams of `shield()`.
 *
 * @example
 * ```ts
 * // Saving must finish even if the user closes the dialog that started it.
 * const save = task((signal) => fetch('/api/save', { method: 'POST', body, signal }));
 * dialogResult$ = save.pipe(shield());
 * ```
 */
export function shield<T>(): MonoTypeOperatorFunction<T>;
/** Over a source: it yields what `from(source)` would (a union of sources gives the union of their values). */
export function shield<O extends ObservableInput<unknown>>(source: O): Observable<ObservedValueOf<O>>;
/** With the element type given: `shield<User>(source)` checks the source against it. */
export function shield<T>(source: ObservableInput<T>): Observable<T>;
export function shield<T>(...args: [] | [ObservableInput<T>]): MonoTypeOperatorFunction<T> | Observable<T> {
  return args.length ? shielding(args[0]) : (source: Observable<T>) => shielding(source);
}

function shielding<T>(source: ObservableInput<T>): Observable<T> {
  checkObservableInput('shield', source);
  return new Observable<T>((subscriber) => attachShielding(source, subscriber, subscriber));
}
