/**
 * Errors in user code (issue 6, part 5): an observer, a teardown, a factory
 * or an abort listener that throws. In every case the cancellation still
 * completes (state, signal, teardown, linked tasks, every other observer),
 * and the error is reported exactly once:
 *   - observers and teardowns: as RxJS reports them, through
 *     `config.onUnhandledError`, asynchronously (a teardown's error possibly
 *     wrapped in an UnsubscriptionError);
 *   - factories: the task errors with the error, so it reaches the task's
 *     observers; once the task was already cancelled, it has no observer to
 *     go to and is reported like a teardown's (unless it is the task's own
 *     CancelledError, e.g. from `signal.throwIfAborted()`: that is the
 *     cancellation itself, already delivered);
 *   - abort listeners: by the platform's own rule. Node 20's EventTarget runs
 *     every other listener, returns normally from `abort()`, and rethrows the
 *     error from a `process.nextTick` callback: one 'uncaughtException' per
 *     error. Jest turns an uncaught exception into a failure of whatever test
 *     is running and hides the real `process` from tests, so those scenarios
 *     run in a child `node` process that loads src/ through a TypeScript
 *     transpile hook and prints what it saw.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { config, NEVER, Observable, of, Subject, UnsubscriptionError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  startTask,
  task,
  type Task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { describeError } from './helpers';

/** Runs `fn`, then waits for RxJS's and the package's asynchronous reports; returns them. */
async function reported(fn: () => void | Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => errors.push(error);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    config.onUnhandledError = previous;
  }
  return errors;
}

/** An error's message, or those of the errors an UnsubscriptionError wraps. */
function messages(errors: unknown[]): string[] {
  return errors.flatMap((e) =>
    e instanceof UnsubscriptionError ? e.errors.map((inner) => (inner as Error).message) : [(e as Error).message],
  );
}

/** A source whose teardown logs and, if asked, throws. */
function source(log: string[], name: string, throwing = false) {
  const subject = new Subject<string>();
  const observable = new Observable<string>((subscriber) => {
    const inner = subject.subscribe(subscriber);
    return () => {
      inner.unsubscribe();
      log.push(`${name}: teardown`);
      if (throwing) throw new Error(`${name} teardown failed`);
    };
  });
  return { subject, observable };
}

describe('an observer that throws', () => {
  it('while hearing the cancellation: every other observer still hears it, once; the error is reported once', async () => {
    const log: string[] = [];
    let t!: Task<string>;
    let child!: Task<never>;
    const errors = await reported(() => {
      t = startTask(source(log, 't').observable, { name: 't' });
      child = startTask(NEVER, { signal: t.signal, name: 'child' });
      child.subscribe({ error: (e) => log.push(`child observer: ${describeError(e)}`) });
      t.subscribe({ error: (e) => log.push(`first: ${describeError(e)}`) });
      t.subscribe({
        error: () => {
          log.push('second: throws');
          throw new Error('observer failed');
        },
      });
      t.pipe(detectCancel()).subscribe({ error: (e) => log.push(`third: ${describeError(e)}`) });
      expect(t.cancel('r')).toBe(true);
    });
    expect(log).toEqual([
      't: teardown',
      'child observer: CancelledError(task=child, reason={"class":"CancelledError","reason":"r","task":"t"})',
      'first: CancelledError(task=t, reason=r)',
      'second: throws',
      'third: ChildCancelled(task=t, reason=r)',
    ]);
    expect(t.state).toBe('cancelled');
    expect(child.state).toBe('cancelled');
    expect(messages(errors)).toEqual(['observer failed']);
  });

  it('on a value, after cancelling the task: the others hear the cancellation (not the value any more); reported once', async () => {
    const log: string[] = [];
    const { observable, subject } = source(log, 't');
    const t = startTask(observable, { name: 't' });
    const errors = await reported(() => {
      t.subscribe({
        next: (v) => {
          log.push(`first: next ${v}, cancels, throws`);
          t.cancel('from first');
          throw new Error('next handler failed');
        },
        error: (e) => log.push(`first: ${describeError(e)}`),
      });
      t.subscribe({
        next: (v) => log.push(`second: next ${v}`),
        error: (e) => log.push(`second: ${describeError(e)}`),
      });
      subject.next('a');
    });
    expect(log).toEqual([
      'first: next a, cancels, throws',
      't: teardown',
      'first: CancelledError(task=t, reason=from first)',
      'second: CancelledError(task=t, reason=from first)',
    ]);
    expect(messages(errors)).toEqual(['next handler failed']);
  });

  it('of a combinator: the participants are still released, the error reported once', async () => {
    const log: string[] = [];
    const a = task(source(log, 'a').observable, { name: 'a' });
    const b = task(source(log, 'b').observable, { name: 'b' });
    const errors = await reported(() => {
      whenAllCancellable([a, b]).subscribe({
        error: (e) => {
          log.push(`consumer: ${describeError(e)}, throws`);
          throw new Error('consumer failed');
        },
      });
      a.cancel('r');
    });
    expect(log).toEqual(['a: teardown', 'b: teardown', 'consumer: ChildCancelled(task=a, reason=r), throws']);
    expect([a.state, b.state]).toEqual(['cancelled', 'cancelled']);
    expect(messages(errors)).toEqual(['consumer failed']);
  });

  it('of cancelWhen, when the signal aborts: the source is released first, the error reported once', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const t = task(source(log, 't').observable);
    const errors = await reported(() => {
      t.pipe(cancelWhen(controller.signal)).subscribe({
        error: (e) => {
          log.push(`consumer: ${describeError(e)}, throws`);
          throw new Error('consumer failed');
        },
      });
      controller.abort('stop');
    });
    expect(log).toEqual(['t: teardown', 'consumer: CancelledError(task=-, reason=stop), throws']);
    expect(t.state).toBe('cancelled');
    expect(messages(errors)).toEqual(['consumer failed']);
  });
});

describe('a teardown that throws', () => {
  it('in task.cancel(): the rest of the cancellation completes and the error is reported once', async () => {
    const log: string[] = [];
    let t!: Task<string>;
    let child!: Task<never>;
    const errors = await reported(() => {
      t = startTask(source(log, 't', true).observable, { name: 't' });
      child = startTask(NEVER, { signal: t.signal });
      t.subscribe({ error: (e) => log.push(`a: ${describeError(e)}`) });
      t.subscribe({ error: (e) => log.push(`b: ${describeError(e)}`) });
      expect(() => t.cancel('r')).not.toThrow();
    });
    expect(log).toEqual(['t: teardown', 'a: CancelledError(task=t, reason=r)', 'b: CancelledError(task=t, reason=r)']);
    expect([t.state, child.state, t.signal.aborted]).toEqual(['cancelled', 'cancelled', true]);
    expect(messages(errors)).toEqual(['t teardown failed']);
  });

  it('in a release (the last owner unsubscribes): unsubscribe() does not throw; reported once', async () => {
    const log: string[] = [];
    let t!: Task<string>;
    const errors = await reported(() => {
      t = task(source(log, 't', true).observable);
      const subscription = t.subscribe();
      expect(() => subscription.unsubscribe()).not.toThrow();
    });
    expect(log).toEqual(['t: teardown']);
    expect(t.state).toBe('cancelled');
    expect(messages(errors)).toEqual(['t teardown failed']);
  });

  it('after the source completed: observers complete, reported once', async () => {
    const log: string[] = [];
    const errors = await reported(() => {
      const { observable, subject } = source(log, 't', true);
      const t = task(observable);
      t.subscribe({ complete: () => log.push('complete') });
      subject.complete();
      expect(t.state).toBe('completed');
    });
    expect(log).toEqual(['t: teardown', 'complete']);
    expect(messages(errors)).toEqual(['t teardown failed']);
  });

  it('of one participant, while a combinator releases the others: all are released, the result is reported', async () => {
    const log: string[] = [];
    const a = task(source(log, 'a', true).observable, { name: 'a' });
    const b = task(source(log, 'b').observable, { name: 'b' });
    const winner = task(of('w'));
    let result: unknown;
    const errors = await reported(() => {
      // a and b are attached first (they stay running), then the winner completes synchronously
      whenAnyCancellable([a, b, winner]).subscribe({ next: (v) => (result = v) });
    });
    expect(log).toEqual(['a: teardown', 'b: teardown']);
    expect(result).toEqual({ index: 2, value: 'w' });
    expect([a.state, b.state]).toEqual(['cancelled', 'cancelled']);
    expect(messages(errors)).toEqual(['a teardown failed']);
  });
});

describe("reports on RxJS's own clock", () => {
  it("inside TestScheduler.run(), in virtual time and in order with RxJS's own reports", () => {
    const errors: string[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => errors.push(messages([error]).join());
    try {
      const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
      scheduler.run(({ cold }) => {
        cold('--#').subscribe({
          error: () => {
            throw new Error('rxjs observer failed');
          },
        });
        const t = task(new Observable<never>(() => () => thrower('t teardown failed')));
        t.subscribe({ error: () => undefined });
        scheduler.schedule(() => t.cancel(), 3);
      });
      // both were reported during run(), none is left for a real timer to deliver into another test
      expect(errors).toEqual(['rxjs observer failed', 't teardown failed']);
    } finally {
      config.onUnhandledError = previous;
    }
  });

  it('without onUnhandledError, makes TestScheduler.run() throw, as an unhandled RxJS error does', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    expect(() =>
      scheduler.run(() => {
        const t = startTask(new Observable<never>(() => () => thrower('t teardown failed')));
        t.cancel();
      }),
    ).toThrow('t teardown failed');
  });

  it('with the deprecated synchronous error handling: the cancellation completes, the error is rethrown on a timer', () => {
    jest.useFakeTimers();
    config.useDeprecatedSynchronousErrorHandling = true;
    try {
      const log: string[] = [];
      const t = startTask(new Observable<never>(() => () => thrower('t teardown failed')), { name: 't' });
      t.subscribe({ error: (e) => log.push(describeError(e)) });
      expect(() => t.cancel('r')).not.toThrow();
      expect(log).toEqual(['CancelledError(task=t, reason=r)']);
      expect(() => jest.runAllTimers()).toThrow('t teardown failed');
    } finally {
      config.useDeprecatedSynchronousErrorHandling = false;
      jest.useRealTimers();
    }
  });

  describe('with the deprecated synchronous error handling, inside a user subscribe or next call', () => {
    const teardownThrows = (message: string) => new Observable<never>(() => () => thrower(message));
    beforeEach(() => {
      jest.useFakeTimers();
      config.useDeprecatedSynchronousErrorHandling = true;
    });
    afterEach(() => {
      config.useDeprecatedSynchronousErrorHandling = false;
      config.onUnhandledError = null;
      jest.useRealTimers();
    });

    it('the error goes on a timer, not out of the user call', () => {
      const t = startTask(teardownThrows('t teardown failed'));
      const heard: unknown[] = [];
      t.subscribe({ error: (e) => heard.push(e) });
      expect(() => of(1).subscribe(() => t.cancel('r'))).not.toThrow();
      expect(heard).toEqual([t.signal.reason]);
      expect(() => jest.runAllTimers()).toThrow('t teardown failed');
    });

    it('two errors are two reports, through onUnhandledError when set', () => {
      const reports: string[] = [];
      config.onUnhandledError = (error) => reports.push(...messages([error]));
      const a = startTask(teardownThrows('a failed'));
      const b = startTask(teardownThrows('b failed'));
      expect(() =>
        of(1).subscribe(() => {
          a.cancel();
          b.cancel();
        }),
      ).not.toThrow();
      jest.runAllTimers();
      expect(reports).toEqual(['a failed', 'b failed']);
    });

    it("another subscriber's own error is still the one RxJS throws out of next()", () => {
      const t = startTask(teardownThrows('t teardown failed'));
      const subject = new Subject<number>();
      subject.subscribe(() => thrower('user error'));
      subject.subscribe(() => t.cancel());
      expect(() => subject.next(1)).toThrow('user error');
      expect(() => jest.runAllTimers()).toThrow('t teardown failed');
    });
  });
});

describe('a factory that throws', () => {
  it('makes the task errored with that error: each observer gets it once, nothing is left unhandled', async () => {
    const seen: unknown[] = [];
    const failure = new Error('factory failed');
    let t!: Task<never>;
    const errors = await reported(() => {
      t = task(() => {
        throw failure;
      });
      t.subscribe({ error: (e) => seen.push(e) });
      t.pipe(detectCancel()).subscribe({ error: (e) => seen.push(e) }); // arrives after the end: replay
    });
    expect(t.state).toBe('errored');
    expect(seen).toEqual([failure, failure]);
    expect(errors).toEqual([]);
  });

  it('in a combinator participant: the combinator errors with it and releases the others first', async () => {
    const log: string[] = [];
    const other = task(source(log, 'other').observable);
    let error: unknown;
    const errors = await reported(() => {
      const failing = task(() => {
        throw new Error('factory failed');
      });
      whenAllCancellable([other, failing]).subscribe({ error: (e) => (error = e) });
    });
    expect(log).toEqual(['other: teardown']);
    expect(other.state).toBe('cancelled');
    expect((error as Error).message).toBe('factory failed');
    expect(errors).toEqual([]);
  });

  // Found while writing this file: the error was dropped, since the task was no longer running to be errored.
  it('after its own task was cancelled while it ran: the cancellation completes and the error is reported once', async () => {
    const log: string[] = [];
    let t!: Task<never>;
    const errors = await reported(() => {
      t = task(
        () => {
          t.cancel('while starting');
          throw new Error('factory failed after the cancellation');
        },
        { name: 't' },
      );
      t.subscribe({ error: (e) => log.push(describeError(e)) });
    });
    expect(t.state).toBe('cancelled');
    expect(log).toEqual(['CancelledError(task=t, reason=while starting)']);
    expect(messages(errors)).toEqual(['factory failed after the cancellation']);
  });

  it('with signal.throwIfAborted() after its own cancellation: that is the cancellation itself, nothing more is reported', async () => {
    const seen: unknown[] = [];
    let t!: Task<never>;
    const errors = await reported(() => {
      t = task((signal) => {
        t.cancel('while starting');
        signal.throwIfAborted();
        return NEVER;
      });
      t.subscribe({ error: (e) => seen.push(e) });
    });
    expect(t.state).toBe('cancelled');
    expect(seen).toEqual([t.signal.reason]);
    expect(errors).toEqual([]);
  });
});

// ---------------------------------------------------------------- abort listeners, in a child process

/** The child: loads src/ through a transpile hook, runs the scenario, prints what it saw as JSON. */
const CHILD = String.raw`
const path = require('node:path');
const fs = require('node:fs');
const root = process.cwd();
const ts = require(path.join(root, 'node_modules/typescript'));
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const rxjs = require(path.join(root, 'node_modules/rxjs'));
const pkg = require(path.join(root, 'src/index.ts'));
const out = { log: [], uncaught: [], unhandled: [] };
process.on('uncaughtException', (error) => out.uncaught.push(error.message));
rxjs.config.onUnhandledError = (error) => out.unhandled.push(String(error && error.message));
const probe = (name) => new rxjs.Observable(() => () => out.log.push(name + ': teardown'));
const say = (name) => ({ error: (e) => out.log.push(name + ': ' + e.name + (e.reason !== undefined && typeof e.reason !== 'object' ? '(' + e.reason + ')' : '')) });
const scenario = process.argv[1];
const run = {
  taskSignal() {
    const t = pkg.startTask(probe('t'), { name: 't' });
    t.signal.addEventListener('abort', () => { out.log.push('listener 1: throws'); throw new Error('listener failed'); });
    t.signal.addEventListener('abort', () => out.log.push('listener 2: runs, state=' + t.state));
    const child = pkg.startTask(probe('child'), { signal: t.signal });
    child.subscribe(say('child observer'));
    t.subscribe(say('observer'));
    t.pipe(pkg.detectCancel()).subscribe(say('detecting observer'));
    out.log.push('cancel() returned ' + t.cancel('r'));
  },
  controllerSignal() {
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => { out.log.push('early listener: throws'); throw new Error('early failed'); });
    const a = pkg.startTask(probe('a'), { signal: controller.signal });
    const b = pkg.startTask(probe('b'), { signal: controller.signal });
    a.subscribe(say('a observer'));
    b.pipe(pkg.cancelWhen(controller.signal)).subscribe(say('b cancelWhen'));
    controller.signal.addEventListener('abort', () => { out.log.push('late listener: throws'); throw new Error('late failed'); });
    controller.abort('stop');
    out.log.push('abort() returned; states ' + a.state + ' ' + b.state);
  },
  cascade() {
    const parent = pkg.startTask(probe('parent'), { name: 'parent' });
    const child = pkg.task((signal) => {
      signal.addEventListener('abort', () => { out.log.push('child listener: throws'); throw new Error('child listener failed'); });
      return probe('child');
    }, { signal: parent.signal });
    child.subscribe(say('child observer'));
    parent.subscribe(say('parent observer'));
    out.log.push('cancel() returned ' + parent.cancel('r'));
  },
};
run[scenario]();
setTimeout(() => process.stdout.write(JSON.stringify(out)), 20);
`;

function inChild(scenario: string): { log: string[]; uncaught: string[]; unhandled: string[] } {
  const stdout = execFileSync(process.execPath, ['-e', CHILD, scenario], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { log: string[]; uncaught: string[]; unhandled: string[] };
}

describe('an abort listener that throws (Node 20: one uncaughtException per error, from process.nextTick)', () => {
  it('on task.signal: the other listener, the teardown, the linked child and every observer still run', () => {
    expect(inChild('taskSignal')).toEqual({
      log: [
        'listener 1: throws',
        'listener 2: runs, state=cancelled',
        't: teardown',
        'child: teardown',
        'child observer: CancelledError',
        'observer: CancelledError(r)',
        'detecting observer: ChildCancelled(r)',
        'cancel() returned true',
      ],
      uncaught: ['listener failed'],
      unhandled: [],
    });
  }, 30_000);

  it('on a controller signal, before and after the package links to it: every linked task is still cancelled', () => {
    expect(inChild('controllerSignal')).toEqual({
      log: [
        'early listener: throws',
        'a: teardown',
        'a observer: CancelledError(stop)',
        'b: teardown',
        'b cancelWhen: CancelledError(stop)',
        'late listener: throws',
        'abort() returned; states cancelled cancelled',
      ],
      uncaught: ['early failed', 'late failed'],
      unhandled: [],
    });
  }, 30_000);

  it('on the signal of a child cancelled in a cascade: the parent cancellation completes', () => {
    expect(inChild('cascade')).toEqual({
      log: [
        'parent: teardown',
        'child listener: throws',
        'child: teardown',
        'child observer: CancelledError',
        'parent observer: CancelledError(r)',
        'cancel() returned true',
      ],
      uncaught: ['child listener failed'],
      unhandled: [],
    });
  }, 30_000);
});

describe('sanity of the helpers above', () => {
  it('reported() sees what RxJS reports, and ChildCancelled/CancelledError are told apart', async () => {
    const errors = await reported(() => {
      of(1).subscribe(() => {
        throw new Error('x');
      });
    });
    expect(messages(errors)).toEqual(['x']);
    expect(new ChildCancelled(new CancelledError('r'))).toBeInstanceOf(CancelledError);
  });
});

function thrower(message: string): never {
  throw new Error(message);
}
