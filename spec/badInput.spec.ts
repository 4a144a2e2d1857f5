/**
 * Every bad input (issue 2 item 5, issue 6 part 4): each export, fed what
 * does not belong in each of its argument slots, throws a TypeError whose
 * message names the function and describes the value it got, e.g.
 * `task(): expected an Observable, Promise, iterable or function, got null`
 * (`awaitTask` returns a promise rejected with that TypeError instead), and
 * nothing is left subscribed: every row runs with a fresh probe (an
 * Observable that counts its subscriptions, a pending task over it, a signal
 * whose listeners are counted) that must be untouched afterwards.
 *
 * The expected descriptions ("the number 42", "an object { aborted }") are
 * written out here, not computed with the package's own describe().
 *
 * Where an already-ended task belongs: everywhere a task or ObservableInput
 * is accepted. It replays its latest value and its end (CONTRACT: "an
 * observer that arrives after it ended gets the latest value (if any) and
 * then the terminal notification"; a combinator participant's result is its
 * last value). The last block shows each export accepting one and the
 * outcome it gives. See RELIABILITY.md, "Bad input".
 */
import { config, finalize, firstValueFrom, NEVER, Observable, of, Subject, UnsubscriptionError } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  linkSignals,
  shield,
  startTask,
  task,
  Task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { abortListeners } from './helpers';

/** A value that does not belong, and how the message must describe it. */
type Bad = readonly [label: string, value: unknown, described: string];

const SCALARS: readonly Bad[] = [
  ['null', null, 'null'],
  ['undefined', undefined, 'undefined'],
  ['a number', 42, 'the number 42'],
  ['NaN', NaN, 'the number NaN'],
  ['a boolean', true, 'the boolean true'],
  ['an empty string', '', 'the string ""'],
  ['a string', 'abc', 'the string "abc"'],
  ['a long string', 'x'.repeat(41), `the string "${'x'.repeat(40)}…"`],
  ['a symbol', Symbol('s'), 'the symbol Symbol(s)'],
  ['a bigint', 10n, 'the bigint 10'],
];
const OBJECTS: readonly Bad[] = [
  ['an empty object', {}, 'an empty object'],
  ['an instance of an anonymous class', new (class {})(), 'an empty object'],
  ['a non-signal { aborted: false }', { aborted: false }, 'an object { aborted }'],
  ['an observer, not an observable', { next() {}, error() {}, complete() {} }, 'an object { next, error, complete }'],
];
/** Objects whose inspection throws: the message still names the function, and says what little it can. */
const UNINSPECTABLE: readonly Bad[] = [
  [
    'an object whose constructor getter throws',
    Object.create(
      Object.defineProperty({}, 'constructor', {
        get(): never {
          throw new Error('constructor getter');
        },
      }),
    ) as object,
    'an object',
  ],
  [
    'an object whose Symbol.toStringTag getter throws',
    {
      get [Symbol.toStringTag](): string {
        throw new Error('tag getter');
      },
    },
    'an object',
  ],
];
/** Not an ObservableInput (strings are refused on purpose: from('abc') emits characters). */
const NOT_INPUT: readonly Bad[] = [...SCALARS, ...OBJECTS, ...UNINSPECTABLE];
/** Not an AbortSignal, including the two classic mistakes: the controller, and a look-alike. */
const NOT_SIGNAL: readonly Bad[] = [
  ...SCALARS.filter(([label]) => label !== 'undefined'),
  ...OBJECTS,
  ['an AbortController (not its signal)', new AbortController(), 'an instance of AbortController'],
  [
    'a signal look-alike',
    { aborted: false, reason: undefined, addEventListener() {} },
    'an object { aborted, reason, addEventListener }',
  ],
  ['an array of a signal', [new AbortController().signal], 'an array of length 1'],
  ['an object that only claims to be one', { [Symbol.toStringTag]: 'AbortSignal' }, 'an object tagged AbortSignal'],
  [
    'a tagged look-alike that can add a listener but not remove one (it would fail half-way through a cancellation)',
    { [Symbol.toStringTag]: 'AbortSignal', aborted: false, addEventListener() {} },
    'an object tagged AbortSignal',
  ],
];
/** Not an options bag (undefined is fine: no options). */
const NOT_OPTIONS: readonly Bad[] = [
  ['null', null, 'null'],
  ['a number', 42, 'the number 42'],
  ['a string', 'abc', 'the string "abc"'],
  ['a boolean', true, 'the boolean true'],
  ['an array', [], 'an array of length 0'],
  ['a function', function named() {}, 'a function'],
  // the signal itself instead of { signal }: accepted, it would drop the caller's cancellation
  ['an AbortSignal (not { signal })', new AbortController().signal, 'an instance of AbortSignal'],
  ['a Date', new Date(0), 'an instance of Date'],
  ['a Map', new Map(), 'an instance of Map'],
  ['a task', task(NEVER, { name: 'not options' }), 'an instance of Task'],
  ['an Observable', of(1), 'an instance of Observable'],
  ['a Subject', new Subject(), 'an instance of Subject'],
  [
    'a generator object',
    (function* generate() {
      yield 1;
    })(),
    'an object tagged Generator',
  ],
];
const NOT_BOOLEAN: readonly Bad[] = [
  ['null', null, 'null'],
  ['a string', 'yes', 'the string "yes"'],
  ['a number', 1, 'the number 1'],
  ['an object', {}, 'an empty object'],
];
const NOT_STRING: readonly Bad[] = [
  ['null', null, 'null'],
  ['a number', 42, 'the number 42'],
  ['an object', { first: 'x' }, 'an object { first }'],
];
const NOT_ARRAY: readonly Bad[] = [
  ...NOT_INPUT,
  ['a single observable', of(1), 'an instance of Observable'],
  ['a single task', task(of(1)), 'an instance of Task'],
  ['a Set of observables', new Set([of(1)]), 'an instance of Set'],
  ['an array-like object', { length: 1, 0: of(1) }, 'an object { 0, length }'],
  [
    'a generator of observables',
    (function* observables() {
      yield of(1);
    })(),
    'an object tagged Generator',
  ],
];

/** A fresh probe per row: it must still be untouched once the bad call has thrown. */
function probe() {
  let subscriptions = 0;
  const source = new Observable<number>(() => {
    subscriptions++;
  });
  const controller = new AbortController();
  return {
    source,
    task: task(source, { signal: controller.signal, name: 'probe' }),
    signal: controller.signal,
    untouched() {
      expect(subscriptions).toBe(0);
      expect(this.task.state).toBe('pending');
      // the probe task itself placed the one listener; nothing else may remain
      expect(abortListeners(controller.signal)).toBe(1);
    },
  };
}

function expectTypeError(call: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as TypeError).message).toBe(message);
}

async function expectRejectedTypeError(call: () => unknown, message: string): Promise<void> {
  let result: unknown;
  expect(() => (result = call())).not.toThrow();
  expect(result).toBeInstanceOf(Promise);
  const error = await (result as Promise<unknown>).then(
    () => 'resolved',
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TypeError);
  expect((error as TypeError).message).toBe(message);
}

type Row = readonly [name: string, call: (p: ReturnType<typeof probe>) => unknown, message: string];

/** Rows for one slot: `call(p, bad)` must throw `fn(): expected <expected>, got <described>`. */
function rows(
  fn: string,
  slot: string,
  bads: readonly Bad[],
  expected: string,
  call: (p: ReturnType<typeof probe>, bad: unknown) => unknown,
): Row[] {
  return bads.map(([label, value, described]) => [
    `${fn}: ${slot} given ${label}`,
    (p) => call(p, value),
    `${fn}(): expected ${expected}, got ${described}`,
  ]);
}

const INPUT = 'an Observable, Promise or iterable';
const any = (value: unknown) => value as never;

const THROWING: Row[] = [
  // task, new Task, startTask
  ...rows('task', 'source', NOT_INPUT, `${INPUT.replace(' or iterable', ', iterable or function')}`, (_, v) =>
    task(any(v)),
  ),
  ...rows(
    'task',
    'source (new Task)',
    NOT_INPUT,
    'an Observable, Promise, iterable or function',
    (_, v) => new Task(any(v)),
  ),
  ...rows('startTask', 'source', NOT_INPUT, 'an Observable, Promise, iterable or function', (_, v) =>
    startTask(any(v)),
  ),
  ...rows('task', 'options', NOT_OPTIONS, 'an options object or undefined', (p, v) => task(p.source, any(v))),
  ...rows('task', 'options.signal', NOT_SIGNAL, 'options.signal to be an AbortSignal', (p, v) =>
    task(p.source, { signal: any(v) }),
  ),
  ...rows('task', 'options.refCount', NOT_BOOLEAN, 'options.refCount to be a boolean', (p, v) =>
    task(p.source, { refCount: any(v) }),
  ),
  ...rows('task', 'options.name', NOT_STRING, 'options.name to be a string', (p, v) =>
    task(p.source, { name: any(v) }),
  ),
  ...rows('startTask', 'options', NOT_OPTIONS, 'an options object or undefined', (p, v) => startTask(p.source, any(v))),
  ...rows('startTask', 'options.signal', NOT_SIGNAL, 'options.signal to be an AbortSignal', (p, v) =>
    startTask(p.source, { signal: any(v) }),
  ),
  ...rows('task', 'options.name (after startTask)', NOT_STRING, 'options.name to be a string', (p, v) =>
    task(p.source, { name: any(v) }),
  ),

  // detectCancel and shield, both forms
  ...rows('detectCancel', 'source', NOT_INPUT, INPUT, (_, v) => detectCancel(any(v))),
  ...rows('detectCancel', 'source (operator form)', NOT_INPUT, INPUT, (_, v) => detectCancel()(any(v))),
  ...rows('detectCancel', 'source', [['a function', () => of(1), 'a function']], INPUT, (_, v) => detectCancel(any(v))),
  ...rows('shield', 'source', NOT_INPUT, INPUT, (_, v) => shield(any(v))),
  ...rows('shield', 'source (operator form)', NOT_INPUT, INPUT, (_, v) => shield()(any(v))),
  ...rows('shield', 'source', [['a function', () => of(1), 'a function']], INPUT, (_, v) => shield(any(v))),

  // cancelWhen
  ...rows('cancelWhen', 'signal', [['undefined', undefined, 'undefined'], ...NOT_SIGNAL], 'an AbortSignal', (_, v) =>
    cancelWhen(any(v)),
  ),
  ...rows('cancelWhen', 'source (operator called by hand)', NOT_INPUT, INPUT, (p, v) => cancelWhen(p.signal)(any(v))),

  // linkSignals: every argument, checked before any is linked
  ...rows('linkSignals', 'argument 0', NOT_SIGNAL, 'an AbortSignal as argument 0', (_, v) => linkSignals(any(v))),
  ...rows('linkSignals', 'argument 1 (after a good one)', NOT_SIGNAL, 'an AbortSignal as argument 1', (p, v) =>
    linkSignals(p.signal, any(v)),
  ),
  ...rows(
    'linkSignals',
    'argument 0',
    [['undefined', undefined, 'undefined']],
    'an AbortSignal as argument 0',
    (_, v) => linkSignals(any(v)),
  ),

  // combinators
  ...(['whenAllCancellable', 'whenAnyCancellable'] as const).flatMap((fn) => {
    const combinator = fn === 'whenAllCancellable' ? whenAllCancellable : whenAnyCancellable;
    return [
      ...rows(fn, 'sources', NOT_ARRAY, `an array of sources (${INPUT} each)`, (_, v) => combinator(any(v))),
      ...rows(
        fn,
        'sources[1]',
        [...NOT_INPUT, ['a function', () => of(1), 'a function']],
        `sources[1] to be ${INPUT}`,
        (p, v) => combinator([p.task, any(v)]),
      ),
      ...rows(fn, 'options', NOT_OPTIONS, 'an options object or undefined', (p, v) => combinator([p.task], any(v))),
      ...rows(fn, 'options.signal', NOT_SIGNAL, 'options.signal to be an AbortSignal', (p, v) =>
        combinator([p.task], { signal: any(v) }),
      ),
      [
        `${fn}: a sparse array (hole in the middle)`,
        // eslint-disable-next-line no-sparse-arrays
        (p) => combinator([p.task, , p.source] as never),
        `${fn}(): expected sources[1] to be an Observable, Promise or iterable, got undefined`,
      ] as Row,
      [
        `${fn}: a sparse array (new Array(2))`,
        () => combinator(new Array(2) as never),
        `${fn}(): expected sources[0] to be an Observable, Promise or iterable, got undefined`,
      ] as Row,
    ];
  }),
  [
    'whenAnyCancellable: an empty array',
    () => whenAnyCancellable([]),
    'whenAnyCancellable(): expected at least one source, got an array of length 0',
  ],

  // the error classes
  ...rows(
    'ChildCancelled',
    'cause',
    [
      ...NOT_INPUT,
      ['an Error that is not a CancelledError', new Error('x'), 'an instance of Error'],
      ['a CancelledError look-alike', { name: 'CancelledError', reason: 'r' }, 'an object { name, reason }'],
    ],
    'a CancelledError as cause',
    (_, v) => new ChildCancelled(any(v)),
  ),
  ...rows(
    'CancelledError',
    'task',
    [
      ...NOT_INPUT.filter(([label]) => label !== 'undefined'),
      ['an Observable that is not a task', of(1), 'an instance of Observable'],
    ],
    'a Task or undefined as task',
    (_, v) => new CancelledError('reason', any(v)),
  ),
];

const REJECTING: Row[] = [
  ...rows('awaitTask', 'source', [...NOT_INPUT, ['a function', () => of(1), 'a function']], INPUT, (_, v) =>
    awaitTask(any(v)),
  ),
  ...rows('awaitTask', 'options', NOT_OPTIONS, 'an options object or undefined', (p, v) => awaitTask(p.task, any(v))),
  ...rows('awaitTask', 'options.signal', NOT_SIGNAL, 'options.signal to be an AbortSignal', (p, v) =>
    awaitTask(p.task, { signal: any(v) }),
  ),
  ...rows('awaitTask', 'options.shield', NOT_BOOLEAN, 'options.shield to be a boolean', (p, v) =>
    awaitTask(p.task, { shield: any(v) }),
  ),
];

describe('bad input: every export throws a TypeError naming itself and the value, and subscribes nothing', () => {
  it.each(THROWING)('%s', (_name, call, message) => {
    const p = probe();
    expectTypeError(() => call(p), message);
    p.untouched();
  });
});

describe('bad input: awaitTask returns a promise rejected with the TypeError, and subscribes nothing', () => {
  it.each(REJECTING)('%s', async (_name, call, message) => {
    const p = probe();
    await expectRejectedTypeError(() => call(p), message);
    p.untouched();
  });
});

describe('bad input: what a factory returns is checked when the task starts', () => {
  it.each(NOT_INPUT.map(([label, value, described]) => [label, value, described] as const))(
    'a factory returning %s errors the task with a TypeError; start() itself does not throw',
    (_label, value, described) => {
      const errors: unknown[] = [];
      const t = task(() => value as never);
      expect(() => t.subscribe({ error: (e) => errors.push(e) })).not.toThrow();
      expect(t.state).toBe('errored');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TypeError);
      expect((errors[0] as TypeError).message).toBe(
        `task(): expected the factory to return ${INPUT}, got ${described}`,
      );
    },
  );
});

describe('bad input: what the checks read of yours (docs/semantics.md, "Bad input")', () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  it('a revoked Proxy given as a source is described as an object', () => {
    expect(() => task(revoked() as never)).toThrow(
      new TypeError('task(): expected an Observable, Promise, iterable or function, got an object'),
    );
    expect(() => whenAllCancellable([revoked() as never])).toThrow(
      new TypeError(
        'whenAllCancellable(): expected sources[0] to be an Observable, Promise or iterable, got an object',
      ),
    );
  });
  it('a revoked Proxy given as options or a signal throws the engine TypeError from the check, subscribing nothing', async () => {
    const p = probe();
    expect(() => task(p.source, revoked() as never)).toThrow(/proxy that has been revoked/);
    expect(() => cancelWhen(revoked() as never)).toThrow(/proxy that has been revoked/);
    await expect(awaitTask(p.task, revoked() as never)).rejects.toThrow(/proxy that has been revoked/);
    p.untouched();
  });
  it('a getter of yours that throws while options are checked escapes as its own error, subscribing nothing', async () => {
    const p = probe();
    const boom = new Error('getter');
    const options = {
      get signal(): never {
        throw boom;
      },
    };
    expect(() => task(p.source, options)).toThrow(boom);
    expect(() => whenAllCancellable([p.task], options)).toThrow(boom);
    await expect(awaitTask(p.task, options)).rejects.toBe(boom);
    p.untouched();
  });
});

describe('bad input: a combinator reads each participant once, at the call', () => {
  it.each(['whenAllCancellable', 'whenAnyCancellable'] as const)(
    '%s: a participant whose getter answers a source, then null, runs as the source it was checked as',
    async (name) => {
      const combinator = name === 'whenAllCancellable' ? whenAllCancellable : whenAnyCancellable;
      let reads = 0;
      const sources: unknown[] = [];
      Object.defineProperty(sources, 0, {
        enumerable: true,
        configurable: true,
        get: () => (reads++ === 0 ? of('checked') : null),
      });
      const result = combinator(sources as never);
      expect(reads).toBe(1);
      sources.length = 0; // the caller's array may change afterwards, too
      expect(await firstValueFrom(result)).toEqual(
        name === 'whenAllCancellable' ? ['checked'] : { index: 0, value: 'checked' },
      );
      expect(reads).toBe(1);
    },
  );
});

describe('bad input: cancel() called on something that is not a task (detached) throws a TypeError naming it', () => {
  const CANCEL = 'task.cancel(): expected a task as this, got';

  it('cancels nothing: the task runs on, its observer hears nothing, and its own cancel() still works', () => {
    const t = startTask(NEVER);
    const heard: string[] = [];
    t.subscribe({ error: (e: unknown) => heard.push(`error ${(e as Error).name} ${(e as CancelledError).reason}`) });
    const { cancel } = t;
    expectTypeError(() => cancel('detached'), `${CANCEL} undefined`);
    // signal.addEventListener('abort', t.cancel) calls it on the signal
    expectTypeError(
      () => cancel.call(new AbortController().signal, 'listener'),
      `${CANCEL} an instance of AbortSignal`,
    );
    expectTypeError(() => cancel.call({}, 'object'), `${CANCEL} an empty object`);
    expect(t.state).toBe('running');
    expect(heard).toEqual([]);
    expect(t.cancel('mine')).toBe(true);
    expect(heard).toEqual(['error CancelledError mine']);
  });

  it('passed as a callback it fails loudly where it used to do nothing: RxJS reports the TypeError of a Subject observer', () => {
    const t = startTask(NEVER);
    const trigger = new Subject<string>();
    trigger.subscribe(t.cancel);
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => reported.push(e);
    jest.useFakeTimers();
    try {
      trigger.next('go');
      jest.runOnlyPendingTimers();
    } finally {
      jest.useRealTimers();
      config.onUnhandledError = previous;
    }
    expect(t.state).toBe('running');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(TypeError);
    // rxjs 7.8 calls the observer function on RxJS's own partial observer, rxjs 7.4 on nothing
    expect((reported[0] as TypeError).message).toMatch(
      /^task\.cancel\(\): expected a task as this, got (undefined|an object \{ next, error, complete \})$/,
    );
    t.cancel();
  });

  it("in finalize() it is thrown by the unsubscribe() that ran it, in an UnsubscriptionError; inside RxJS's own subscribe call only config.onStoppedNotification gets it", () => {
    const t = startTask(NEVER);
    const sub = new Subject<string>().pipe(finalize(t.cancel)).subscribe();
    let thrown: unknown;
    try {
      sub.unsubscribe();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnsubscriptionError);
    const [inner] = (thrown as UnsubscriptionError).errors as unknown[];
    expect(inner).toBeInstanceOf(TypeError);
    expect((inner as TypeError).message).toBe('task.cancel(): expected a task as this, got undefined');

    const stopped: unknown[] = [];
    const reported: unknown[] = [];
    const previous = { onStoppedNotification: config.onStoppedNotification, onUnhandledError: config.onUnhandledError };
    config.onStoppedNotification = (notification) => stopped.push(notification);
    config.onUnhandledError = (e) => reported.push(e);
    jest.useFakeTimers();
    try {
      expect(() => of(1).pipe(finalize(t.cancel)).subscribe()).not.toThrow();
      jest.runOnlyPendingTimers();
    } finally {
      jest.useRealTimers();
      Object.assign(config, previous);
    }
    expect(reported).toEqual([]);
    expect(stopped).toHaveLength(1);
    expect(t.state).toBe('running');
    t.cancel();
  });
});

describe('bad input: start() called on something that is not a task (detached) throws a TypeError naming it', () => {
  it('starts nothing: the task stays pending, and its own start() still runs it', () => {
    let subscribed = 0;
    const t = task(new Observable<never>(() => void subscribed++));
    const { start } = t;
    expectTypeError(() => start(), 'task.start(): expected a task as this, got undefined');
    // button.addEventListener('click', t.start) calls it on the button
    expectTypeError(() => start.call({ id: 'button' }), 'task.start(): expected a task as this, got an object { id }');
    expect(t.state).toBe('pending');
    expect(subscribed).toBe(0);
    expect(t.start()).toBe(t);
    expect(t.state).toBe('running');
    expect(subscribed).toBe(1);
    expect(start.call(t)).toBe(t); // a running task: a no-op, as before
    expect(subscribed).toBe(1);
    t.cancel();
  });
});

describe('bad input: the counts', () => {
  it('covers every export of the package', async () => {
    const exported = Object.keys(await import('../src')).sort();
    const covered = new Set(
      [...THROWING, ...REJECTING].map(([name]) => name.split(':')[0]!).concat(['Task']), // Task: the "(new Task)" rows
    );
    expect(exported.filter((name) => !covered.has(name))).toEqual([]);
    expect(THROWING.length + REJECTING.length).toBeGreaterThan(300);
  });
});

describe('an already-ended task belongs wherever a task is accepted: it replays its result', () => {
  const ended = () => {
    const completed = task(of('done'));
    completed.subscribe();
    const failed = task(new Observable<string>((s) => s.error(new Error('failed'))));
    failed.subscribe({ error: () => undefined });
    const cancelled = startTask(NEVER, { name: 'cancelled' });
    cancelled.cancel('r');
    return { completed, failed, cancelled };
  };

  it('task(endedTask) and detectCancel/shield of it replay the value and the end', async () => {
    const { completed, cancelled } = ended();
    await expect(firstValueFrom(task(completed))).resolves.toBe('done');
    await expect(firstValueFrom(detectCancel(completed))).resolves.toBe('done');
    await expect(firstValueFrom(shield(completed))).resolves.toBe('done');
    const error = await firstValueFrom(cancelled.pipe(detectCancel())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChildCancelled);
    expect((error as ChildCancelled).child).toBe(cancelled);
  });

  it('awaitTask(endedTask) settles with its result', async () => {
    const { completed, failed, cancelled } = ended();
    await expect(awaitTask(completed)).resolves.toBe('done');
    await expect(awaitTask(failed)).rejects.toThrow('failed');
    await expect(awaitTask(cancelled)).rejects.toBeInstanceOf(ChildCancelled);
  });

  it('combinators take ended participants: a completed one gives its result, a cancelled one ends the combinator', async () => {
    const { completed, cancelled } = ended();
    const running = new Subject<string>();
    const live = task(running);
    await expect(firstValueFrom(whenAllCancellable([completed, task(of('x'))]))).resolves.toEqual(['done', 'x']);
    await expect(firstValueFrom(whenAnyCancellable([live, completed]))).resolves.toEqual({ index: 1, value: 'done' });
    expect(live.state).toBe('cancelled'); // the loser, owned only by the combinator, was released
    const error = await firstValueFrom(whenAllCancellable([cancelled, task(NEVER)])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChildCancelled);
  });

  it('an ended task signal is accepted as options.signal: a cancelled one cancels at once, a completed one never aborts', () => {
    const { completed, cancelled } = ended();
    const linkedToCancelled = task(NEVER, { signal: cancelled.signal });
    expect(linkedToCancelled.state).toBe('cancelled');
    expect((linkedToCancelled.signal.reason as CancelledError).reason).toBe(cancelled.signal.reason);
    const linkedToCompleted = startTask(NEVER, { signal: completed.signal });
    expect(linkedToCompleted.state).toBe('running');
    expect(abortListeners(completed.signal)).toBe(0);
    linkedToCompleted.cancel();
  });

  it('cancel() on an ended task is a no-op returning false, and new CancelledError/ChildCancelled accept an ended task', () => {
    const { completed, cancelled } = ended();
    expect(completed.cancel('late')).toBe(false);
    expect(completed.state).toBe('completed');
    const error = new CancelledError('r', cancelled);
    expect(error.task).toBe(cancelled);
    expect(new ChildCancelled(error).child).toBe(cancelled);
  });
});

// From a mutation audit (sixth pass, StrykerJS): describe()'s edges and isAbortSignal's second method check.
describe('bad input: how a value is described, at the edges (sixth mutation audit)', () => {
  const described = (value: unknown) => {
    try {
      task(value as never);
    } catch (e) {
      return (e as Error).message.replace('task(): expected an Observable, Promise, iterable or function, got ', '');
    }
    return 'accepted';
  };

  it('a string of exactly 40 characters is shown whole, without an ellipsis; 41 are cut after 40', () => {
    expect(described('y'.repeat(40))).toBe(`the string "${'y'.repeat(40)}"`);
    expect(described('y'.repeat(41))).toBe(`the string "${'y'.repeat(40)}…"`);
  });

  it('an object whose prototype has no constructor is an empty object, not "an object"', () => {
    expect(described(Object.create(Object.create(null) as object))).toBe('an empty object');
  });

  it('a class whose name is not a string is described by its keys, not "an instance of 42"', () => {
    class Named {
      a = 1;
    }
    Object.defineProperty(Named, 'name', { value: 42 });
    expect(described(new Named())).toBe('an object { a }');
  });

  it('a tagged look-alike that can remove a listener but not add one is refused up front, as options.signal', () => {
    const lookAlike = { [Symbol.toStringTag]: 'AbortSignal', aborted: false, removeEventListener() {} };
    const p = probe();
    expect(() => task(p.source, { signal: lookAlike as never })).toThrow(
      new TypeError('task(): expected options.signal to be an AbortSignal, got an object tagged AbortSignal'),
    );
    expect(() => cancelWhen(lookAlike as never)).toThrow(
      new TypeError('cancelWhen(): expected an AbortSignal, got an object tagged AbortSignal'),
    );
    p.untouched();
  });
});
