import { Observable, type ObservableInput } from 'rxjs';
import { Combination } from './combination';
import { checkSignalOption, checkSources, typeError } from './validate';
import type { CombinatorOptions, ParticipantResult } from './whenAllCancellable';

/**
 * What `whenAnyCancellable` emits: the winner's index and result, as a union over the participants,
 * so that checking `index` narrows the type of `value`.
 */
export type WhenAnyResult<S extends readonly unknown[]> = {
  [K in keyof S]: {
    /** The winner's position in `sources`: a literal type when `sources` is a tuple. */
    index: K extends `${infer N extends number}` ? N : number;
    /** The winner's result (see {@link ParticipantResult}). */
    value: ParticipantResult<S[K]>;
  };
}[number];

/**
 * Races participants (tasks or any ObservableInput): the first one to
 * complete wins; the others are released **before** `{ index, value }` is
 * emitted and the result completes. C++ PPL's `when_any` given a
 * cancellation token.
 *
 * A participant that errors or is cancelled before there is a winner ends
 * the race as in `whenAllCancellable` (its error, or a `ChildCancelled`),
 * and so does the abort of `signal` (`CancelledError(signal.reason)`).
 * An empty list is a `TypeError`: a race without runners has no winner.
 *
 * ```text
 * a:      ----1----|
 * b:      --x--|               b wins; a is released before the result
 * result: -----({index:1,value:x}|)
 * ```
 *
 * @see `docs/marbles.md#whenanycancellable`: the marble diagrams of `whenAnyCancellable()`.
 *
 * @example
 * ```ts
 * whenAnyCancellable([fromPrimary, fromReplica]).subscribe(({ index, value }) =>
 *   console.log(`answer from ${index === 0 ? 'primary' : 'replica'}`, value),
 * );
 * ```
 */
export function whenAnyCancellable<const S extends readonly ObservableInput<unknown>[]>(
  sources: S,
  options?: CombinatorOptions,
): Observable<WhenAnyResult<S>> {
  const participants = checkSources('whenAnyCancellable', sources);
  // "…, got an array of length 0": the wording every argument check shares (a message of its own cost ≈ 12 B)
  if (!participants.length) throw typeError('whenAnyCancellable', 'at least one source', participants);
  const signal = checkSignalOption('whenAnyCancellable', options);
  return new Observable<WhenAnyResult<S>>((subscriber) =>
    new WhenAny<WhenAnyResult<S>>(participants, signal, subscriber)._run(),
  );
}

class WhenAny<R> extends Combination<R> {
  override _completed(index: number): void {
    this._end(() => {
      this._destination.next({ index, value: this._values[index] } as R);
      this._destination.complete();
    });
  }
}
