/**
 * A combinator's array as bad input (species, a revoked Proxy, huge sparse arrays), and what marble-test authors and
 * README readers rely on. From an adversarial pass of the nineteenth landing: it found the array bugs (RELIABILITY.md,
 * bug 18); the rest it checked and found to hold.
 */
import { getEventListeners } from 'node:events';
import { NEVER, of, Subject, firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { marbles } from 'rxjs-marbles/jest';
import {
  awaitTask,
  CancelledError,
  ChildCancelled,
  detectCancel,
  linkSignals,
  shield,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../src';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;
const combinators = [
  ['whenAllCancellable', whenAllCancellable],
  ['whenAnyCancellable', whenAnyCancellable],
] as const;

/** An array whose `constructor[Symbol.species]` builds a plain object: `slice()` copies it into a non-array. */
function arrayWithForeignSpecies<T>(items: T[]): T[] {
  const array = [...items];
  Object.defineProperty(array, 'constructor', {
    value: {
      [Symbol.species]: function NotAnArray(this: object) {
        return this;
      },
    },
  });
  return array;
}

describe('a combinator copies its array element by element, whatever its species (bug 18)', () => {
  it.each(combinators)(
    '%s: an array whose constructor species is not Array runs as the array it was checked as (it is an array)',
    async (name, combinator) => {
      // Array.isArray(sources) is true and every element is a source, so the call is accepted; with slice(),
      // subscribing errored with the internal "TypeError: _sources.map is not a function".
      const result = combinator(arrayWithForeignSpecies([of(1)]) as never);
      await expect(firstValueFrom(result)).resolves.toEqual(
        name === 'whenAllCancellable' ? [1] : { index: 0, value: 1 },
      );
    },
  );

  it.each(combinators)(
    '%s: an array whose own `constructor` is not a constructor is taken, or refused with a TypeError naming the function',
    (name, combinator) => {
      const sources = [of(1)];
      Object.defineProperty(sources, 'constructor', { value: 5 });
      // with slice(): the engine's "object.constructor[Symbol.species] is not a constructor", not naming the export
      let thrown: unknown = null;
      try {
        combinator(sources as never);
      } catch (error) {
        thrown = error;
      }
      if (thrown !== null) expect((thrown as Error).message).toMatch(new RegExp(`^${name}\\(\\)`));
    },
  );
});

describe('a revoked Proxy, or a huge sparse array, as the sources array', () => {
  it.each(combinators)(
    "%s(revokedProxy) throws the engine's TypeError, as a revoked Proxy given as options does (documented)",
    (_name, combinator) => {
      const { proxy, revoke } = Proxy.revocable([], {});
      revoke();
      expect(() => combinator(proxy as never)).toThrow(
        new TypeError("Cannot perform 'IsArray' on a proxy that has been revoked"),
      );
    },
  );

  it('the first hole stops the check before any later slot is looked at (slice() visited every slot first)', () => {
    const touched: string[] = [];
    const sparse = new Proxy(new Array<unknown>(1000), {
      get(target, key, receiver) {
        if (key !== 'length') touched.push(`get ${String(key)}`);
        return Reflect.get(target, key, receiver) as unknown;
      },
      has(target, key) {
        touched.push(`has ${String(key)}`);
        return Reflect.has(target, key);
      },
    });
    expect(() => whenAllCancellable(sparse as never)).toThrow(
      'whenAllCancellable(): expected sources[0] to be an Observable, Promise or iterable, got undefined',
    );
    expect(touched).toEqual(['get 0']);
  });
});

describe('checked, holds', () => {
  it('a Proxy array is read once per element, and a subclass of Array works', () => {
    const reads: string[] = [];
    const proxy = new Proxy([of(1), of(2)], {
      get(target, key, receiver) {
        reads.push(String(key));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    let result: unknown;
    whenAllCancellable(proxy).subscribe((v) => (result = v));
    expect(result).toEqual([1, 2]);
    expect(reads.filter((k) => k === '0' || k === '1')).toEqual(['0', '1']);
    class Sub<T> extends Array<T> {}
    let sub: unknown;
    whenAllCancellable(Sub.from([of('a'), of('b')]) as never).subscribe((v) => (sub = v));
    expect(Array.from(sub as string[])).toEqual(['a', 'b']);
  });

  it('a null-prototype source is refused as an empty object; null-prototype and inherited options are read, and leave no listener', () => {
    expect(() => task(Object.create(null) as never)).toThrow(
      new TypeError('task(): expected an Observable, Promise, iterable or function, got an empty object'),
    );
    const ctl = new AbortController();
    const nullProto = Object.assign(Object.create(null) as object, { signal: ctl.signal });
    const inherited = Object.create({ signal: ctl.signal }) as object;
    for (const options of [nullProto, inherited]) {
      const t = task(NEVER, options);
      t.subscribe({ error: () => undefined });
      expect(listeners(ctl.signal)).toBe(1);
      t.cancel();
      expect(listeners(ctl.signal)).toBe(0);
      const s = whenAllCancellable([NEVER], options).subscribe();
      expect(listeners(ctl.signal)).toBe(1);
      s.unsubscribe();
      expect(listeners(ctl.signal)).toBe(0);
    }
  });

  it('a signal from AbortSignal.any() links a task and linkSignals, and both let go of it', () => {
    const ctl = new AbortController();
    const any = AbortSignal.any([ctl.signal]);
    const t = task(NEVER, { signal: any });
    const errors: unknown[] = [];
    t.subscribe({ error: (e) => errors.push(e) });
    const link = linkSignals(any, ctl.signal);
    link.unlink();
    ctl.abort('x');
    expect(t.state).toBe('cancelled');
    expect((errors[0] as CancelledError).reason).toBe('x');
    expect([listeners(any), listeners(ctl.signal)]).toEqual([0, 0]);
  });

  it('thenables that are not promises are sources (awaitTask resolves a synchronous one)', async () => {
    let value: unknown;
    task({ then: (resolve: (v: number) => void) => resolve(5) } as never).subscribe((v) => (value = v));
    expect(value).toBe(5);
    await expect(awaitTask({ then: (resolve: (v: number) => void) => resolve(7) } as never)).resolves.toBe(7);
  });

  it('10^5 pending tasks and a winner: whenAnyCancellable releases the losers and cancels them', () => {
    const losers = Array.from({ length: 1e5 }, () => task(NEVER));
    let result: unknown;
    whenAnyCancellable([...losers, task(of('w'))]).subscribe((v) => (result = v));
    expect(result).toEqual({ index: 1e5, value: 'w' });
    expect(losers.every((l) => l.state === 'cancelled')).toBe(true);
  });

  it('TestScheduler.run: a task is one subscription of its source; a late observer gets the replayed value at its frame', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const s = cold('-a-b-c-|');
      const t = startTask(s, { name: 't' });
      expectObservable(t, '--^').toBe('--ab-c-|');
      expectSubscriptions(s.subscriptions).toBe('^------!');
      const s2 = cold('-a-b-c-|');
      const t2 = task(s2, { name: 't2', refCount: false });
      expectObservable(t2, '^-!').toBe('-a');
      expectObservable(t2, '------^').toBe('------c|');
      expectSubscriptions(s2.subscriptions).toBe('^------!');
    });
  });

  it('TestScheduler.run: the last owner leaving at a frame cancels the task there; shield() keeps it running', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const s = cold('-a-b-c-|');
      const t = task(s, { name: 't' });
      expectObservable(t, '^-!').toBe('-a');
      expectObservable(t, '----^').toBe('----(a#)', undefined, new CancelledError(undefined, t));
      expectSubscriptions(s.subscriptions).toBe('^-!');
      const s2 = cold('-a-b-c-|');
      expectObservable(task(s2).pipe(shield()), '^-!').toBe('-a');
      expectSubscriptions(s2.subscriptions).toBe('^------!');
    });
  });

  it('TestScheduler.run: awaitTask settles after run() returns, with the caller’s CancelledError at the frame of the abort', async () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    let done!: Promise<unknown>;
    let aborted!: Promise<unknown>;
    let settled = false;
    scheduler.run(({ cold, expectSubscriptions }) => {
      done = awaitTask(task(cold('-a-b-|')));
      void done.then(() => (settled = true));
      const ctl = new AbortController();
      const s = cold('-a-b-|');
      aborted = awaitTask(task(s), { signal: ctl.signal });
      scheduler.schedule(() => ctl.abort('stop'), 2);
      expectSubscriptions(s.subscriptions).toBe('^-!');
    });
    expect(settled).toBe(false);
    await expect(done).resolves.toBe('b');
    const error = (await aborted.catch((e: unknown) => e)) as CancelledError;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).not.toBeInstanceOf(ChildCancelled);
    expect([error.reason, error.task]).toEqual(['stop', undefined]);
  });

  it(
    'rxjs-marbles: toBeObservable compares class and message; a plain subscriber and a late detectCancel observer',
    marbles((m) => {
      const s = m.cold('-a-b-c-|');
      const t = task(s, { name: 't' });
      m.scheduler.schedule(() => t.cancel('r'), 4);
      m.expect(t).toBeObservable('-a-b#', undefined, new CancelledError('r', t));
      m.expect(t.pipe(detectCancel()), '--^').toBeObservable(
        '--ab#',
        undefined,
        new ChildCancelled(new CancelledError('r', t)),
      );
      m.expect(s).toHaveSubscriptions('^---!');
    }),
  );

  it("README's examples: task, detectCancel fallback, awaitTask both ways, and firstValueFrom leaving on the value", async () => {
    const log: unknown[] = [];
    const user = task(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
      { name: 'user' },
    );
    user.subscribe({ error: (e) => log.push(e instanceof CancelledError) });
    user.subscribe({ error: (e) => log.push(e instanceof CancelledError) });
    user.cancel('navigated away');
    expect(log).toEqual([true, true]);
    for (const who of ['child', 'parent'] as const) {
      const child: Task<never> = task(NEVER, { name: 'child' });
      const parent = task(
        async (signal) => {
          try {
            return await awaitTask(child, { signal });
          } catch (e) {
            if (e instanceof ChildCancelled) return 'child was cancelled';
            if (signal.aborted) return 'I am cancelled';
            throw e;
          }
        },
        { name: 'parent' },
      );
      const heard: unknown[] = [];
      parent.subscribe({ next: (v) => heard.push(v), error: (e) => heard.push((e as Error).constructor.name) });
      (who === 'child' ? child : parent).cancel('x');
      await new Promise((r) => setTimeout(r, 0));
      expect(heard).toEqual(who === 'child' ? ['child was cancelled'] : ['CancelledError']);
    }
    const response = new Subject<string>();
    const http = task(response, { name: 'http' });
    const first = firstValueFrom(http);
    response.next('resp');
    await expect(first).resolves.toBe('resp');
    expect(http.state).toBe('cancelled');
    await expect(awaitTask(http)).rejects.toBeInstanceOf(ChildCancelled);
  });
});
