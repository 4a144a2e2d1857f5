import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { config, Observable, type Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CancelledError, ChildCancelled, startTask } from '../src';
import { MAX_NESTED_RUNS } from '../src/task';

type RunHelpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** What an error notification is, in terms a marble test can compare. */
export interface ErrorShape {
  class: 'ChildCancelled' | 'CancelledError' | 'Error';
  reason?: unknown;
  task?: string;
  message?: string;
}

const ids = new WeakMap<object, string>();
let nextId = 0;
/** A stable label for a task: its name, or an id. */
export function label(task: object | undefined): string | undefined {
  if (task === undefined) return undefined;
  const name = (task as { name?: string }).name;
  if (name !== undefined) return name;
  let id = ids.get(task);
  if (id === undefined) ids.set(task, (id = `#${++nextId}`));
  return id;
}

export function errorShape(error: unknown): ErrorShape {
  if (error instanceof ChildCancelled) {
    return { class: 'ChildCancelled', reason: shapeReason(error.reason), task: label(error.child) };
  }
  if (error instanceof CancelledError) {
    return { class: 'CancelledError', reason: shapeReason(error.reason), task: label(error.task) };
  }
  return { class: 'Error', message: error instanceof Error ? error.message : String(error) };
}

function shapeReason(reason: unknown): unknown {
  return reason instanceof CancelledError ? errorShape(reason) : reason;
}

function normalize(frames: unknown): unknown {
  if (!Array.isArray(frames)) return frames;
  return frames.map((frame: { notification?: { kind: string; error?: unknown } }) =>
    frame && frame.notification && frame.notification.kind === 'E'
      ? { ...frame, notification: { ...frame.notification, error: errorShape(frame.notification.error) } }
      : frame,
  );
}

/**
 * `TestScheduler.run`, comparing error notifications by class, reason and
 * task (see `errorShape`) instead of by deep equality of Error objects.
 */
export function runMarbles<T>(callback: (helpers: RunHelpers & { scheduler: TestScheduler }) => T): T {
  const scheduler = marbleScheduler();
  return scheduler.run((helpers) => callback({ ...helpers, scheduler }));
}

/** A TestScheduler that compares error notifications as `runMarbles` does. */
export function marbleScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(normalize(actual)).toEqual(normalize(expected));
  });
}

/** The number of 'abort' listeners on a signal (Node's own count). */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** Collects what `config.onUnhandledError` receives during a test. */
export function captureUnhandled(): { errors: unknown[]; restore(): void; flush(): Promise<void> } {
  const errors: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => errors.push(error);
  return {
    errors,
    restore: () => {
      config.onUnhandledError = previous;
    },
    flush: () => new Promise((resolve) => setTimeout(resolve, 5)),
  };
}

/** An observer that records every notification as a string, in order. */
export function recorder(log: string[], name: string) {
  return {
    next: (value: unknown) => log.push(`${name}: next ${String(value)}`),
    error: (error: unknown) => log.push(`${name}: error ${describeError(error)}`),
    complete: () => log.push(`${name}: complete`),
  };
}

export function describeError(error: unknown): string {
  const shape = errorShape(error);
  if (shape.class === 'Error') return `Error(${shape.message})`;
  const reason = shape.reason && typeof shape.reason === 'object' ? JSON.stringify(shape.reason) : String(shape.reason);
  return `${shape.class}(task=${shape.task ?? '-'}, reason=${reason})`;
}

/** A source that forwards `subject`, and calls `onTeardown` after unsubscribing from it when it is torn down. */
export function forwarding<T>(subject: Subject<T>, onTeardown: () => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    const inner = subject.subscribe(subscriber);
    return () => {
      inner.unsubscribe();
      onTeardown();
    };
  });
}

/** A garbage collector that really collects, or a loud failure. */
export function collector(): () => void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as (() => void) | undefined;
  }
  if (typeof gc !== 'function') {
    throw new Error(
      'this spec needs a garbage collector: run jest as `node --expose-gc node_modules/jest/bin/jest.js` ' +
        '(what `npm run test:unit` does)',
    );
  }
  return gc;
}

/** Collects after the current job: WeakRefs made or read in a job stay alive until it ends. */
export async function collect(gc: () => void): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
}

/**
 * A chain of started tasks, each linked to a controller whose abort the teardown of the level above makes, two levels
 * more than `MAX_NESTED_RUNS`: `controllers[0].abort()` reaches `deepestTeardown` past the nesting bound, where what
 * it cancels waits for the teardown to return (docs/semantics.md, "past 32 nested loops").
 */
export function chainWithDeepestTeardown(deepestTeardown: () => void): AbortController[] {
  const depth = MAX_NESTED_RUNS + 2;
  const controllers = Array.from({ length: depth }, () => new AbortController());
  controllers.forEach((controller, i) =>
    startTask(
      new Observable<never>(() => () => {
        if (i + 1 < depth) controllers[i + 1]!.abort('x');
        else deepestTeardown();
      }),
      { signal: controller.signal },
    ),
  );
  return controllers;
}
