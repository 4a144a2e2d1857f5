/**
 * "Docs say, code does", second pass: the behavioural claims of docs/semantics.md ("A task's life", "What cancels a
 * task, and nothing else", "Completion and errors", "Depth", "Who sees what", "Errors in user code", "Signals and
 * listeners", "Two installed copies", "Bad input"), of the marble runner as marbles/README.md documents it (the
 * notation docs/marbles.md is drawn from), and of docs/packaging.md that no other spec pinned, each run against the
 * code and citing where the claim stands. The claims of those sections that other specs already pin are named in
 * RELIABILITY.md, "How each guarantee is tested", item 15.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import {
  config,
  finalize,
  lastValueFrom,
  NEVER,
  Observable,
  of,
  share,
  Subject,
  take,
  UnsubscriptionError,
} from 'rxjs';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  linkSignals,
  shield,
  startTask,
  Task,
  task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { expectTypeOf } from 'expect-type';
import { parseMarbleFile } from '../scripts/marbles/parse.cjs';
import { captureUnhandled, recorder } from './helpers';
import { MarbleCaseError, runCase } from './marbles/run-case';

const root = join(__dirname, '..');
const any = (value: unknown) => value as never;
const quiet = { error: () => undefined };

/** A promise that never settles, whose `then`, `catch` and `finally` record each call (still tagged a Promise). */
function watchedPromise(calls: string[]): Promise<never> {
  const promise = new Promise<never>(() => undefined);
  for (const method of ['then', 'catch', 'finally'] as const) {
    const original = promise[method] as (...args: unknown[]) => unknown;
    Object.defineProperty(promise, method, {
      value: (...args: unknown[]) => {
        calls.push(method);
        return original.apply(promise, args);
      },
    });
  }
  return promise;
}

/** The unhandled rejections Node reports while `scenario` runs with `make()`'s promise (rejected a macrotask later). */
async function unhandledRejectionsOf(
  make: () => Promise<never>,
  scenario: (rejecting: Promise<never>) => void,
): Promise<unknown[]> {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    scenario(make());
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return rejections;
}

describe('docs/semantics.md, "A task\'s life"', () => {
  // docs/semantics.md, "A task's life": "A synchronous source that checks `signal.aborted` or `subscriber.closed`
  // stops after that value; one that does not is cut off by RxJS (its later values go nowhere)."
  it('take(1) over a synchronous source that ignores its cancellation: it runs on, its later values reach nobody, not even the latest value', () => {
    const produced: number[] = [];
    const t = task(
      new Observable<number>((subscriber) => {
        for (let i = 0; i < 5; i++) {
          produced.push(i);
          subscriber.next(i);
        }
        subscriber.complete();
      }),
      { name: 't' },
    );
    const seen: number[] = [];
    t.pipe(take(1)).subscribe((v) => seen.push(v));
    expect(seen).toEqual([0]);
    expect(produced).toEqual([0, 1, 2, 3, 4]); // it did not stop
    expect(t.state).toBe('cancelled'); // its complete() went nowhere either
    const late: string[] = [];
    t.subscribe(recorder(late, 'late'));
    expect(late).toEqual(['late: next 0', 'late: error CancelledError(task=t, reason=undefined)']);
  });

  // docs/semantics.md, "A task's life": "So a native promise, a `ZoneAwarePromise`, a subclass and a promise of
  // another realm all get their `catch(noop)`"
  describe('a pending task(promise) that is cancelled handles the rejection of', () => {
    const kinds: [string, () => Promise<never>][] = [
      [
        'a subclass of Promise',
        () => {
          class Subclass<T> extends Promise<T> {}
          return new Subclass<never>((_, reject) => setTimeout(() => reject(new Error('late')), 1));
        },
      ],
      [
        'a promise of another realm (a vm context)',
        () =>
          runInNewContext('new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 1))', {
            setTimeout,
          }) as Promise<never>,
      ],
    ];
    it.each(kinds)('%s: no unhandled rejection', async (_what, make) => {
      let t: Task<never> | undefined;
      expect(await unhandledRejectionsOf(make, (p) => (t = task(p)).cancel('no longer needed'))).toEqual([]);
      expect(t?.state).toBe('cancelled');
    });
  });

  // docs/semantics.md, "A task's life": "A combinator result that is never subscribed touches nothing: it is cold."
  it('a combinator result never subscribed touches nothing: its promise is not handled, its pending task stays pending', () => {
    const calls: string[] = [];
    const promise = watchedPromise(calls);
    const pending = task(NEVER);
    whenAllCancellable([promise, pending]);
    whenAnyCancellable([promise, pending], { signal: AbortSignal.abort('gone') });
    expect(calls).toEqual([]);
    expect(pending.state).toBe('pending');
    // the contrast: subscribed, the aborted run handles the promise it never subscribes and cancels the pending task
    whenAnyCancellable([promise, pending], { signal: AbortSignal.abort('gone') }).subscribe(quiet);
    expect(calls.length).toBeGreaterThan(0);
    expect(pending.state).toBe('cancelled');
  });
});

describe('docs/semantics.md, "Completion and errors"', () => {
  // docs/semantics.md, "Completion and errors": "So `task(of(1).pipe(finalize(f)))` tells its observers `complete`
  // first and runs `f` afterwards, as `of(1).pipe(finalize(f), share())` does."
  it('a source that ends while it is being subscribed: complete first, then finalize, for a task as for share()', () => {
    const run = (wrap: (source: Observable<number>) => Observable<number>) => {
      const log: string[] = [];
      wrap(of(1).pipe(finalize(() => log.push('finalize')))).subscribe(recorder(log, 'observer'));
      return log;
    };
    const expected = ['observer: next 1', 'observer: complete', 'finalize'];
    expect(run((source) => source.pipe(share()))).toEqual(expected);
    expect(run((source) => task(source))).toEqual(expected);
  });

  // docs/semantics.md, "Completion and errors": "A combinator or `awaitTask` that subscribed after the observer that
  // ended the task (but before the end) never hears that value and counts the one before it; one that subscribed
  // before that observer, or after the end, counts the new value"
  it('an observer that ends the task during a value: who counts that value as the last one', async () => {
    const subject = new Subject<number>();
    const t = task(subject);
    const before = awaitTask(t);
    const allBefore = lastValueFrom(whenAllCancellable([t]));
    t.subscribe({ next: (v) => v === 2 && subject.complete() });
    const after = awaitTask(t);
    const allAfter = lastValueFrom(whenAllCancellable([t]));
    subject.next(1);
    subject.next(2);
    expect(t.state).toBe('completed');
    const late = awaitTask(t);
    const allLate = lastValueFrom(whenAllCancellable([t]));
    expect(await Promise.all([before, allBefore, after, allAfter, late, allLate])).toEqual([2, [2], 1, [1], 2, [2]]);
  });
});

describe('docs/semantics.md, "Who sees what"', () => {
  // docs/semantics.md, "Who sees what": "The same goes for a combinator participant piped through its own
  // `cancelWhen` of the caller's signal: give the signal to the combinator instead."
  it("a participant piped through cancelWhen of the caller's signal reads as a child's ChildCancelled; the signal given to the combinator is the caller's own", () => {
    const log: string[] = [];
    const piped = new AbortController();
    const t1 = task(NEVER, { name: 't1' });
    whenAllCancellable([t1.pipe(cancelWhen(piped.signal))]).subscribe(recorder(log, 'piped'));
    piped.abort('r');
    const given = new AbortController();
    const t2 = task(NEVER, { name: 't2' });
    whenAllCancellable([t2], { signal: given.signal }).subscribe(recorder(log, 'given'));
    given.abort('r');
    expect(log).toEqual([
      'piped: error ChildCancelled(task=-, reason=r)', // no child: it reads as some child's cancellation
      'given: error CancelledError(task=-, reason=r)',
    ]);
    expect([t1.state, t2.state]).toEqual(['cancelled', 'cancelled']);
  });

  // docs/semantics.md, "Who sees what": "`detectCancel()` and `cancelWhen()` are operators in a chain and keep
  // RxJS's rule there: the error goes back to whatever emitted the end."
  describe('a throwing teardown of a non-task source that ends later goes back to the Subject that ended it', () => {
    const operators: [string, (source: Observable<number>) => Observable<number>][] = [
      ['detectCancel()', (source) => source.pipe(detectCancel())],
      ['cancelWhen(signal)', (source) => source.pipe(cancelWhen(new AbortController().signal))],
    ];
    it.each(operators)(
      '%s: complete() throws an UnsubscriptionError and the observers after it are not told',
      (_, op) => {
        const log: string[] = [];
        const subject = new Subject<number>();
        op(
          new Observable<number>((subscriber) => {
            const inner = subject.subscribe(subscriber);
            return () => {
              inner.unsubscribe();
              log.push('teardown throws');
              throw new Error('teardown failed');
            };
          }),
        ).subscribe(recorder(log, 'consumer'));
        subject.subscribe(recorder(log, 'other'));
        let thrown: unknown;
        try {
          subject.complete();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(UnsubscriptionError);
        expect((thrown as UnsubscriptionError).errors.map((e) => (e as Error).message)).toEqual(['teardown failed']);
        expect(log).toEqual(['consumer: complete', 'teardown throws']);
      },
    );
  });
});

describe('docs/semantics.md, "Errors in user code"', () => {
  // docs/semantics.md, "Errors in user code": "With RxJS's deprecated `config.useDeprecatedSynchronousErrorHandling`,
  // an error thrown by an observer's callback follows RxJS's deprecated rule …: your enclosing `subscribe` or `next`
  // call throws it (keeping only the last error), or it is lost when there is none (a `cancel()` called outside
  // any); the cancellation still completes and the observers after the throwing one are still told."
  describe('with the deprecated synchronous error handling, observers whose error callback throws', () => {
    let unhandled: ReturnType<typeof captureUnhandled>;
    beforeEach(() => {
      unhandled = captureUnhandled();
      config.useDeprecatedSynchronousErrorHandling = true;
    });
    afterEach(() => {
      config.useDeprecatedSynchronousErrorHandling = false;
      unhandled.restore();
    });
    const observe = (t: Task<never>, log: string[]) => {
      t.subscribe({
        error: () => {
          log.push('first throws');
          throw new Error('first');
        },
      });
      t.subscribe({
        error: () => {
          log.push('second throws');
          throw new Error('second');
        },
      });
      t.subscribe(recorder(log, 'third'));
    };

    it('inside a user subscribe call: that call throws the last error; every observer was told', async () => {
      const log: string[] = [];
      const t = startTask(NEVER, { name: 't' });
      observe(t, log);
      expect(() => of(1).subscribe(() => t.cancel('r'))).toThrow('second');
      expect(log).toEqual(['first throws', 'second throws', 'third: error CancelledError(task=t, reason=r)']);
      expect(t.state).toBe('cancelled');
      await unhandled.flush();
      expect(unhandled.errors).toEqual([]);
    });

    it('a cancel() called outside any: nothing is thrown, nothing is reported; every observer was told', async () => {
      const log: string[] = [];
      const t = startTask(NEVER, { name: 't' });
      observe(t, log);
      expect(t.cancel('r')).toBe(true);
      expect(log).toEqual(['first throws', 'second throws', 'third: error CancelledError(task=t, reason=r)']);
      await unhandled.flush();
      expect(unhandled.errors).toEqual([]);
    });
  });
});

describe('docs/semantics.md, "Signals and listeners"', () => {
  // docs/semantics.md, "Signals and listeners": "Example: a listener on input `y` that runs before the link aborts
  // `x`, and a listener on `x` aborts `z`. A link over `(x, y, z)` hears `z` first and answers `x`'s reason, though
  // `y` aborted first."
  it("linkSignals' documented guess: a link over (x, y, z) that hears z first answers x's reason, though y aborted first", () => {
    const [x, y, z] = [new AbortController(), new AbortController(), new AbortController()];
    const order: string[] = [];
    y.signal.addEventListener('abort', () => {
      order.push('y aborted');
      x.abort('x');
    });
    x.signal.addEventListener('abort', () => {
      order.push('x aborted');
      z.abort('z');
    });
    const { signal } = linkSignals(x.signal, y.signal, z.signal);
    signal.addEventListener('abort', () => order.push(`link aborted with ${String(signal.reason)}`));
    y.abort('y');
    expect(order).toEqual(['y aborted', 'x aborted', 'link aborted with x']);
  });

  // docs/semantics.md, "Signals and listeners": "A signal that takes no new property (`Object.seal`, …) works the
  // same, each link with a set and a listener of its own: … and Node 20 warns (`MaxListenersExceededWarning`) from
  // the eleventh link on, unless you raise the signal's limit with `events.setMaxListeners` (Node 24 sets no limit on
  // an `AbortSignal`, and does not warn)."
  it('a sealed signal: on Node 20, MaxListenersExceededWarning at the eleventh link, not the tenth, not with a raised limit; on Node 24, none', () => {
    // Node writes its warnings to the real process's stderr, which jest hides from tests: a child process links
    const script = String.raw`
      const path = require('node:path');
      const fs = require('node:fs');
      const ts = require(path.join(process.cwd(), 'node_modules/typescript'));
      require.extensions['.ts'] = (module, filename) => {
        const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
          fileName: filename,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
        });
        module._compile(outputText, filename);
      };
      const { getMaxListeners, setMaxListeners } = require('node:events');
      const { task, linkSignals } = require(path.join(process.cwd(), 'src/index.ts'));
      // links of both kinds to a fresh sealed signal: tasks linked to it and linkSignals outputs of it
      const link = (n, raise) => {
        const { signal } = new AbortController();
        if (raise) setMaxListeners(20, signal);
        Object.seal(signal);
        for (let i = 0; i < n; i++) i % 2 ? task(new Promise(() => {}), { signal }) : linkSignals(signal);
        return signal;
      };
      process.stdout.write(String(getMaxListeners(link(10, false))));
      link(11, false);
      link(11, true);
    `;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    const warned = [...child.stderr.matchAll(/MaxListenersExceededWarning: .*?(\d+) abort listeners added/g)].map(
      ([, count]) => Number(count),
    );
    expect(child.status).toBe(0);
    const limit = Number(child.stdout); // an AbortSignal's default limit: 10 on Node 20, none (0) on Node 24
    const major = Number(process.versions.node.split('.')[0]);
    if (major === 20 || major === 24) expect(limit).toBe(major === 20 ? 10 : 0);
    expect(warned).toEqual(limit === 10 ? [11] : []);
  });
});

describe('docs/semantics.md, "Two installed copies"', () => {
  // docs/semantics.md, "Two installed copies": "the brands are string-keyed prototype getters
  // (`'@@rxjs-cancel/Task@1'`, …) …  A task's own signal carries its task under a registered symbol
  // (`Symbol.for('@@rxjs-cancel/signalOwner@1')`) … the error classes' brands carry none [no version]"
  it('the brands are prototype getters under string keys, versioned for Task only; a task signal names its task under the registered symbol', () => {
    const brands: [object, string][] = [
      [Task.prototype, '@@rxjs-cancel/Task@1'],
      [CancelledError.prototype, '@@rxjs-cancel/CancelledError'],
      [ChildCancelled.prototype, '@@rxjs-cancel/ChildCancelled'],
    ];
    for (const [prototype, key] of brands) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      expect(typeof descriptor?.get).toBe('function');
      expect(descriptor!.get!.call(prototype)).toBe(true);
    }
    const t = task(NEVER);
    expect((t as unknown as Record<string, unknown>)['@@rxjs-cancel/Task@1']).toBe(true);
    expect((t.signal as unknown as Record<symbol, unknown>)[Symbol.for('@@rxjs-cancel/signalOwner@1')]).toBe(t);
    // a link's output carries its link there, not a task
    const output = linkSignals(new AbortController().signal).signal;
    const owner = (output as unknown as Record<symbol, unknown>)[Symbol.for('@@rxjs-cancel/signalOwner@1')];
    expect(owner).toBeDefined();
    expect(owner).not.toBeInstanceOf(Task);
  });
});

describe('docs/semantics.md, "Bad input"', () => {
  // docs/semantics.md, "Bad input": "An instance of a class of your own is read as options, unless it has a
  // `subscribe` method or a `Symbol.toStringTag` of its own. Keys a function does not know are ignored"
  it('a class instance is read as options, unknown keys ignored; one with a subscribe method or a tag of its own is refused', () => {
    class Options {
      constructor(
        readonly signal: AbortSignal,
        readonly retries = 3,
      ) {}
    }
    const controller = new AbortController();
    const t = task(NEVER, new Options(controller.signal));
    controller.abort('stop');
    expect(t.state).toBe('cancelled');
    expect((t.signal.reason as CancelledError).reason).toBe('stop');

    class Subscribable {
      subscribe(): void {}
    }
    class Tagged {
      get [Symbol.toStringTag](): string {
        return 'Tagged';
      }
    }
    expect(() => task(NEVER, any(new Subscribable()))).toThrow(
      new TypeError('task(): expected an options object or undefined, got an instance of Subscribable'),
    );
    expect(() => task(NEVER, any(new Tagged()))).toThrow(
      new TypeError('task(): expected an options object or undefined, got an instance of Tagged'),
    );
  });

  // docs/semantics.md, "Bad input": "A promise you gave a call that is refused (`task(promise, { name: 5 })`,
  // `whenAllCancellable([promise, null])`) is left as it is"
  it('a promise given to a refused call is left as it is: none of its methods is called', async () => {
    const calls: string[] = [];
    const promise = watchedPromise(calls);
    expect(() => task(promise, any({ name: 5 }))).toThrow(TypeError);
    expect(() => whenAllCancellable([promise, any(null)])).toThrow(TypeError);
    expect(() => whenAnyCancellable([promise], any({ signal: 1 }))).toThrow(TypeError);
    await expect(awaitTask(promise, any({ shield: 'yes' }))).rejects.toThrow(TypeError);
    expect(calls).toEqual([]);
  });

  // docs/semantics.md, "Bad input": "A boxed `new String('abc')` is an iterable object, and is taken as `from()`
  // takes it (its characters)"
  it("a boxed String is a source of its characters wherever work is expected, where the string 'ab' is refused", async () => {
    const boxed = () => new String('ab');
    const values = (source: Observable<unknown>) => {
      const log: string[] = [];
      source.subscribe(recorder(log, 'o'));
      return log;
    };
    const expected = ['o: next a', 'o: next b', 'o: complete'];
    expect(values(task(boxed()))).toEqual(expected);
    expect(values(detectCancel(boxed()))).toEqual(expected);
    expect(values(shield(boxed()))).toEqual(expected);
    expect(values(whenAllCancellable([boxed()]))).toEqual(['o: next b', 'o: complete']);
    await expect(awaitTask(boxed())).resolves.toBe('b');
    expect(() => task(any('ab'))).toThrow(
      'task(): expected an Observable, Promise, iterable or function, got the string "ab"',
    );
  });

  // docs/semantics.md, "Bad input", "Types": "an element type given explicitly that is itself a source is read as
  // the source's type (`task<number[]>([1, 2])` is a `Task<number>` and emits `1` and `2`; write
  // `task<number>([1, 2])`, or `task<number[]>(of([1, 2]))` for one array value)": it compiles and is not refused
  it('task<number[]>([1, 2]) is a Task<number> that emits 1 and 2; task<number>([1, 2]) the same; of([1, 2]) one array', () => {
    const explicitArray = task<number[]>([1, 2]);
    expectTypeOf(explicitArray).toEqualTypeOf<Task<number>>();
    expectTypeOf(task<number>([1, 2])).toEqualTypeOf<Task<number>>();
    expectTypeOf(task<number[]>(of([1, 2]))).toEqualTypeOf<Task<number[]>>();
    const values = (t: Task<unknown>) => {
      const log: string[] = [];
      t.subscribe(recorder(log, 'o'));
      return log;
    };
    expect(values(explicitArray)).toEqual(['o: next 1', 'o: next 2', 'o: complete']);
    expect(values(task<number>([1, 2]))).toEqual(['o: next 1', 'o: next 2', 'o: complete']);
    expect(values(task<number[]>(of([1, 2])))).toEqual(['o: next 1,2', 'o: complete']);
  });
});

describe('marbles/README.md: the marble runner (docs/marbles.md is drawn from these files)', () => {
  const FILE = 'marbles/claims.marbles';
  /** Runs a one-case file; returns the failure's message, or undefined when the case passes. */
  function outcome(body: string, covers = 'task.lazy'): string | undefined {
    const [c] = parseMarbleFile(`title: t\n\ncase: c\nabout: a case\ncovers: ${covers}\n${body}\n`, FILE).cases;
    try {
      runCase(c!);
    } catch (error) {
      if (error instanceof MarbleCaseError) return error.message;
      throw error;
    }
    return undefined;
  }
  const PLAIN = `
  child = task(s)
  out = child
  cold s        --a--|
  expect out    --a--|
  subs s        ^----!`;

  // marbles/README.md, "Keys": "A letter means the value given in the key block, or the letter itself (as a
  // one-character string) if there is none. … `name X: value` is for the lines about `name` only …, and wins over an
  // unscoped one."
  it("a letter without a key is that one-character string; a key scoped to a name wins over an unscoped one on that name's lines", () => {
    expect(outcome(PLAIN)).toBeUndefined();
    expect(outcome(`${PLAIN}\n  out a: 'a'`)).toBeUndefined(); // s emits the string 'a'
    expect(outcome(`${PLAIN}\n  out a: 'b'`)).toContain('expect out does not match');
    expect(outcome(`${PLAIN}\n  a: 1`)).toBeUndefined(); // unscoped: both lines
    expect(outcome(`${PLAIN}\n  a: 1\n  s a: 2`)).toContain('expect out does not match'); // s emits 2, out expects 1
    expect(outcome(`${PLAIN}\n  s a: 2\n  out a: 2`)).toBeUndefined();
  });

  // marbles/README.md, "Timelines": "a consumer without `subscribe` subscribes at frame 0 and never unsubscribes";
  // "`subs` … a line without `^` (`---`) means never subscribed"
  it('a consumer without a subscribe line subscribes at frame 0; a subs line without ^ means never subscribed', () => {
    expect(outcome(PLAIN)).toBeUndefined();
    expect(outcome(PLAIN.replace('subs s        ^----!', 'subs s        -^---!'))).toContain(
      'subs s (the subscription log of s) does not match',
    );
    const neverSubscribed = `
  child = task(s)
  out = child
  cold s          --a--|
  cancel child    -X
  subscribe out   ---^
  expect out      ---#
  subs s          -----
  #: CancelledError(child, 'X')`;
    expect(outcome(neverSubscribed)).toBeUndefined();
  });

  // marbles/README.md, "One frame, in this order: consumers subscribe and unsubscribe, then actions (`cancel`,
  // `abort`, `start`) run in file order, then sources emit. So `cancel child ---X` against `cold s ---a` cancels
  // before `a`."
  it('in one frame: the consumer subscribes, then the action runs, then the source emits', () => {
    const sameFrame = `
  child = task(s)
  out = child
  cold s          ---a|
  cancel child    ---X
  expect out      ---#
  subs s          ^--!
  #: CancelledError(child, 'X')`;
    expect(outcome(sameFrame)).toBeUndefined();
    // subscribed at frame 3, cancelled at frame 3: the subscription came first, so the source was subscribed
    const subscribeThenCancel = `
  child = task(s)
  out = child
  cold s          --a|
  subscribe out   ---^
  cancel child    ---X
  expect out      ---#
  subs s          ---(^!)
  #: CancelledError(child, 'X')`;
    expect(outcome(subscribeThenCancel)).toBeUndefined();
  });

  // marbles/README.md, "Timelines": "`hot h  -a-^--b--|` … one `^` (frame 0)"; "A file": "A comment: a line starting
  // with //, anywhere"; "`covers:` <contract rule ids, comma- or space-separated>"
  it('a hot line takes one ^; comments stand anywhere; covers takes commas or spaces', () => {
    const hot = (marble: string) => `
  child = task(h)
  out = child
  hot h         ${marble}
  expect out       ---b|
  subs h           ^---!`;
    expect(outcome(hot('-a-^--b|'))).toBeUndefined();
    expect(() => parseMarbleFile(`title: t\ncase: c\nabout: a\ncovers: task.lazy\n${hot('-^-^--b|')}`, FILE)).toThrow(
      "a second '^' (a hot observable has one subscription point)",
    );
    const withComment = PLAIN.replace('  cold s', '  // a comment inside a case\n  cold s');
    expect(outcome(withComment)).toBeUndefined();
    const coversOf = (covers: string) =>
      parseMarbleFile(`title: t\ncase: c\nabout: a\ncovers: ${covers}\n${PLAIN}`, FILE).cases[0]!.covers;
    expect(coversOf('task.lazy, task.start')).toEqual(['task.lazy', 'task.start']);
    expect(coversOf('task.lazy task.start')).toEqual(['task.lazy', 'task.start']);
  });

  // marbles/README.md, "Declarations": "options: `signal` (a controller's or another task's `.signal`) and
  // `refCount: false`"
  it('a task option refCount: false is taken: the last owner leaving does not cancel the task', () => {
    const kept = `
  child = task(s, { refCount: false })
  out = child
  cold s          --a---|
  subscribe out   ^--!
  expect out      --a
  subs s          ^-----!`;
    expect(outcome(kept, 'task.refcount')).toBeUndefined();
    expect(outcome(kept.replace('{ refCount: false }', '{ refCount: true }'), 'task.refcount')).toContain(
      'subs s (the subscription log of s) does not match',
    );
  });
});

describe('docs/packaging.md', () => {
  // The bundle test below calls esbuild's buildSync, which starts a worker thread of esbuild's. It is unref'd, so it
  // should not keep the Jest worker alive; ending it anyway leaves nothing of esbuild's running after this file (in one
  // CI run, once, a Jest run did not exit after all tests passed, with that thread among the few still up).
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module the test loads
    await (require('esbuild') as typeof import('esbuild')).stop();
  });

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const packagingMd = readFileSync(join(root, 'docs', 'packaging.md'), 'utf8');

  // docs/packaging.md, "A consumer project made on the fly": `import` → `index.mjs` + `index.d.ts`, `require` →
  // `index.cjs` + `index.d.cts`
  it('the exports map: import resolves to index.mjs with index.d.ts, require to index.cjs with index.d.cts, types first', () => {
    expect(pkg.exports).toEqual({
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.mjs' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    });
    const dot = pkg.exports!['.'] as Record<string, Record<string, string>>;
    expect(Object.keys(dot.import!)[0]).toBe('types');
    expect(Object.keys(dot.require!)[0]).toBe('types');
    expect(pkg.files).toEqual(['dist']);
  });

  // docs/packaging.md, the gates: "rxjs 7.4.0 (the `rxjs-min` npm alias, pinned), the lowest version of the peer
  // range `^7.4.0`"; "TypeScript 5.0.4 (the `typescript-min` npm alias, pinned)"; "size-limit and
  // `@size-limit/preset-small-lib` are locked to 12.1.0 (`^12.1.0` in `package.json`, exact in `package-lock.json`)"
  it('the pinned versions the gates name: rxjs 7.4.0 for the peer range ^7.4.0, TypeScript 5.0.4, size-limit 12.1.0', () => {
    expect(pkg.peerDependencies).toEqual({ rxjs: '^7.4.0' });
    const dev = pkg.devDependencies!;
    expect([dev['rxjs-min'], dev['typescript-min']]).toEqual(['npm:rxjs@7.4.0', 'npm:typescript@5.0.4']);
    // "TypeScript 7, the native compiler (the `typescript-native` npm alias)"
    expect(dev['typescript-native']).toBe('npm:typescript@^7.0.2');
    expect(lock.packages['node_modules/typescript-native']?.version).toMatch(/^7\./);
    expect([dev['size-limit'], dev['@size-limit/preset-small-lib']]).toEqual(['^12.1.0', '^12.1.0']);
    const locked = (name: string) => lock.packages[`node_modules/${name}`]?.version;
    expect(['rxjs-min', 'typescript-min', 'size-limit', '@size-limit/preset-small-lib'].map(locked)).toEqual([
      '7.4.0',
      '5.0.4',
      '12.1.0',
      '12.1.0',
    ]);
  });

  // docs/packaging.md, "Sizes": the table's budget column is `.size-limit.mjs`'s, and each measured size is within it
  it("the sizes table: its budgets are .size-limit.mjs's, one row per check, each measured size within its budget", () => {
    const config = readFileSync(join(root, '.size-limit.mjs'), 'utf8');
    const budgets = new Map<string, string>();
    budgets.set(
      'whole package (`import *`)',
      /name: 'whole package \(import \*\)'.*?limit: '([\d.]+ kB)'/.exec(config)![1]!,
    );
    for (const [, name, limit] of config.matchAll(/alone\('(\w+)', '([\d.]+ kB)'\)/g))
      budgets.set(`\`{ ${name} }\``, limit!);
    const section = packagingMd.slice(packagingMd.indexOf('## Sizes'), packagingMd.indexOf('Budgets sit close'));
    const rows = [...section.matchAll(/^\| (.+?) +\| +([\d.]+) kB \| +([\d.]+ kB) \|$/gm)].map(
      ([, name, measured, budget]) => ({
        name: name!,
        measured: Number(measured),
        budget: budget!,
      }),
    );
    expect(rows.map((r) => [r.name, r.budget])).toEqual([...budgets.entries()]);
    for (const row of rows) expect(row.measured).toBeLessThanOrEqual(parseFloat(row.budget));
  });

  // docs/packaging.md, "What runs it": "`dist/` is ES2021 …: besides optional chaining and `??`, it has the logical
  // assignment `??=`, and nothing newer" (the package gate checks "nothing newer" on the tarball too)
  it('dist/ is ES2021: tsconfig.json targets it, both builds need it (??=) and nothing newer', () => {
    if (!existsSync(join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: root });
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { target: string };
    };
    expect(tsconfig.compilerOptions.target).toBe('ES2021');
    expect(packagingMd).toContain('`dist/` is ES2021');
    expect(readFileSync(join(root, 'scripts', 'check-package.mjs'), 'utf8')).toContain('const SYNTAX_LEVEL = 2021;');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild's synchronous API, as check-package uses it
    const { transformSync } = require('esbuild') as typeof import('esbuild');
    for (const file of ['index.mjs', 'index.cjs']) {
      const code = readFileSync(join(root, 'dist', file), 'utf8');
      const printed = (target: string) => transformSync(code, { target, logLevel: 'silent' }).code;
      const asIs = printed('esnext');
      expect([file, printed('es2021') === asIs, printed('es2020') === asIs]).toEqual([file, true, false]);
      expect(code).toContain('??=');
    }
  });

  // docs/packaging.md, "Sizes": "`{ CancelledError }`, `{ cancelWhen }` and `{ linkSignals }` leave `Task` out, and
  // `{ detectCancel }` carries neither the combinators nor `awaitTask`, `cancelWhen` or `linkSignals`"; "Only the
  // exports that make tasks carry the `Task` class."
  it('what an import of the built ESM file carries: only Task, task and startTask carry the Task class', () => {
    if (!existsSync(join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: root });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild's synchronous API, as check-package uses it
    const { buildSync } = require('esbuild') as typeof import('esbuild');
    const bundle = (name: string) =>
      buildSync({
        stdin: { contents: `import { ${name} } from './dist/index.mjs';\nconsole.log(${name});\n`, resolveDir: root },
        bundle: true,
        external: ['rxjs', 'rxjs/*'],
        format: 'esm',
        minify: true,
        write: false,
        logLevel: 'silent',
      }).outputFiles[0]!.text;
    // each operator names itself in its argument checks, the Task class its start() as 'task.start'
    // (scripts/check-package.mjs)
    const names = (code: string) =>
      [
        'task.start',
        'detectCancel',
        'shield',
        'cancelWhen',
        'awaitTask',
        'linkSignals',
        'whenAllCancellable',
        'whenAnyCancellable',
      ].filter((name) => new RegExp(`['"\`]${name.replace('.', '\\.')}['"\`]`).test(code));
    expect(names(bundle('Task'))).toEqual(['task.start']);
    expect(names(bundle('startTask'))).toEqual(['task.start']);
    expect(names(bundle('CancelledError'))).toEqual([]);
    expect(names(bundle('ChildCancelled'))).toEqual([]);
    expect(names(bundle('cancelWhen'))).toEqual(['cancelWhen']);
    expect(names(bundle('linkSignals'))).toEqual(['linkSignals']);
    expect(names(bundle('detectCancel'))).toEqual(['detectCancel']);
    expect(names(bundle('shield'))).toEqual(['shield']);
    expect(names(bundle('awaitTask'))).toEqual(['awaitTask']);
    expect(names(bundle('whenAllCancellable'))).toEqual(['whenAllCancellable']);
    expect(names(bundle('whenAnyCancellable'))).toEqual(['whenAnyCancellable']);
  });
});
