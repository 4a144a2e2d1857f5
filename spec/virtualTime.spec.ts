// What a marble-test author (and an Angular app under test) meets with tasks over RxJS's virtual time:
// subscription frames, timeouts, caches through switchMap, shareReplay, firstValueFrom, replayed values,
// and what reaches RxJS's unhandled-error report. Found by the marble-test audit of the seventeenth landing.
import { EMPTY, firstValueFrom, Observable, of, throwError, TimeoutError } from 'rxjs';
import { catchError, finalize, map, shareReplay, switchMap, timeout } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import { marbles } from 'rxjs-marbles/jest';
import {
  CancelledError,
  ChildCancelled,
  detectCancel,
  linkSignals,
  startTask,
  task,
  whenAllCancellable,
  type Task,
} from '../src';
import { marbleScheduler, runMarbles } from './helpers';

describe('virtual time: a task over a scheduled source', () => {
  it('switchMap to a new task per value: the source is unsubscribed at the frame of the switch', () => {
    runMarbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const query = hot('-a--b------|');
      const inner = cold('---r|');
      const out = query.pipe(switchMap((v) => task(inner.pipe(map((r) => v + r)), { name: v })));
      expectObservable(out).toBe('-------x---|', { x: 'br' });
      expectSubscriptions(inner.subscriptions).toBe(['-^--!', '----^---!']);
    });
  });

  it('timeout() over a slow task: the consumer gets the TimeoutError, the task is released and ends cancelled', () => {
    let slow!: Task<string>;
    runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--------a|');
      slow = task(source, { name: 'slow' });
      expectObservable(slow.pipe(timeout(5))).toBe('-----#', undefined, new TimeoutError());
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    expect(slow.state).toBe('cancelled');
  });

  it('timeout() with a fallback releases the task: a later subscriber gets its CancelledError with no reason', () => {
    runMarbles(({ cold, expectObservable }) => {
      const slow = task(cold('--------a|'), { name: 'slow' });
      expectObservable(slow.pipe(timeout({ each: 5, with: () => of('fallback') }))).toBe('-----(f|)', {
        f: 'fallback',
      });
      expectObservable(slow, '-------^').toBe('-------#', undefined, new CancelledError(undefined, slow));
    });
  });

  it("the task's abort listeners run at the virtual frame of cancel(), before its source's teardown", () => {
    const scheduler = marbleScheduler();
    const log: unknown[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const t = task(
        (signal) => {
          signal.addEventListener('abort', () => {
            log.push(['abort', scheduler.now(), (signal.reason as CancelledError).reason]);
          });
          return cold('--a---b---|').pipe(finalize(() => log.push(['teardown', scheduler.now(), signal.aborted])));
        },
        { name: 't' },
      );
      scheduler.schedule(() => t.cancel('why'), 7);
      expectObservable(t).toBe('--a---b#', undefined, new CancelledError('why', t));
    });
    expect(log).toEqual([
      ['abort', 7, 'why'],
      ['teardown', 7, true],
    ]);
  });

  it('a latest value of undefined is replayed to a late subscriber, live and after the end', () => {
    runMarbles(({ cold, expectObservable }) => {
      const t = startTask(cold('-u-----|', { u: undefined }), { name: 't' });
      expectObservable(t, '---^').toBe('---u---|', { u: undefined });
      expectObservable(t, '---------^').toBe('---------(u|)', { u: undefined });
    });
  });

  it('the order inside a cancellation at its virtual frame: listener, teardown, outputs, linked tasks, signal-aware consumers, observers', () => {
    const scheduler = marbleScheduler();
    const log: string[] = [];
    scheduler.run(({ cold }) => {
      const parent: Task<string> = task(
        (signal) => {
          signal.addEventListener('abort', () => log.push(`abort listener, state ${parent.state}`));
          const source = cold('--a-----|');
          return new Observable<string>((subscriber) => {
            const inner = source.subscribe(subscriber);
            return () => {
              log.push(`teardown, aborted ${signal.aborted}`);
              inner.unsubscribe();
            };
          });
        },
        { name: 'parent' },
      );
      const linked = task(cold('--------|'), { name: 'linked', signal: parent.signal });
      linkSignals(parent.signal).signal.addEventListener('abort', () => log.push('output aborted'));
      linked.subscribe({ error: (e: Error) => log.push(`linked: ${e.message}`) });
      parent.subscribe({ error: (e: Error) => log.push(`parent: ${e.name}`) });
      parent
        .pipe(detectCancel())
        .subscribe({ error: (e: Error) => log.push(`parent through detectCancel: ${e.name}`) });
      whenAllCancellable([cold('-----|')], { signal: parent.signal }).subscribe({
        error: (e: CancelledError) => log.push(`whenAll on parent.signal: ${e.name}, task ${e.task?.name}`),
      });
      scheduler.schedule(() => parent.cancel('stop'), 3);
    });
    expect(log).toEqual([
      'abort listener, state cancelled',
      'teardown, aborted true',
      'output aborted',
      'linked: task "linked" was cancelled: task "parent" was cancelled: stop',
      'whenAll on parent.signal: CancelledError, task undefined',
      'parent: CancelledError',
      'parent through detectCancel: ChildCancelled',
    ]);
  });
});

describe('virtual time: Angular idioms', () => {
  type User = { id: string };
  const user: User = { id: 'x' };
  /** A service's cache: one task per id over `http`, made on first request. */
  const cacheOver = (http: Observable<User>, refCount: boolean) => {
    const cache = new Map<string, Task<User>>();
    return (id: string): Task<User> => {
      let t = cache.get(id);
      if (t === undefined) cache.set(id, (t = task(http, { name: `user ${id}`, refCount })));
      return t;
    };
  };

  it('switchMap to a cached task (refCount): leaving it before it completed releases it, coming back replays its end', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      const cached = cacheOver(cold('-u|', { u: user }), true);
      const params = hot('-a-b-a---|', { a: '1', b: '2' });
      const one = cached('1');
      // 1 answers at 2 and is left at 3, in the frame its source would complete, ahead of it: released, it ends
      // cancelled; 2 answers at 4; back to 1 at 5, which replays its value and its end
      expectObservable(params.pipe(switchMap((id) => cached(id)))).toBe(
        '--u-u(u#)',
        { u: user },
        new CancelledError(undefined, one),
      );
    });
  });

  it('the same cache with refCount: false keeps each task running across switches', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      const cached = cacheOver(cold('---u|', { u: user }), false);
      const params = hot('-a-b-a-----|', { a: '1', b: '2' });
      expectObservable(params.pipe(switchMap((id) => cached(id)))).toBe('-----u-----|', { u: user });
    });
  });

  it('shareReplay({ refCount: true }) over a task: once everyone left, a newcomer gets the latest value and the CancelledError', () => {
    runMarbles(({ cold, expectObservable }) => {
      const t = task(cold('-a--b----|'), { name: 't' });
      const shared = t.pipe(shareReplay({ bufferSize: 1, refCount: true }));
      expectObservable(shared, '^--!').toBe('-a-');
      expectObservable(shared, '-----^').toBe('-----(a#)', undefined, new CancelledError(undefined, t));
    });
  });

  it('firstValueFrom() leaves on the value, before the source completes in the same frame: the task ends cancelled', async () => {
    let answer!: Promise<User>;
    let request!: Task<User>;
    runMarbles(({ cold, expectObservable }) => {
      request = task(cold('--(u|)', { u: user }), { name: 'request' });
      answer = firstValueFrom(request);
      expectObservable(request, '----^').toBe('----(u#)', { u: user }, new CancelledError(undefined, request));
    });
    await expect(answer).resolves.toEqual(user);
    expect(request.state).toBe('cancelled');
  });

  it('detectCancel() does not keep an error callback-less subscriber quiet: RxJS reports its ChildCancelled', () => {
    const scheduler = marbleScheduler();
    expect(() =>
      scheduler.run(({ cold }) => {
        const t = task(cold('-----s|'), { name: 'x' });
        t.pipe(detectCancel()).subscribe();
        scheduler.schedule(() => t.cancel('logout'), 2);
      }),
    ).toThrow(ChildCancelled);
  });

  it('the catchError the recipes give an async-pipe subscriber turns the cancellation into a quiet completion', () => {
    runMarbles(({ cold, expectObservable, scheduler }) => {
      const t = task(cold('-a---s|'), { name: 'x' });
      const forTemplate = t.pipe(catchError((e) => (e instanceof CancelledError ? EMPTY : throwError(() => e))));
      scheduler.schedule(() => t.cancel('logout'), 2);
      expectObservable(forTemplate).toBe('-a|');
    });
  });
});

describe('virtual time: rxjs-marbles', () => {
  it(
    'toBeObservable() accepts the ChildCancelled a consumer hears',
    marbles((m) => {
      const source = m.cold('--a---b---|');
      const t = task(source, { name: 'child' });
      m.scheduler.schedule(() => t.cancel('stop'), 5);
      m.expect(t.pipe(detectCancel())).toBeObservable(
        '--a--#',
        undefined,
        new ChildCancelled(new CancelledError('stop', t)),
      );
      m.expect(source).toHaveSubscriptions('^----!');
    }),
  );

  it("toBeObservable() tells a CancelledError from a ChildCancelled with the same message (jest's toEqual does not)", () => {
    const heard = (expected: (t: Task<string>) => Error) =>
      marbles((m) => {
        const t = task(m.cold('--a---b---|'), { name: 'child' });
        m.scheduler.schedule(() => t.cancel('stop'), 5);
        m.expect(t.pipe(detectCancel())).toBeObservable('--a--#', undefined, expected(t));
      }) as () => void;
    const sameMessage = (t: Task<string>) => {
      const impostor = new CancelledError('stop', t);
      impostor.message = new ChildCancelled(new CancelledError('stop', t)).message;
      return impostor;
    };
    expect(heard((t) => new ChildCancelled(new CancelledError('stop', t)))).not.toThrow();
    expect(heard(sameMessage)).toThrow(); // the class differs, the message does not
    // the plain TestScheduler setup compares errors by message only: the impostor passes there
    expect(() =>
      new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
        const t = task(cold('--a---b---|'), { name: 'child' });
        cold('-----x').subscribe(() => t.cancel('stop'));
        expectObservable(t.pipe(detectCancel())).toBe('--a--#', undefined, sameMessage(t));
      }),
    ).not.toThrow();
  });
});
