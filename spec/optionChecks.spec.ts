/**
 * The options checks shared by every export that takes options (src/validate.ts: checkSignalOption, and
 * checkOptions on top of it for the typed keys): what is read, in which order, which message wins when
 * several keys are wrong, and that no options at all cost no check. Also the empty run of
 * whenAllCancellable, which ends through the same path as a last participant's completion.
 */
import { getEventListeners } from 'node:events';
import { NEVER, Observable, of, Subject, Subscriber } from 'rxjs';
import { awaitTask, startTask, task, Task, whenAllCancellable, whenAnyCancellable } from '../src';

type Call = (options: unknown) => unknown;
const any = (value: unknown) => value as never;

const CALLS: Record<string, Call> = {
  task: (o) => task(of(1), any(o)),
  startTask: (o) => startTask(of(1), any(o)),
  'new Task': (o) => new Task(of(1), any(o)),
  whenAllCancellable: (o) => whenAllCancellable([of(1)], any(o)),
  whenAnyCancellable: (o) => whenAnyCancellable([of(1)], any(o)),
};
const fnName = (label: string) => (label === 'new Task' ? 'task' : label);

/** Calls `call`, returning the message it throws, or awaitTask's rejection. */
async function messageOf(call: () => unknown): Promise<string | undefined> {
  try {
    const result = call();
    if (result instanceof Promise) await result;
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as TypeError).message;
  }
  return undefined;
}

/** The string keys of `bag` read by `call`, in order. */
function readsOf(bag: object, call: Call): string[] {
  const reads: string[] = [];
  const traced = new Proxy(bag, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !key.startsWith('@@')) reads.push(key); // not the task brand
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  try {
    const result = call(traced);
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // the reads are what this looks at
  }
  return reads;
}

describe('options: the signal first, then the typed keys in order', () => {
  for (const [label, call] of Object.entries(CALLS)) {
    const fn = fnName(label);
    it(`${label}: a wrong signal wins over every other wrong key, whatever the bag's key order`, async () => {
      expect(await messageOf(() => call({ refCount: 1, name: 1, shield: 1, signal: 3 }))).toBe(
        `${fn}(): expected options.signal to be an AbortSignal, got the number 3`,
      );
    });
    it(`${label}: signal: null is refused, signal: undefined is none`, async () => {
      expect(await messageOf(() => call({ signal: null }))).toBe(
        `${fn}(): expected options.signal to be an AbortSignal, got null`,
      );
      expect(await messageOf(() => call({ signal: undefined }))).toBeUndefined();
    });
    it(`${label}: inherited keys count, a bag without a prototype is a bag`, async () => {
      expect(await messageOf(() => call(Object.create({ signal: 3 })))).toBe(
        `${fn}(): expected options.signal to be an AbortSignal, got the number 3`,
      );
      expect(await messageOf(() => call(Object.create(null)))).toBeUndefined();
    });
    it(`${label}: a task is not an options bag`, async () => {
      expect(await messageOf(() => call(task(NEVER)))).toBe(
        `${fn}(): expected an options object or undefined, got an instance of Task`,
      );
    });
    it(`${label}: nor is any other Observable (a Subject, an interop object with a subscribe method)`, async () => {
      expect(await messageOf(() => call(of(2)))).toBe(
        `${fn}(): expected an options object or undefined, got an instance of Observable`,
      );
      expect(await messageOf(() => call(new Subject()))).toBe(
        `${fn}(): expected an options object or undefined, got an instance of Subject`,
      );
      expect(await messageOf(() => call({ subscribe: () => undefined }))).toBe(
        `${fn}(): expected an options object or undefined, got an object { subscribe }`,
      );
    });
    it(`${label}: each key is read once: a getter that answers well, then badly, is used as it answered the check`, async () => {
      const controller = new AbortController();
      let reads = 0;
      const fickle = {
        get signal() {
          return reads++ === 0 ? controller.signal : 42;
        },
      };
      expect(await messageOf(() => call(fickle))).toBeUndefined();
      expect(reads).toBe(1);
    });
  }

  for (const label of ['task', 'startTask', 'new Task']) {
    const call = CALLS[label];
    const fn = fnName(label);
    it(`${label}: name before refCount; the check reads signal, name, refCount in that order`, async () => {
      expect(await messageOf(() => call({ refCount: 'x', name: 1 }))).toBe(
        `${fn}(): expected options.name to be a string, got the number 1`,
      );
      expect(await messageOf(() => call(Object.create({ refCount: 'x' })))).toBe(
        `${fn}(): expected options.refCount to be a boolean, got the string "x"`,
      );
      expect(readsOf({}, call)).toEqual(['subscribe', 'signal', 'name', 'refCount']);
    });
  }

  it('awaitTask: signal before shield, in reads and in messages', async () => {
    const call: Call = (o) => awaitTask(of(1), any(o));
    expect(await messageOf(() => call({ shield: 1, signal: 3 }))).toBe(
      'awaitTask(): expected options.signal to be an AbortSignal, got the number 3',
    );
    expect(await messageOf(() => call({ shield: 1, name: 1 }))).toBe(
      'awaitTask(): expected options.shield to be a boolean, got the number 1',
    );
    expect(readsOf({}, call)).toEqual(['subscribe', 'signal', 'shield']);
  });

  it('awaitTask: each key is read once, and used as it answered the check', async () => {
    const controller = new AbortController();
    const reads: string[] = [];
    const fickle = {
      get signal() {
        reads.push('signal');
        return reads.length === 1 ? controller.signal : 42;
      },
      get shield() {
        reads.push('shield');
        return reads.length === 2 ? true : 'x';
      },
    };
    const t = task(NEVER);
    const settled = awaitTask(t, any(fickle)).catch((e: unknown) => e);
    controller.abort('left');
    expect(t.state).toBe('running'); // shielded: the caller left, the task runs on
    expect(await settled).toMatchObject({ name: 'CancelledError', reason: 'left' });
    expect(reads).toEqual(['signal', 'shield']);
    t.cancel();
  });

  it('the combinators take only a signal: other keys are neither read nor checked', async () => {
    for (const call of [CALLS.whenAllCancellable, CALLS.whenAnyCancellable]) {
      expect(await messageOf(() => call({ name: 1, refCount: 'x', shield: 1 }))).toBeUndefined();
      expect(readsOf({}, call)).toEqual(['subscribe', 'signal']);
    }
  });
});

describe('options: none given, nothing checked (the task lifecycle hot path)', () => {
  // A key that every object inherits is what an unchecked read of an empty bag would find: it shows whether
  // `task(source)` walks the typed keys at all. At 5e89886 it did not; it must not now.
  const polluted = ['refCount', 'shield'] as const;
  beforeAll(() => {
    for (const key of polluted)
      Object.defineProperty(Object.prototype, key, { value: 'x', configurable: true, writable: true });
  });
  afterAll(() => {
    for (const key of polluted) delete (Object.prototype as Record<string, unknown>)[key];
  });

  it('task(source), startTask(source), new Task(source) and awaitTask(source) run no key check', async () => {
    expect(await messageOf(() => task(of(1)))).toBeUndefined();
    expect(await messageOf(() => startTask(of(1)))).toBeUndefined();
    expect(await messageOf(() => new Task(of(1)))).toBeUndefined();
    expect(await messageOf(() => awaitTask(of(1)))).toBeUndefined();
  });
});

describe('whenAllCancellable([]): [] then complete, as before the empty hook went', () => {
  it('with a live signal: no listener placed, each subscription its own fresh array', () => {
    const controller = new AbortController();
    const empty = whenAllCancellable([], { signal: controller.signal });
    const log: unknown[] = [];
    const arrays: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const subscription = empty.subscribe({
        next: (value) => {
          arrays.push(value);
          log.push(value);
        },
        error: (error: unknown) => log.push(error),
        complete: () => log.push('complete'),
      });
      expect(subscription.closed).toBe(true);
    }
    expect(log).toEqual([[], 'complete', [], 'complete']);
    expect(arrays[0]).not.toBe(arrays[1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort('late');
    // an aborted signal wins over the empty list (contract), also for a later subscription
    empty.subscribe({ error: (error) => log.push((error as { reason: unknown }).reason) });
    expect(log.at(-1)).toBe('late');
  });

  it('unsubscribed from inside next(): no complete', () => {
    const log: unknown[] = [];
    const subscriber: Subscriber<unknown[]> = new Subscriber({
      next: (value) => {
        log.push(value);
        subscriber.unsubscribe();
      },
      error: (error: unknown) => log.push(error),
      complete: () => log.push('complete'),
    });
    whenAllCancellable([]).subscribe(subscriber);
    expect(log).toEqual([[]]);
    expect(subscriber.closed).toBe(true);
  });

  it('subscribed inside a task teardown: delivered at once', () => {
    const log: unknown[] = [];
    const parent = task(
      () =>
        new Observable(() => () => {
          whenAllCancellable([]).subscribe({ next: (v) => log.push(v), complete: () => log.push('complete') });
          log.push('teardown done');
        }),
    );
    parent.subscribe({ error: () => log.push('parent cancelled') });
    parent.cancel();
    expect(log).toEqual([[], 'complete', 'teardown done', 'parent cancelled']);
  });
});

// From a mutation audit (the emptiness check of whenAnyCancellable looks at its copy):
describe('whenAnyCancellable: the "at least one source" check looks at the copy it checked', () => {
  it('an array whose length reads 0 when copied and 1 afterwards is refused as empty, with its length read once', () => {
    const reads: string[] = [];
    let lengthReads = 0;
    const shifty = new Proxy([] as unknown[], {
      get(target, key, receiver) {
        if (key === 'length') {
          reads.push('length');
          return lengthReads++ === 0 ? 0 : 1;
        }
        if (key === '0') return of('late');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(() => whenAnyCancellable(shifty as never)).toThrow(
      new TypeError('whenAnyCancellable(): expected at least one source, got an array of length 0'),
    );
    expect(reads).toEqual(['length']);
  });
});
