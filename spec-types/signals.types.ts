/**
 * awaitTask, linkSignals and the two error classes.
 */
import { expectTypeOf } from 'expect-type';
import { of } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  ChildCancelled,
  linkSignals,
  task,
  type AwaitTaskOptions,
  type LinkedSignal,
  type Task,
} from '../src';

declare const signal: AbortSignal;
declare const other: AbortSignal;

// --- awaitTask -----------------------------------------------------------------------------------

expectTypeOf(awaitTask(task(of(1)))).toEqualTypeOf<Promise<number | undefined>>();
expectTypeOf(awaitTask(of('a'), { signal })).toEqualTypeOf<Promise<string | undefined>>();
expectTypeOf(awaitTask(Promise.resolve(true), { signal, shield: true })).toEqualTypeOf<Promise<boolean | undefined>>();
expectTypeOf<AwaitTaskOptions>().toEqualTypeOf<{ signal?: AbortSignal; shield?: boolean }>();

// --- linkSignals ---------------------------------------------------------------------------------

const linked = linkSignals(signal, other);
expectTypeOf(linked).toEqualTypeOf<LinkedSignal>();
expectTypeOf(linked.signal).toEqualTypeOf<AbortSignal>();
expectTypeOf(linked.unlink).toEqualTypeOf<() => void>();
expectTypeOf(linkSignals()).toEqualTypeOf<LinkedSignal>();
// unlink is a function of its own (`this: void`): destructured, as README does, it passes lint's unbound-method
const { unlink } = linkSignals(signal);
expectTypeOf(unlink).toEqualTypeOf<(this: void) => void>();
expectTypeOf(linkSignals(...[signal, other])).toEqualTypeOf<LinkedSignal>();

// --- CancelledError and ChildCancelled -----------------------------------------------------------

const cancelled = new CancelledError('why', task(of(1)));
expectTypeOf(cancelled).toExtend<Error>();
expectTypeOf(cancelled.reason).toEqualTypeOf<unknown>();
expectTypeOf(cancelled.task).toEqualTypeOf<Task<unknown> | undefined>();
expectTypeOf(new CancelledError()).toEqualTypeOf<CancelledError>();

const child = new ChildCancelled(cancelled);
expectTypeOf(child).toExtend<CancelledError>();
expectTypeOf(child.cause).toEqualTypeOf<CancelledError>();
expectTypeOf(child.child).toEqualTypeOf<Task<unknown> | undefined>();

// instanceof narrows an unknown error
declare const error: unknown;
if (error instanceof ChildCancelled) expectTypeOf(error.child).toEqualTypeOf<Task<unknown> | undefined>();
if (error instanceof CancelledError) expectTypeOf(error.reason).toEqualTypeOf<unknown>();

// --- wrong arguments are compile errors ----------------------------------------------------------

// @ts-expect-error: not an ObservableInput
void awaitTask(1);
// @ts-expect-error: options.shield must be a boolean
void awaitTask(of(1), { shield: 'yes' });
// @ts-expect-error: options.signal must be an AbortSignal
void awaitTask(of(1), { signal: new AbortController() });
// @ts-expect-error: AbortSignals only
linkSignals(new AbortController());
// @ts-expect-error: AbortSignals only
linkSignals(signal, 'other');
// @ts-expect-error: the cause must be a CancelledError
new ChildCancelled(new Error('x'));
// @ts-expect-error: ChildCancelled needs its cause
new ChildCancelled();
// @ts-expect-error: the task must be a Task
new CancelledError('why', of(1));
// @ts-expect-error: reason is read-only
cancelled.reason = 'other';
