import { hasBrand, isInstance, TASK_BRAND } from './brand';
import type { Task } from './task';
import { typeError } from './validate';

/**
 * What makes `instanceof CancelledError` recognise a CancelledError of another
 * installed copy (see brand.ts). A base class of its own, as for Task and
 * ChildCancelled; here also because a class whose body refers to itself is
 * renamed by esbuild (`class _CancelledError`), which Node's `console.log`
 * and browsers' consoles then show. Not exported.
 */
export abstract class CancelledErrorBrand extends Error {
  /** `CancelledError`: true for a CancelledError of any installed copy of rxjs-cancel. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // the brand, written out (see brand.ts); a user's subclass: its prototype chain
    return isInstance(this, CancelledError, value, '@@rxjs-cancel/CancelledError');
  }
}

/**
 * The error a cancellation is reported with. It says *who* was cancelled
 * (`task`, absent when a signal rather than a task was cancelled) and *why*
 * (`reason`, whatever was passed to `cancel()` or `abort()`).
 *
 * A plain subscriber of a cancelled task receives it as an error
 * notification. Because a cancellation is control flow, not a bug, it carries
 * no stack trace (`stack` is `undefined`) unless
 * {@link CancelledError.captureStackTraces} is set: capturing one costs about
 * 2 µs, several times a whole task lifecycle.
 *
 * ```text
 * task:       --a---b--X          X: task.cancel('r')
 * subscriber: --a---b--#          #: CancelledError { task, reason: 'r' }
 * ```
 *
 * @see `docs/marbles.md#plain-subscribe-and-ownership`: the marble diagrams of a plain subscriber.
 *
 * @example
 * ```ts
 * const t = startTask(interval(1000));
 * t.subscribe({ error: (e) => e instanceof CancelledError && console.log(e.reason) });
 * t.cancel('user left'); // logs "user left"
 * ```
 */
export class CancelledError extends CancelledErrorBrand {
  /** Set to `true` while debugging to record where each CancelledError was created. */
  static get captureStackTraces(): boolean {
    return captureStackTraces;
  }
  /** Turns stack-trace capture on (`true`) or off (`false`, the default) for errors made from now on. */
  static set captureStackTraces(capture: boolean) {
    captureStackTraces = capture;
  }

  /** @internal the brand, see brand.ts */
  get '@@rxjs-cancel/CancelledError'(): true {
    return true;
  }

  /** `'CancelledError'`, from the prototype as for native errors. */
  override get name(): string {
    return 'CancelledError';
  }
  /** Gives this error a name of its own, as assigning `name` does on any Error. */
  override set name(name: string) {
    Object.defineProperty(this, 'name', { value: name, writable: true });
  }

  /**
   * `task "name" was cancelled: reason`. A getter, so that building the text
   * costs nothing until someone reads it.
   */
  override get message(): string {
    return `${describeTask(this.task)} was cancelled${describeReason(this.reason)}`;
  }
  /** Gives this error a message of its own, as assigning `message` does on any Error. */
  override set message(message: string) {
    Object.defineProperty(this, 'message', { value: message, writable: true });
  }

  /** What was passed to `cancel()` or `abort()`. */
  readonly reason: unknown;
  /** The task that was cancelled, if a task was. */
  readonly task?: Task<unknown>;

  /**
   * Records who was cancelled and why. The package makes these; user code rarely needs to.
   * @param reason What was passed to `cancel()` or `abort()`.
   * @param task The task that was cancelled; omitted when a signal, not a task, was cancelled.
   */
  constructor(reason?: unknown, task?: Task<unknown>) {
    if (task !== undefined && !hasBrand(task, TASK_BRAND))
      throw typeError('CancelledError', 'a Task or undefined as task', task);
    // A stack trace costs ≈ 2 µs, and even an empty one (`stackTraceLimit = 0`)
    // ≈ 0.26 µs: most of a task lifecycle (see BENCHMARKS.md). A limit that is
    // not a number makes V8 skip the capture (≈ 0.1 µs); `stack` stays undefined.
    const limit = Error.stackTraceLimit;
    // (`undefined` written out: a named constant is not inlined by bundlers, ≈ 5 B in every bundle)
    if (!captureStackTraces) Error.stackTraceLimit = undefined as unknown as number;
    super();
    Error.stackTraceLimit = limit;
    this.reason = reason;
    if (task !== undefined) this.task = task;
  }
}

/**
 * What makes `instanceof ChildCancelled` recognise a ChildCancelled of another
 * installed copy (see brand.ts). It is a base class of its own, as for Task:
 * V8 constructs a subclass of a subclass that declares a static
 * `Symbol.hasInstance` in its own body about four times slower (≈ 0.35 µs
 * more per error); inherited, it costs nothing. Not exported.
 */
export abstract class ChildCancelledBrand extends CancelledError {
  /**
   * `ChildCancelled`: true for a ChildCancelled of any installed copy of rxjs-cancel. A user's
   * subclass answers as any class does, by its prototype chain.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, ChildCancelled, value, '@@rxjs-cancel/ChildCancelled'); // the brand, see brand.ts
  }
}

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
 *
 * ```text
 * child:          --a---X         X: child.cancel('r') by someone else
 * detectCancel(): --a---#         #: ChildCancelled { child, reason: 'r', cause: CancelledError }
 * ```
 *
 * @see `docs/marbles.md#detectcancel`: the marble diagrams of `detectCancel()`.
 *
 * @example
 * ```ts
 * child.pipe(detectCancel()).subscribe({
 *   error: (e) => {
 *     if (e instanceof ChildCancelled) console.log(`${e.child?.name} was cancelled:`, e.reason);
 *     else throw e;
 *   },
 * });
 * ```
 */
export class ChildCancelled extends ChildCancelledBrand {
  /** The cancellation this error reports. */
  override readonly cause: CancelledError;
  /** The cancelled child task (`cause.task`). */
  readonly child?: Task<unknown>;

  /** @internal the brand, see brand.ts */
  get '@@rxjs-cancel/ChildCancelled'(): true {
    return true;
  }

  /** `'ChildCancelled'`. */
  override get name(): string {
    return 'ChildCancelled';
  }
  /** Gives this error a name of its own, as assigning `name` does on any Error. */
  override set name(name: string) {
    Object.defineProperty(this, 'name', { value: name, writable: true });
  }
  /** `child task "name" was cancelled: reason`: the cause's message, prefixed. */
  override get message(): string {
    return `child ${this.cause.message}`;
  }
  /** Gives this error a message of its own, as assigning `message` does on any Error. */
  override set message(message: string) {
    Object.defineProperty(this, 'message', { value: message, writable: true });
  }

  /**
   * Wraps a child's cancellation for the consumer that awaited it.
   * @param cause The child's own cancellation; a `TypeError` if it is not a `CancelledError`.
   */
  constructor(cause: CancelledError) {
    if (!(cause instanceof CancelledError)) throw typeError('ChildCancelled', 'a CancelledError as cause', cause);
    super(cause.reason, cause.task);
    this.cause = cause;
    if (cause.task !== undefined) this.child = cause.task;
  }
}

/**
 * What a consumer that did not ask for the cancellation should see:
 * an upstream `CancelledError` becomes a `ChildCancelled`; everything else,
 * including an existing `ChildCancelled`, passes unchanged.
 */
export function toChildCancelled(error: unknown): unknown {
  return error instanceof CancelledError && !(error instanceof ChildCancelled) ? new ChildCancelled(error) : error;
}

/** @internal see `CancelledError.captureStackTraces`; read by Task#signal */
export let captureStackTraces = false;

function describeTask(task: Task<unknown> | undefined): string {
  return task === undefined ? 'operation' : task.name === undefined ? 'task' : `task "${task.name}"`;
}

function describeReason(reason: unknown): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a reason may be anything; String() is the description there is
    const text = reason === undefined ? '' : String(reason instanceof Error ? reason.message : reason);
    // An empty one (`''`, `new Error()`) adds nothing, not a bare ": ". String() of the message too: one that is not
    // a string (0, null) is not empty, and `text &&` would return it as it is, glued to the sentence ("cancelled0").
    return text && `: ${text}`;
  } catch {
    return ''; // no string for it (`Object.create(null)`, a throwing toString): logging the error must not throw
  }
}
