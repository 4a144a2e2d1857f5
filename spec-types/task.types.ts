/**
 * `task()` and `startTask()` infer the element type from every kind of source, and a Task is an
 * Observable of that type with a typed state, signal and cancel().
 */
import { expectTypeOf } from 'expect-type';
import { from, Observable, of, type ObservableInput } from 'rxjs';
import { startTask, Task, task, type TaskOptions, type TaskSource, type TaskState } from '../src';

declare const url: string;
declare const parentSignal: AbortSignal;

// --- inference from each kind of source ---------------------------------------------------------

// a factory receives the task's AbortSignal and may return any ObservableInput
expectTypeOf(task((signal) => fetch(url, { signal }))).toEqualTypeOf<Task<Response>>();
expectTypeOf(task(async () => 42)).toEqualTypeOf<Task<number>>();
expectTypeOf(task(() => of('a', 'b'))).toEqualTypeOf<Task<string>>();
expectTypeOf(task(() => [1, 2, 3])).toEqualTypeOf<Task<number>>();
task((signal) => {
  expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
  return of(signal.aborted);
});

// a Promise
expectTypeOf(task(Promise.resolve({ id: 1 }))).toEqualTypeOf<Task<{ id: number }>>();
// an array (any iterable)
expectTypeOf(task([1, 2, 3])).toEqualTypeOf<Task<number>>();
expectTypeOf(task(new Set(['x']))).toEqualTypeOf<Task<string>>();
// an Observable
expectTypeOf(task(of(true))).toEqualTypeOf<Task<boolean>>();
expectTypeOf(task(from([1n]))).toEqualTypeOf<Task<bigint>>();
// an async iterable
declare const lines: AsyncIterable<string>;
expectTypeOf(task(lines)).toEqualTypeOf<Task<string>>();
// another task
expectTypeOf(task(task(of(1)))).toEqualTypeOf<Task<number>>();

// startTask infers the same way
expectTypeOf(startTask((signal) => fetch(url, { signal }))).toEqualTypeOf<Task<Response>>();
expectTypeOf(startTask(Promise.resolve('done'))).toEqualTypeOf<Task<string>>();
expectTypeOf(startTask(of(1), { name: 'one', signal: parentSignal, refCount: false })).toEqualTypeOf<Task<number>>();

// an explicit type argument checks the source against it
expectTypeOf(task<number>(of(1))).toEqualTypeOf<Task<number>>();
expectTypeOf(task<number | string>(of(1))).toEqualTypeOf<Task<number | string>>();

// --- the Task surface ----------------------------------------------------------------------------

const t = task(of(1));
expectTypeOf(t).toExtend<Observable<number>>();
expectTypeOf(t.state).toEqualTypeOf<TaskState>();
expectTypeOf<TaskState>().toEqualTypeOf<'pending' | 'running' | 'completed' | 'errored' | 'cancelled'>();
expectTypeOf(t.signal).toEqualTypeOf<AbortSignal>();
expectTypeOf(t.name).toEqualTypeOf<string | undefined>();
expectTypeOf(t.start()).toEqualTypeOf<Task<number>>();
expectTypeOf(t.cancel).toEqualTypeOf<(reason?: unknown) => boolean>();
expectTypeOf(t.cancel('r')).toEqualTypeOf<boolean>();
t.subscribe((value) => expectTypeOf(value).toEqualTypeOf<number>());
expectTypeOf(new Task(of('x'))).toEqualTypeOf<Task<string>>();

// TaskSource and TaskOptions are the public shapes of task()'s parameters
expectTypeOf<Parameters<typeof task<number>>>().toEqualTypeOf<[source: TaskSource<number>, options?: TaskOptions]>();
expectTypeOf<TaskSource<number>>().toEqualTypeOf<
  ObservableInput<number> | ((signal: AbortSignal) => ObservableInput<number>)
>();
expectTypeOf<TaskOptions>().toEqualTypeOf<{ signal?: AbortSignal; name?: string; refCount?: boolean }>();

// --- wrong arguments are compile errors ----------------------------------------------------------

// @ts-expect-error: not a source
task(42);
// @ts-expect-error: not a source
task(null);
// @ts-expect-error: a source is required
task();
// @ts-expect-error: a factory receives an AbortSignal, not a string
task((signal: string) => of(signal));
// @ts-expect-error: a factory must return an ObservableInput
task(() => 42);
// @ts-expect-error: options.signal must be an AbortSignal
task(of(1), { signal: new AbortController() });
// @ts-expect-error: options.name must be a string
task(of(1), { name: 1 });
// @ts-expect-error: options.refCount must be a boolean
task(of(1), { refCount: 'no' });
// @ts-expect-error: unknown option
task(of(1), { timeout: 1000 });
// @ts-expect-error: the source does not match the explicit type argument
task<string>(of(1));
// @ts-expect-error: state is read-only
t.state = 'cancelled';
// @ts-expect-error: signal is read-only
t.signal = parentSignal;
// @ts-expect-error: not a source
startTask({ then: 1 });

// --- sources whose branches yield different types: the union, as from() and defer() infer it -----

declare const cached: string | undefined;
expectTypeOf(task(() => (cached ? of(cached) : fetch(url).then((r) => r.status)))).toEqualTypeOf<
  Task<string | number>
>();
expectTypeOf(task(cached ? of(cached) : Promise.resolve(0))).toEqualTypeOf<Task<string | number>>();
expectTypeOf(startTask(() => (cached ? of(cached) : [1]))).toEqualTypeOf<Task<string | number>>();
// a branch whose type is a subtype of the other's keeps what it adds
expectTypeOf(task(cached ? of({ hit: true }) : Promise.resolve({ hit: false, at: 1 }))).toEqualTypeOf<
  Task<{ hit: boolean } | { hit: boolean; at: number }>
>();
// the element type given explicitly checks the source against it
expectTypeOf(task<number>(of(1))).toEqualTypeOf<Task<number>>();
expectTypeOf(startTask<string | number>(() => (cached ? of(cached) : [1]))).toEqualTypeOf<Task<string | number>>();
// @ts-expect-error -- of(1) is no source of strings
task<string>(of(1));
// @ts-expect-error -- a number is no ObservableInput
task(42);
// @ts-expect-error -- nor is what this factory returns
startTask(() => 42);
// an instantiation expression names the task type
expectTypeOf<ReturnType<typeof startTask<number>>>().toEqualTypeOf<Task<number>>();
