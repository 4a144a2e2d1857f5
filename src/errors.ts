import { brandClass, CANCELLED_ERROR_BRAND, CHILD_CANCELLED_BRAND } from './brand';
import type { Task } from './task';

/**
 * The error a cancellation is reported with. It says *who* was cancelled
 * (`task`, absent when a signal rather than a task was cancelled) and *why*
 * (`reason`, whatever was passed to `cancel()` or `abort()`).
 *
 * A plain subscriber of a cancelled task receives it as an error
 * notification. Because a cancellation is control flow, not a bug, it carries
 * no stack trace unless {@link CancelledError.captureStackTraces} is set:
 * capturing one costs about 2 µs, several times a whole task lifecycle.
 *
 * @example
 * ```ts
 * const t = startTask(interval(1000));
 * t.subscribe({ error: (e) => e instanceof CancelledError && console.log(e.reason) });
 * t.cancel('user left'); // logs "user left"
 * ```
 */
export class CancelledError extends Error {
  /** Set to `true` while debugging to record where each CancelledError was created. */
  static captureStackTraces = false;

  /** What was passed to `cancel()` or `abort()`. */
  readonly reason: unknown;
  /** The task that was cancelled, if a task was. */
  readonly task?: Task<unknown>;

  constructor(reason?: unknown, task?: Task<unknown>) {
    const limit = Error.stackTraceLimit;
    if (!CancelledError.captureStackTraces) Error.stackTraceLimit = 0;
    super();
    Error.stackTraceLimit = limit;
    this.reason = reason;
    if (task !== undefined) this.task = task;
  }

  // A getter, so that building the text costs nothing until someone reads it.
  override get message(): string {
    return `${describeTask(this.task)} was cancelled${describeReason(this.reason)}`;
  }
}
Object.defineProperty(CancelledError.prototype, 'name', {
  value: 'CancelledError',
  writable: true,
  configurable: true,
});
brandClass(CancelledError, CANCELLED_ERROR_BRAND);

/**
 * "The child I awaited was cancelled", as opposed to "I am being cancelled".
 *
 * `detectCancel`, `shield`, `awaitTask` and the combinators report a
 * participant's cancellation with this error. It wraps the participant's own
 * `CancelledError` (`cause`) and exposes the cancelled task as `child`; its
 * `reason` and `task` are the cause's.
 *
 * A consumer never receives a ChildCancelled for its own cancellation: that
 * arrives as teardown, with `signal.aborted === true`.
 */
export class ChildCancelled extends CancelledError {
  /** The cancellation this error reports. */
  declare readonly cause: CancelledError;
  /** The cancelled child task (`cause.task`). */
  readonly child?: Task<unknown>;

  constructor(cause: CancelledError) {
    if (!(cause instanceof CancelledError)) {
      throw new TypeError(`ChildCancelled(): expected a CancelledError as cause, got ${String(cause)}`);
    }
    super(cause.reason, cause.task);
    Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true });
    if (cause.task !== undefined) this.child = cause.task;
  }

  override get message(): string {
    return `child ${this.cause.message}`;
  }
}
Object.defineProperty(ChildCancelled.prototype, 'name', {
  value: 'ChildCancelled',
  writable: true,
  configurable: true,
});
brandClass(ChildCancelled, CHILD_CANCELLED_BRAND);

/**
 * What a consumer that did not ask for the cancellation should see:
 * an upstream `CancelledError` becomes a `ChildCancelled`; everything else,
 * including an existing `ChildCancelled`, passes unchanged.
 */
export function toChildCancelled(error: unknown): unknown {
  return error instanceof CancelledError && !(error instanceof ChildCancelled)
    ? new ChildCancelled(error)
    : error;
}

function describeTask(task: Task<unknown> | undefined): string {
  if (task === undefined) return 'the operation';
  return task.name === undefined ? 'a task' : `task "${task.name}"`;
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return '';
  if (reason instanceof CancelledError) return ` because ${reason.message}`;
  if (reason instanceof Error) return `: ${reason.message}`;
  if (typeof reason === 'string') return `: ${reason}`;
  return `: ${String(reason)}`;
}
