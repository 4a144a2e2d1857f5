/**
 * detectCancel, shield and cancelWhen keep the element type, in `pipe` chains and applied directly.
 */
import { expectTypeOf } from 'expect-type';
import { filter, map, Observable, of, type MonoTypeOperatorFunction } from 'rxjs';
import { cancelWhen, detectCancel, shield, task } from '../src';

declare const signal: AbortSignal;
interface User {
  id: number;
  name: string;
}
declare const user$: Observable<User>;

// --- in pipe chains ------------------------------------------------------------------------------

expectTypeOf(of(1).pipe(detectCancel())).toEqualTypeOf<Observable<number>>();
expectTypeOf(of('a').pipe(shield())).toEqualTypeOf<Observable<string>>();
expectTypeOf(of(true).pipe(cancelWhen(signal))).toEqualTypeOf<Observable<boolean>>();
expectTypeOf(
  user$.pipe(
    detectCancel(),
    map((u) => u.name),
    shield(),
    cancelWhen(signal),
    filter((name) => name.length > 0),
    detectCancel(),
  ),
).toEqualTypeOf<Observable<string>>();
user$.pipe(detectCancel(), shield(), cancelWhen(signal)).subscribe((u) => expectTypeOf(u).toEqualTypeOf<User>());

// on tasks
const userTask = task((s) => fetch('/api/user', { signal: s }).then((r) => r.json() as Promise<User>));
expectTypeOf(userTask.pipe(detectCancel())).toEqualTypeOf<Observable<User>>();
expectTypeOf(
  userTask.pipe(
    shield(),
    map((u) => u.id),
  ),
).toEqualTypeOf<Observable<number>>();

// union and literal element types survive
declare const status$: Observable<'idle' | 'busy'>;
expectTypeOf(status$.pipe(detectCancel(), shield(), cancelWhen(signal))).toEqualTypeOf<Observable<'idle' | 'busy'>>();

// --- as operators and applied to a source ---------------------------------------------------------

expectTypeOf(detectCancel<number>()).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
expectTypeOf(shield<number>()).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
expectTypeOf(cancelWhen<number>(signal)).toEqualTypeOf<MonoTypeOperatorFunction<number>>();

expectTypeOf(detectCancel(of(1))).toEqualTypeOf<Observable<number>>();
expectTypeOf(detectCancel(Promise.resolve('x'))).toEqualTypeOf<Observable<string>>();
expectTypeOf(detectCancel(userTask)).toEqualTypeOf<Observable<User>>();
expectTypeOf(shield([1, 2])).toEqualTypeOf<Observable<number>>();
expectTypeOf(shield(userTask)).toEqualTypeOf<Observable<User>>();

// --- wrong arguments are compile errors ----------------------------------------------------------

// @ts-expect-error: not an ObservableInput
detectCancel(42);
// @ts-expect-error: not an ObservableInput
shield(null);
// @ts-expect-error: cancelWhen needs a signal
cancelWhen();
// @ts-expect-error: an AbortController is not an AbortSignal
cancelWhen(new AbortController());
// @ts-expect-error: the operator's type argument does not match the chain
of(1).pipe(detectCancel<string>());
// @ts-expect-error: the operator's type argument does not match the chain
of(1).pipe(shield<string>());
// @ts-expect-error: the operator's type argument does not match the chain
of(1).pipe(cancelWhen<string>(signal));
const stringLength = map((s: string) => s.length);
// @ts-expect-error: the element type is kept, so a string-only step after it fails on numbers
of(1).pipe(detectCancel(), stringLength);
