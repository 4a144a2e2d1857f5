/**
 * RxJS operators that make cancellation answerable: a consumer can tell "the child I awaited
 * was cancelled" (`ChildCancelled`) from "I am being cancelled" (teardown with an aborted signal).
 *
 * Start with {@link task}, {@link detectCancel} and {@link awaitTask}. The marble diagrams of
 * every operator are in the repository's `docs/marbles.md`.
 *
 * @packageDocumentation
 */
export { CancelledError, ChildCancelled } from './errors';
export { Task, task, startTask } from './task';
export type { TaskOptions, TaskSource, TaskState } from './task';
export { detectCancel } from './detectCancel';
export { shield } from './shield';
export { cancelWhen } from './cancelWhen';
export { awaitTask } from './awaitTask';
export type { AwaitTaskOptions } from './awaitTask';
export { linkSignals } from './linkSignals';
export type { LinkedSignal } from './linkSignals';
export { whenAllCancellable } from './whenAllCancellable';
export type { CombinatorOptions, ParticipantResult, ParticipantResults } from './whenAllCancellable';
export { whenAnyCancellable } from './whenAnyCancellable';
export type { WhenAnyResult } from './whenAnyCancellable';
