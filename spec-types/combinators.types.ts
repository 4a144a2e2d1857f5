/**
 * whenAllCancellable infers a tuple of results (in source order), whenAnyCancellable a union in
 * which `index` discriminates the type of `value`. A Promise always yields a value; any other
 * source yields its last value or `undefined` when it emitted none.
 */
import { expectTypeOf } from 'expect-type';
import { Observable, of } from 'rxjs';
import {
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type CombinatorOptions,
  type ParticipantResult,
  type ParticipantResults,
  type WhenAnyResult,
} from '../src';

declare const signal: AbortSignal;
const numberTask = task(of(1));
const text = Promise.resolve('text');
const flag$ = of(true);

// --- whenAllCancellable: tuples ------------------------------------------------------------------

expectTypeOf(whenAllCancellable([numberTask, text, flag$])).toEqualTypeOf<
  Observable<[number | undefined, string, boolean | undefined]>
>();
expectTypeOf(whenAllCancellable([text], { signal })).toEqualTypeOf<Observable<[string]>>();
expectTypeOf(whenAllCancellable([])).toEqualTypeOf<Observable<[]>>();
declare const numbers: number[];
declare const names: Set<string>;
expectTypeOf(whenAllCancellable([numbers, names])).toEqualTypeOf<
  Observable<[number | undefined, string | undefined]>
>();
// sources written inline keep their literal types (the type parameter is `const`)
expectTypeOf(whenAllCancellable([[1, 2]])).toEqualTypeOf<Observable<[1 | 2 | undefined]>>();
// a readonly tuple, and a tuple kept in a variable
const pair = [text, Promise.resolve(2)] as const;
expectTypeOf(whenAllCancellable(pair)).toEqualTypeOf<Observable<[string, number]>>();
// an array of unknown length gives an array
declare const many: Observable<number>[];
expectTypeOf(whenAllCancellable(many)).toEqualTypeOf<Observable<(number | undefined)[]>>();
declare const manyPromises: readonly Promise<string>[];
expectTypeOf(whenAllCancellable(manyPromises)).toEqualTypeOf<Observable<string[]>>();
// destructuring in subscribe sees each position's type
whenAllCancellable([text, numberTask]).subscribe(([s, n]) => {
  expectTypeOf(s).toEqualTypeOf<string>();
  expectTypeOf(n).toEqualTypeOf<number | undefined>();
});

expectTypeOf<ParticipantResult<Promise<Date>>>().toEqualTypeOf<Date>();
expectTypeOf<ParticipantResult<Observable<Date>>>().toEqualTypeOf<Date | undefined>();
expectTypeOf<ParticipantResults<[Promise<1>, Observable<2>]>>().toEqualTypeOf<[1, 2 | undefined]>();

// --- whenAnyCancellable: a union discriminated by index -------------------------------------------

const race = whenAnyCancellable([numberTask, text, flag$]);
expectTypeOf(race).toEqualTypeOf<
  Observable<
    { index: 0; value: number | undefined } | { index: 1; value: string } | { index: 2; value: boolean | undefined }
  >
>();
race.subscribe((winner) => {
  if (winner.index === 0) expectTypeOf(winner.value).toEqualTypeOf<number | undefined>();
  else if (winner.index === 1) expectTypeOf(winner.value).toEqualTypeOf<string>();
  else expectTypeOf(winner).toEqualTypeOf<{ index: 2; value: boolean | undefined }>();
  switch (winner.index) {
    case 1:
      expectTypeOf(winner.value.toUpperCase()).toEqualTypeOf<string>();
      break;
    default:
      expectTypeOf(winner.index).toEqualTypeOf<0 | 2>();
  }
});
expectTypeOf(whenAnyCancellable([text], { signal })).toEqualTypeOf<Observable<{ index: 0; value: string }>>();
// an array of unknown length: any index, one value type
expectTypeOf(whenAnyCancellable(many)).toEqualTypeOf<Observable<{ index: number; value: number | undefined }>>();
expectTypeOf<WhenAnyResult<[Promise<'a'>, Promise<'b'>]>>().toEqualTypeOf<
  { index: 0; value: 'a' } | { index: 1; value: 'b' }
>();

expectTypeOf<CombinatorOptions>().toEqualTypeOf<{ signal?: AbortSignal }>();

// --- wrong arguments are compile errors ----------------------------------------------------------

// @ts-expect-error: sources must be an array
whenAllCancellable(of(1));
// @ts-expect-error: sources must be an array
whenAnyCancellable(text);
// @ts-expect-error: every source must be an ObservableInput
whenAllCancellable([of(1), 2]);
// @ts-expect-error: every source must be an ObservableInput
whenAnyCancellable([null]);
// @ts-expect-error: options.signal must be an AbortSignal
whenAllCancellable([text], { signal: true });
// @ts-expect-error: unknown option
whenAnyCancellable([text], { timeout: 5 });
// @ts-expect-error: a participant's result is not what the tuple says
const _wrong: Observable<[number, string]> = whenAllCancellable([text, numberTask]);
