/**
 * What TypeScript infers for the sources, participants, options and errors of every export, as a review of the public
 * types in the nineteenth landing checked them against the contract and docs (each pinned here so that it stays
 * right), and the union sources that review found refused by `awaitTask`, `detectCancel` and `shield` (now inferred
 * as `task()` infers them). The limits it found that the types do not express (strings, a task or controller given as
 * options, `whenAnyCancellable([])`, `task<number[]>([1, 2])`) are listed in docs/semantics.md, "Types".
 */
import { expectTypeOf } from 'expect-type';
import { EMPTY, Observable, of, type ObservableInput } from 'rxjs';
import {
  awaitTask,
  cancelWhen,
  CancelledError,
  ChildCancelled,
  detectCancel,
  linkSignals,
  shield,
  startTask,
  Task,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type ParticipantResult,
  type ParticipantResults,
  type TaskSource,
  type WhenAnyResult,
} from '../src';

declare const signal: AbortSignal;
declare const cond: boolean;
declare const stringTask: Task<string>;
declare const numberTask: Task<number>;

// --- a union of sources gives the union of their values, in every export that takes a source --------------
expectTypeOf(awaitTask(cond ? of('a') : Promise.resolve(1))).toEqualTypeOf<Promise<string | number | undefined>>();
expectTypeOf(awaitTask(cond ? stringTask : numberTask)).toEqualTypeOf<Promise<string | number | undefined>>();
expectTypeOf(detectCancel(cond ? stringTask : numberTask)).toEqualTypeOf<Observable<string | number>>();
expectTypeOf(shield(cond ? of('a') : Promise.resolve(1))).toEqualTypeOf<Observable<string | number>>();
expectTypeOf(task(cond ? of('a') : Promise.resolve(1))).toEqualTypeOf<Task<string | number>>();
expectTypeOf(task(cond ? stringTask : numberTask)).toEqualTypeOf<Task<string | number>>();
// the element type given explicitly still checks the source
expectTypeOf(awaitTask<number>(of(1))).toEqualTypeOf<Promise<number | undefined>>();
// @ts-expect-error -- of('a') is not a source of numbers
awaitTask<number>(of('a'));
// @ts-expect-error -- the same through detectCancel
detectCancel<number>(of('a'));

// --- task() from each kind of factory result -----------------------------------------------------
expectTypeOf(
  task(async function* (s) {
    yield s.aborted;
  }),
).toEqualTypeOf<Task<boolean>>();
expectTypeOf(
  task(function* () {
    yield 1 as number;
    return 'ignored';
  }),
).toEqualTypeOf<Task<number>>();
expectTypeOf(task(() => new Promise<never>(() => undefined))).toEqualTypeOf<Task<never>>();
expectTypeOf(task(async () => undefined as void)).toEqualTypeOf<Task<void>>();
expectTypeOf(task(() => task(of(1)))).toEqualTypeOf<Task<number>>();
expectTypeOf(task(() => [of(1)])).toEqualTypeOf<Task<Observable<number>>>(); // an array of observables emits them
expectTypeOf(task(() => EMPTY)).toEqualTypeOf<Task<never>>();
expectTypeOf(task(['a', 'b'] as const)).toEqualTypeOf<Task<'a' | 'b'>>();
declare const readonlyNumbers: readonly number[];
expectTypeOf(task(readonlyNumbers)).toEqualTypeOf<Task<number>>();
declare const source: TaskSource<number>;
expectTypeOf(task(source)).toEqualTypeOf<Task<number>>();
expectTypeOf(startTask(source)).toEqualTypeOf<Task<number>>();
expectTypeOf(task(cond ? () => of(1) : of(2))).toEqualTypeOf<Task<number>>();
// @ts-expect-error -- a factory that may return null errors the task at run time
task(() => (cond ? of(1) : null));
// @ts-expect-error -- a factory is called with one argument
task((s: AbortSignal, n: number) => of(n, s));

// --- generic code written over the package compiles ----------------------------------------------
export function wrap<T>(input: ObservableInput<T>): Task<T> {
  return task(input);
}
export function wrapStarted<T>(input: Observable<T>): Task<T> {
  return startTask(input);
}
export function wrapFactory<T>(factory: (s: AbortSignal) => Promise<T>): Task<T> {
  return task(factory);
}
export function all<T>(xs: readonly Observable<T>[]): Observable<(T | undefined)[]> {
  return whenAllCancellable(xs);
}
export function allPromises<T>(xs: readonly Promise<T>[]): Observable<T[]> {
  return whenAllCancellable(xs);
}
export function pairOf<A, B>(a: Observable<A>, b: Promise<B>): Observable<[A | undefined, B]> {
  return whenAllCancellable([a, b]);
}
export function any<T>(xs: readonly Observable<T>[]): Observable<{ index: number; value: T | undefined }> {
  return whenAnyCancellable(xs);
}
export function wait<T>(t: Task<T>): Promise<T | undefined> {
  return awaitTask(t, { signal, shield: true });
}
export function operators<T>(t: Task<T>): Observable<T> {
  return t.pipe(detectCancel(), shield(), cancelWhen(signal));
}

// --- combinator results: undefined exactly where a participant may complete empty ---------------
expectTypeOf(whenAllCancellable([EMPTY])).toEqualTypeOf<Observable<[undefined]>>();
expectTypeOf(whenAllCancellable([task(async () => 1), Promise.resolve(2), of(3), task(() => of('x'))])).toEqualTypeOf<
  Observable<[number | undefined, number, number | undefined, string | undefined]>
>();
expectTypeOf(whenAllCancellable([Promise.resolve(1), new Promise<string>(() => undefined)] as const)).toEqualTypeOf<
  Observable<[number, string]>
>();
declare const promiseLike: PromiseLike<number>;
expectTypeOf(whenAllCancellable([promiseLike])).toEqualTypeOf<Observable<[number]>>();
declare const eitherKind: Promise<string> | Observable<number>;
expectTypeOf(whenAllCancellable([eitherKind])).toEqualTypeOf<Observable<[string | number | undefined]>>();
declare const dates: AsyncIterable<Date>;
expectTypeOf(whenAllCancellable([dates])).toEqualTypeOf<Observable<[Date | undefined]>>();
declare const headAndRest: [Promise<string>, ...Observable<number>[]];
expectTypeOf(whenAllCancellable(headAndRest)).toEqualTypeOf<Observable<[string, ...(number | undefined)[]]>>();
expectTypeOf(whenAnyCancellable(headAndRest)).toEqualTypeOf<
  Observable<{ index: 0; value: string } | { index: number; value: number | undefined }>
>();
expectTypeOf<ParticipantResult<Task<string>>>().toEqualTypeOf<string | undefined>(); // a task may complete empty
expectTypeOf<ParticipantResult<ObservableInput<number>>>().toEqualTypeOf<number | undefined>();
expectTypeOf<ParticipantResults<readonly [Promise<1>]>>().toEqualTypeOf<[1]>();
expectTypeOf<WhenAnyResult<readonly [Promise<1>]>>().toEqualTypeOf<{ index: 0; value: 1 }>();
declare const withHole: [Promise<1>, Promise<2>?];
// @ts-expect-error -- an optional (possibly missing) participant is a hole, refused at run time
whenAllCancellable(withHole);

// --- awaitTask: Promise<T | undefined> as CONTRACT.md fixes it, also for a Promise ---------------
expectTypeOf(awaitTask(Promise.resolve(1))).toEqualTypeOf<Promise<number | undefined>>();
expectTypeOf(awaitTask(task(EMPTY))).toEqualTypeOf<Promise<undefined>>();
expectTypeOf(awaitTask(cond ? of('a') : of('b'))).toEqualTypeOf<Promise<string | undefined>>();
// @ts-expect-error -- a signal given for `{ signal }` is refused at run time, and by the types
void awaitTask(of(1), signal);
// a linkSignals() result is a plain object with `signal`: accepted as options at run time and by the types
task(of(1), linkSignals(signal));

// --- operators ------------------------------------------------------------------------------------
expectTypeOf(numberTask.pipe(detectCancel(), shield())).toEqualTypeOf<Observable<number>>();
expectTypeOf(detectCancel(numberTask)).toEqualTypeOf<Observable<number>>();

// --- Task assignability ---------------------------------------------------------------------------
// @ts-expect-error -- a task of strings is no task of numbers
export const wrongTask: Task<number> = stringTask;
export const widened: Task<unknown> = stringTask;
export const asObservable: Observable<string> = stringTask;

// --- error classes --------------------------------------------------------------------------------
declare const error: unknown;
if (error instanceof ChildCancelled) {
  expectTypeOf(error.cause).toEqualTypeOf<CancelledError>();
  expectTypeOf(error.child).toEqualTypeOf<Task<unknown> | undefined>();
  expectTypeOf(error.task).toEqualTypeOf<Task<unknown> | undefined>();
  expectTypeOf(error.reason).toEqualTypeOf<unknown>();
  if (error.child === numberTask) expectTypeOf(error.child).toExtend<Task<unknown>>(); // comparable with a typed task
} else if (error instanceof CancelledError) {
  expectTypeOf(error.cause).toEqualTypeOf<unknown>(); // a plain CancelledError has no cause of its own
  if (error.task === stringTask) expectTypeOf(error.name).toEqualTypeOf<string>();
}
expectTypeOf(
  new ChildCancelled(new ChildCancelled(new CancelledError('r', numberTask))),
).toEqualTypeOf<ChildCancelled>();
new CancelledError('r', startTask(Promise.resolve('x')));
