import { Observable, type ObservableInput, type ObservedValueOf } from 'rxjs';
import { Combination } from './combination';
import { checkSignalOption, checkSources } from './validate';

/**
 * The result of one participant: a Promise always yields a value, any
 * other source yields its last value or `undefined` if it emitted none.
 */
export type ParticipantResult<S> = S extends PromiseLike<infer V> ? V : ObservedValueOf<S> | undefined;

/** The results of a list of participants, in source order. */
export type ParticipantResults<S extends readonly unknown[]> = { -readonly [K in keyof S]: ParticipantResult<S[K]> };

/** Options of `whenAllCancellable()` and `whenAnyCancellable()`. */
export interface CombinatorOptions {
  /** The caller's own cancellation token. */
  signal?: AbortSignal | undefined;
}

/**
 * Waits for all participants (tasks or any ObservableInput) and emits their
 * results in source order, then completes: C++ PPL's `when_all` given a
 * cancellation token. It ends early only when
 * - a participant errors: the others are released, **then** the error is
 *   emitted (the first error wins);
 * - a participant is cancelled by someone else: the others are released,
 *   then a `ChildCancelled` naming it is emitted;
 * - `signal` aborts: all are released, then `CancelledError` with
 *   `reason === signal.reason` and no task is emitted (a participant
 *   cancellation that arrives while `signal` is aborted counts as this).
 *
 * The result is cold: participants start when it is subscribed. An already
 * aborted signal errors at once and starts nothing; `[]` gives `[]`.
 * Released participants owned only by this combinator are cancelled; pending
 * tasks it never got to start are cancelled without starting.
 *
 * ```text
 * a:      --1--2--|
 * b:      -----x-----|
 * result: -----------([2,x]|)
 *
 * a:      --1--X               X: a.cancel('r') by someone else
 * b:      -------------        (released at X: its teardown runs first)
 * result: -----#               #: ChildCancelled { child: a, reason: 'r' }
 * ```
 *
 * @see `docs/marbles.md#whenallcancellable`: the marble diagrams of `whenAllCancellable()`.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * whenAllCancellable([user, settings], { signal: controller.signal })
 *   .subscribe(([u, s]) => render(u, s)); // [User | undefined, Settings | undefined]: an Observable may complete empty
 * ```
 */
export function whenAllCancellable<const S extends readonly ObservableInput<unknown>[]>(
  sources: S,
  options?: CombinatorOptions,
): Observable<ParticipantResults<S>> {
  const participants = checkSources('whenAllCancellable', sources);
  const signal = checkSignalOption('whenAllCancellable', options);
  return new Observable<ParticipantResults<S>>((subscriber) =>
    new WhenAll<ParticipantResults<S>>(participants, signal, subscriber)._run(),
  );
}

class WhenAll<R> extends Combination<R> {
  override _completed(): void {
    // an empty list gets here once, from 0 down to -1: `[]` gives `[]` (see Combination#_run)
    if (--this._remaining > 0) return;
    this._end(() => {
      this._destination.next(this._values as R);
      this._destination.complete();
    });
  }
}
