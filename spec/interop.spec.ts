/**
 * Tasks and the package's operators among ordinary RxJS, as Angular apps, Node
 * back ends and marble tests combine them: flattening operators,
 * take/first/takeUntil/timeout, retry/repeat, catchError/finalize,
 * share/shareReplay, promise bridges, defer/using, plain combinators, virtual
 * time, synchronous re-entrancy, errors in user callbacks and error identity.
 *
 * Each test asserts what CONTRACT.md says or, where it is silent, what an
 * experienced RxJS user expects (docs/semantics.md, "Tasks among RxJS
 * operators", lists the surprising ones), with counts of what is left
 * subscribed.
 */
import { getEventListeners } from 'node:events';
import { addAbortSignal, PassThrough } from 'node:stream';
import {
  asyncScheduler,
  concat,
  concatMap,
  config,
  defer,
  delay,
  EMPTY,
  exhaustMap,
  finalize,
  firstValueFrom,
  forkJoin,
  from,
  fromEvent,
  interval,
  isObservable,
  lastValueFrom,
  map,
  mergeMap,
  NEVER,
  Observable,
  observable,
  type ObservableInput,
  of,
  race,
  repeat,
  retry,
  share,
  shareReplay,
  Subject,
  switchMap,
  take,
  takeUntil,
  tap,
  throwError,
  timeout,
  TimeoutError,
  timer,
  using,
  catchError,
  EmptyError,
  UnsubscriptionError,
} from 'rxjs';
import { marbles } from 'rxjs-marbles/jest';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  shield,
  startTask,
  task,
  Task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { captureUnhandled, errorShape, marbleScheduler } from './helpers';

// ---------------------------------------------------------------------------------------------------------------
// helpers

/** A source that counts its live subscriptions; `values` are emitted on `trigger.next`. */
function counting<T>(inner: Observable<T> = NEVER as Observable<T>) {
  const stats = {
    subscribed: 0,
    unsubscribed: 0,
    get active() {
      return stats.subscribed - stats.unsubscribed;
    },
  };
  const obs = new Observable<T>((subscriber) => {
    stats.subscribed++;
    const sub = inner.subscribe(subscriber);
    return () => {
      stats.unsubscribed++;
      sub.unsubscribe();
    };
  });
  return { obs, stats };
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  config.onUnhandledError = null;
});

// ---------------------------------------------------------------------------------------------------------------
describe('flattening operators', () => {
  it('switchMap to a fresh task per value: the previous task is cancelled (reason undefined), its signal aborted, nothing left subscribed', () => {
    const { obs, stats } = counting<number>();
    const tasks: Task<number>[] = [];
    const outer = new Subject<number>();
    const seen: unknown[] = [];
    outer
      .pipe(
        switchMap((i) => {
          const t = task((signal) => obs.pipe(cancelWhen(signal)), { name: `t${i}` });
          tasks.push(t);
          return t;
        }),
      )
      .subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(e), complete: () => seen.push('complete') });
    outer.next(1);
    outer.next(2);
    expect(tasks[0].state).toBe('cancelled');
    expect(tasks[0].signal.aborted).toBe(true);
    const reason = tasks[0].signal.reason as CancelledError;
    expect(reason).toBeInstanceOf(CancelledError);
    expect(reason.task).toBe(tasks[0]);
    expect(reason.reason).toBeUndefined();
    expect(tasks[1].state).toBe('running');
    expect(stats.active).toBe(1);
    outer.complete();
    expect(stats.active).toBe(1); // switchMap waits for the inner
    tasks[1].cancel('stop');
    // the consumer of switchMap is a plain subscriber of the inner task: CancelledError
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(tasks[1].signal.reason);
    expect(stats.active).toBe(0);
  });

  it('switchMap that returns the SAME running task on every value errors with CancelledError on the second value (switchMap releases before it subscribes again)', () => {
    // Contract: "the last owning observer unsubscribing while the task runs (refCount)" cancels it, and
    // "An observer that arrives after it ended gets ... the terminal notification". With share() the same
    // code would restart the source; a task runs at most once.
    const shared = task(NEVER, { name: 'user' });
    const outer = new Subject<void>();
    const seen: unknown[] = [];
    outer.pipe(switchMap(() => shared)).subscribe({ error: (e) => seen.push(errorShape(e)) });
    outer.next();
    outer.next();
    expect(shared.state).toBe('cancelled');
    expect(seen).toEqual([{ class: 'CancelledError', reason: undefined, task: 'user' }]);
  });

  it('switchMap that returns the same task with refCount: false (the remedy docs/semantics.md gives): it keeps running, each inner subscription is replayed its latest value', () => {
    const source = new Subject<string>();
    const shared = task(source, { name: 'user', refCount: false });
    const outer = new Subject<void>();
    const seen: unknown[] = [];
    outer
      .pipe(switchMap(() => shared))
      .subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(errorShape(e)) });
    outer.next();
    source.next('a');
    outer.next();
    source.next('b');
    expect(seen).toEqual(['a', 'a', 'b']);
    expect(shared.state).toBe('running');
  });

  it('switchMap to the same task through shield(): it keeps running; t.pipe(detectCancel()) instead releases it on a switch', () => {
    const source = new Subject<string>();
    const shared = task(source, { name: 'user' });
    const outer = new Subject<void>();
    const seen: unknown[] = [];
    outer.pipe(switchMap(() => shared.pipe(shield()))).subscribe({ next: (v) => seen.push(v) });
    outer.next();
    source.next('a');
    outer.next();
    expect([seen, shared.state]).toEqual([['a', 'a'], 'running']);

    const other = task(new Subject<string>(), { name: 'other' });
    const switches = new Subject<Task<string>>();
    switches.pipe(switchMap((t) => t.pipe(detectCancel()))).subscribe();
    switches.next(other);
    switches.next(shared);
    expect(other.state).toBe('cancelled');
  });

  it('mergeMap: an outer error releases every inner task after the consumer heard it (RxJS order)', () => {
    const log: string[] = [];
    const outer = new Subject<number>();
    const tasks: Task<never>[] = [];
    outer
      .pipe(
        mergeMap((i) => {
          const t = task(NEVER.pipe(finalize(() => log.push(`t${i} teardown`))), { name: `t${i}` });
          tasks.push(t);
          return t;
        }),
      )
      .subscribe({ error: (e) => log.push(`error ${String(e)}`) });
    outer.next(1);
    outer.next(2);
    outer.error('boom');
    // RxJS operators notify first, then unsubscribe (finalizers run after error handler)
    expect(log).toEqual(['error boom', 't1 teardown', 't2 teardown']);
    expect(tasks.map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('concatMap: queued projects are not called early; a cancelled inner task errors the whole concat', () => {
    const created: string[] = [];
    const subjects = [new Subject<string>(), new Subject<string>()];
    const tasks: Task<string>[] = [];
    const seen: unknown[] = [];
    of(0, 1)
      .pipe(
        concatMap((i) => {
          created.push(`t${i}`);
          const t = task(subjects[i], { name: `t${i}` });
          tasks.push(t);
          return t.pipe(detectCancel());
        }),
      )
      .subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(errorShape(e)) });
    expect(created).toEqual(['t0']);
    subjects[0].next('a');
    subjects[0].complete();
    expect(created).toEqual(['t0', 't1']);
    tasks[1].cancel('user');
    expect(seen).toEqual(['a', { class: 'ChildCancelled', reason: 'user', task: 't1' }]);
  });

  it('exhaustMap over a task kept in a field: values arriving after it ended replay its result', () => {
    const t = task(of(42));
    const outer = new Subject<void>();
    const seen: unknown[] = [];
    outer.pipe(exhaustMap(() => t)).subscribe((v) => seen.push(v));
    outer.next();
    outer.next();
    expect(seen).toEqual([42, 42]);
    expect(t.state).toBe('completed');
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('take / first / takeUntil / timeout', () => {
  it('take(1) over a task of a synchronous source releases it during the first value: state cancelled, not completed', () => {
    // docs/semantics.md: "take(1) on a task ... releases the task then and there, as share() would stop its source"
    const { obs, stats } = counting(of(1, 2, 3));
    const t = task(obs);
    const seen: unknown[] = [];
    t.pipe(take(1)).subscribe({ next: (v) => seen.push(v), complete: () => seen.push('complete') });
    expect(seen).toEqual([1, 'complete']);
    expect(t.state).toBe('cancelled');
    expect(stats.active).toBe(0);
  });

  it('first() / firstValueFrom on a startTask()ed long-running task cancels it after the first value (start() is no owner)', async () => {
    const subject = new Subject<number>();
    const t = startTask(subject);
    const p = firstValueFrom(t);
    subject.next(1);
    await expect(p).resolves.toBe(1);
    expect(t.state).toBe('cancelled');
    subject.next(2);
    // the task also does not keep its latest value current for later readers
    await expect(firstValueFrom(t)).resolves.toBe(1);
  });

  it('firstValueFrom on a promise-backed task (its only owner) marks it CANCELLED although its promise resolved: later lastValueFrom / forkJoin / whenAllCancellable see a cancellation', async () => {
    // from(promise) emits next and then complete from the same callback; firstValueFrom unsubscribes during
    // next, i.e. before the source completed, which the contract counts as a cancellation (refCount).
    const user = startTask(Promise.resolve({ id: 1 }), { name: 'user' });
    await expect(firstValueFrom(user)).resolves.toEqual({ id: 1 });
    expect(user.state).toBe('cancelled');
    expect(user.signal.aborted).toBe(true);
    await expect(firstValueFrom(user)).resolves.toEqual({ id: 1 }); // latest value replayed first
    await expect(lastValueFrom(user)).rejects.toBeInstanceOf(CancelledError);
    await expect(firstValueFrom(whenAllCancellable([user]))).rejects.toBeInstanceOf(ChildCancelled);
    // with share()/shareReplay the same code would keep returning { id: 1 } and complete
  });

  it('awaitTask on a promise-backed task (the remedy docs/semantics.md gives) waits for its end: the task completes, later readers get its value', async () => {
    const user = startTask(Promise.resolve({ id: 1 }), { name: 'user' });
    await expect(awaitTask(user)).resolves.toEqual({ id: 1 });
    expect(user.state).toBe('completed');
    await expect(lastValueFrom(user)).resolves.toEqual({ id: 1 });
    await expect(firstValueFrom(whenAllCancellable([user]))).resolves.toEqual([{ id: 1 }]);
  });

  it('first() on a task that completes empty: EmptyError, task completed', async () => {
    const t = task(EMPTY);
    await expect(firstValueFrom(t)).rejects.toBeInstanceOf(EmptyError);
    expect(t.state).toBe('completed');
  });

  it('takeUntil(notifier) on a task: the consumer completes, the task is released (cancelled, reason undefined), the source torn down', () => {
    const { obs, stats } = counting<number>();
    const t = task(obs);
    const stop = new Subject<void>();
    const log: string[] = [];
    t.pipe(
      detectCancel(),
      takeUntil(stop),
      finalize(() => log.push('finalize')),
    ).subscribe({ error: () => log.push('error'), complete: () => log.push('complete') });
    stop.next();
    expect(log).toEqual(['complete', 'finalize']);
    expect(t.state).toBe('cancelled');
    expect((t.signal.reason as CancelledError).reason).toBeUndefined();
    expect(stats.active).toBe(0);
  });

  it('a task used as the takeUntil notifier is released (cancelled) when the source completes first', () => {
    const shutdown = task(NEVER, { name: 'shutdown' });
    of(1).pipe(takeUntil(shutdown)).subscribe();
    expect(shutdown.state).toBe('cancelled');
  });

  it('a cancelled task used as the takeUntil notifier errors the stream with CancelledError (RxJS forwards notifier errors)', () => {
    const shutdown = task(NEVER, { name: 'shutdown' });
    const seen: unknown[] = [];
    NEVER.pipe(takeUntil(shutdown)).subscribe({ error: (e) => seen.push(errorShape(e)) });
    shutdown.cancel('x');
    expect(seen).toEqual([{ class: 'CancelledError', reason: 'x', task: 'shutdown' }]);
  });

  it('timeout() over a task (virtual time): TimeoutError for the consumer, the task is cancelled with reason undefined, source unsubscribed', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const src = cold('--------a|');
      const t = task(src, { name: 't' });
      const out = t.pipe(
        timeout(3),
        catchError((e) => of(e instanceof TimeoutError ? 'timeout' : 'other')),
      );
      expectObservable(out).toBe('---(x|)', { x: 'timeout' });
      expectSubscriptions(src.subscriptions).toBe('^--!');
      flush();
      expect(t.state).toBe('cancelled');
      expect((t.signal.reason as CancelledError).reason).toBeUndefined();
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('retry / repeat / catchError', () => {
  it('retry(2) over an errored task never re-runs its source: the latest value and the error are replayed', () => {
    // Contract: "An observer that arrives after it ended gets the latest value (if any) and then the terminal
    // notification." shareReplay/share would resubscribe the source on error (resetOnError: true).
    let runs = 0;
    const t = task(
      defer(
        () => (
          runs++,
          concat(
            of('v'),
            throwError(() => new Error('boom')),
          )
        ),
      ),
    );
    const seen: unknown[] = [];
    t.pipe(retry(2)).subscribe({ next: (v) => seen.push(v), error: (e) => seen.push((e as Error).message) });
    expect(runs).toBe(1);
    expect(seen).toEqual(['v', 'v', 'v', 'boom']);
    // NB: retry() with no count over an errored or cancelled task resubscribes until the stack runs out (RangeError).
  });

  it('retry over defer(() => task(...)) re-runs the work and its signal is fresh each time', () => {
    const signals: AbortSignal[] = [];
    let n = 0;
    const out = defer(() =>
      task((signal) => {
        signals.push(signal);
        return ++n < 3 ? throwError(() => new Error(`e${n}`)) : of(n);
      }),
    ).pipe(retry(5));
    const seen: unknown[] = [];
    out.subscribe({ next: (v) => seen.push(v), complete: () => seen.push('complete') });
    expect(seen).toEqual([3, 'complete']);
    expect(new Set(signals).size).toBe(3);
    expect(signals.every((s) => !s.aborted)).toBe(true);
  });

  it('retry({ delay }) over a cancelled task replays CancelledError each time, then gives it up (virtual time)', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const t = task(NEVER, { name: 't' });
      scheduler.schedule(() => t.cancel('r'), 2);
      expectObservable(t.pipe(retry({ count: 2, delay: 3 }))).toBe('--------#', undefined, new CancelledError('r', t));
      flush();
    });
  });

  it('repeat(3) over a completed task replays the cached value; polling with repeat({ delay }) never re-fetches', () => {
    let runs = 0;
    const t = task(defer(() => of(++runs)));
    const seen: unknown[] = [];
    t.pipe(repeat(3)).subscribe((v) => seen.push(v));
    expect(seen).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
  });

  it('catchError sees the very CancelledError the signal aborted with; rethrow keeps identity, replace completes', () => {
    const t = task(NEVER, { name: 't' });
    const caught: unknown[] = [];
    const rethrown: unknown[] = [];
    const replaced: unknown[] = [];
    t.pipe(
      catchError((e) => {
        caught.push(e);
        return throwError(() => e);
      }),
    ).subscribe({ error: (e) => rethrown.push(e) });
    t.pipe(
      detectCancel(),
      catchError((e) => {
        caught.push(e);
        return of('fallback');
      }),
    ).subscribe({ next: (v) => replaced.push(v), complete: () => replaced.push('complete') });
    t.cancel('why');
    const own = t.signal.reason as CancelledError;
    expect(caught[0]).toBe(own);
    expect(rethrown[0]).toBe(own);
    expect(own.task).toBe(t);
    expect(own.reason).toBe('why');
    expect(caught[1]).toBeInstanceOf(ChildCancelled);
    expect((caught[1] as ChildCancelled).cause).toBe(own);
    expect((caught[1] as ChildCancelled).child).toBe(t);
    expect(replaced).toEqual(['fallback', 'complete']);
  });

  it("catchError inside a task body never sees that task's own cancellation, even with a child linked to its signal", () => {
    const bodyCaught: unknown[] = [];
    const parent = task(
      (signal) => {
        const child = task(NEVER, { signal, name: 'child' });
        return child.pipe(
          detectCancel(),
          catchError((e) => {
            bodyCaught.push(e);
            return of('recovered');
          }),
        );
      },
      { name: 'parent' },
    );
    const seen: unknown[] = [];
    parent.subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(errorShape(e)) });
    parent.cancel('p');
    expect(bodyCaught).toEqual([]);
    expect(seen).toEqual([{ class: 'CancelledError', reason: 'p', task: 'parent' }]);
  });

  it('repeat over whenAnyCancellable of tasks meets the loser its first race released: ChildCancelled (documented)', () => {
    const slow = task(NEVER, { name: 'slow' });
    const fast = task(of('fast'), { name: 'fast' });
    const seen: unknown[] = [];
    whenAnyCancellable([slow, fast])
      .pipe(repeat(2))
      .subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(errorShape(e)) });
    expect(seen).toEqual([
      { index: 1, value: 'fast' },
      { class: 'ChildCancelled', reason: undefined, task: 'slow' },
    ]);
    // made per subscription, the tasks run again
    const again: unknown[] = [];
    defer(() => whenAnyCancellable([task(NEVER), task(of('fast'))]))
      .pipe(repeat(2))
      .subscribe((v) => again.push(v));
    expect(again).toEqual([
      { index: 1, value: 'fast' },
      { index: 1, value: 'fast' },
    ]);
  });

  it('retry over whenAllCancellable of tasks reports the participant its first run released, not the failure (documented)', () => {
    const a = task(NEVER, { name: 'a' });
    const b = task(
      throwError(() => new Error('b failed')),
      { name: 'b' },
    );
    const seen: unknown[] = [];
    whenAllCancellable([a, b])
      .pipe(retry(1))
      .subscribe({ error: (e) => seen.push(errorShape(e)) });
    expect(seen).toEqual([{ class: 'ChildCancelled', reason: undefined, task: 'a' }]);
  });

  it('task(otherTask): the inner task cancelled by someone else leaves the outer one errored with its CancelledError', () => {
    const inner = startTask(NEVER, { name: 'inner' });
    const outer = task(inner, { name: 'outer' });
    const seen: unknown[] = [];
    outer.subscribe({ error: (e) => seen.push(errorShape(e)) });
    outer.pipe(detectCancel()).subscribe({ error: (e) => seen.push(errorShape(e)) });
    inner.cancel('elsewhere');
    expect(outer.state).toBe('errored');
    expect(seen).toEqual([
      { class: 'CancelledError', reason: 'elsewhere', task: 'inner' },
      { class: 'ChildCancelled', reason: 'elsewhere', task: 'inner' },
    ]);
    // cancelling the outer task releases the inner one, of which it was the only owner
    const inner2 = task(NEVER, { name: 'inner2' });
    const outer2 = startTask(inner2);
    outer2.cancel('stop');
    expect(inner2.state).toBe('cancelled');
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('finalize order', () => {
  it('cancel(): abort listener, body finalize (step 3), consumer error, consumer finalize', () => {
    const log: string[] = [];
    const t = task((signal) => {
      signal.addEventListener('abort', () => log.push('abort listener'));
      return NEVER.pipe(finalize(() => log.push(`body finalize aborted=${String(signal.aborted)}`)));
    });
    t.pipe(finalize(() => log.push('consumer finalize'))).subscribe({
      error: (e) => log.push(`consumer error ${(e as CancelledError).name}`),
    });
    t.cancel();
    expect(log).toEqual([
      'abort listener',
      'body finalize aborted=true',
      'consumer error CancelledError',
      'consumer finalize',
    ]);
  });

  it("on completion of an asynchronous body, the body's finalize runs before the consumer hears complete (plain RxJS: after)", () => {
    const log: string[] = [];
    const scheduler = marbleScheduler();
    scheduler.run(() => {
      const body = timer(1).pipe(finalize(() => log.push('body finalize')));
      task(body).subscribe({ complete: () => log.push('task complete') });
      body.subscribe({ complete: () => log.push('plain complete') });
    });
    expect(log).toEqual(['body finalize', 'task complete', 'plain complete', 'body finalize']);
  });

  it('on completion of a synchronous body, finalize() runs AFTER the consumer heard complete (finalize is registered only after source.subscribe returns)', () => {
    const log: string[] = [];
    task(of(1).pipe(finalize(() => log.push('body finalize')))).subscribe({ complete: () => log.push('complete') });
    expect(log).toEqual(['complete', 'body finalize']);
  });

  it('detectCancel + finalize: ChildCancelled reaches the consumer before its own finalize', () => {
    const log: string[] = [];
    const t = task(NEVER.pipe(finalize(() => log.push('body'))), { name: 't' });
    t.pipe(
      detectCancel(),
      finalize(() => log.push('consumer finalize')),
    ).subscribe({ error: (e) => log.push((e as Error).name) });
    t.cancel();
    expect(log).toEqual(['body', 'ChildCancelled', 'consumer finalize']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('share / shareReplay over a task', () => {
  it('share(): the task is one owner; the last share subscriber leaving cancels it; a later subscriber gets its CancelledError at once', () => {
    const { obs, stats } = counting<number>();
    const t = task(obs, { name: 't' });
    const shared = t.pipe(share());
    const a = shared.subscribe();
    const b = shared.subscribe();
    expect(stats.subscribed).toBe(1);
    a.unsubscribe();
    expect(t.state).toBe('running');
    b.unsubscribe();
    expect(t.state).toBe('cancelled');
    expect(stats.active).toBe(0);
    const late: unknown[] = [];
    shared.subscribe({ error: (e) => late.push(errorShape(e)) });
    expect(late).toEqual([{ class: 'CancelledError', reason: undefined, task: 't' }]);
  });

  it('shareReplay(1) (refCount false) over a task keeps it running after every subscriber left (the usual shareReplay leak)', () => {
    const { obs, stats } = counting<number>();
    const t = task(obs);
    const s = t.pipe(shareReplay(1)).subscribe();
    s.unsubscribe();
    expect(t.state).toBe('running');
    expect(stats.active).toBe(1);
    t.cancel();
    expect(stats.active).toBe(0);
  });

  it('shareReplay({ refCount: true }) over a task cancelled by someone else: every subscriber gets the same CancelledError instance', () => {
    const t = task(NEVER);
    const s = t.pipe(shareReplay({ bufferSize: 1, refCount: true }));
    const errors: unknown[] = [];
    s.subscribe({ error: (e) => errors.push(e) });
    s.subscribe({ error: (e) => errors.push(e) });
    t.cancel('r');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(errors[1]);
    expect(errors[0]).toBe(t.signal.reason);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('promise bridges', () => {
  it("lastValueFrom(task) rejects with the task's own CancelledError; through detectCancel with a ChildCancelled wrapping it", async () => {
    const t = task(NEVER, { name: 't' });
    const plain = lastValueFrom(t);
    const detected = lastValueFrom(t.pipe(detectCancel()));
    t.cancel('r');
    const e1 = await plain.catch((e: unknown) => e);
    const e2 = await detected.catch((e: unknown) => e);
    expect(e1).toBe(t.signal.reason);
    expect(e2).toBeInstanceOf(ChildCancelled);
    expect((e2 as ChildCancelled).cause).toBe(e1);
  });

  it('firstValueFrom of a task cancelled before anyone subscribed rejects at once; its factory never ran', async () => {
    let ran = false;
    const t = task(() => {
      ran = true;
      return of(1);
    });
    t.cancel('early');
    await expect(firstValueFrom(t)).rejects.toMatchObject({ name: 'CancelledError', reason: 'early' });
    expect(ran).toBe(false);
  });

  it('an async factory using a fetch-like API with the task signal: cancel aborts the request and its rejection goes nowhere (no unhandled rejection, no report)', async () => {
    const unhandled = captureUnhandled();
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      let aborted: unknown;
      const fetchLike = (signal: AbortSignal) =>
        new Promise<string>((resolve, reject) => {
          const id = setTimeout(() => resolve('body'), 1000);
          signal.addEventListener('abort', () => {
            clearTimeout(id);
            aborted = signal.reason;
            reject(signal.reason);
          });
        });
      const t = task(async (signal) => {
        const body = await fetchLike(signal);
        return body.length;
      });
      const seen: unknown[] = [];
      t.subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(errorShape(e)) });
      t.cancel('navigate');
      expect(aborted).toBe(t.signal.reason);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ class: 'CancelledError', reason: 'navigate' });
      await tick(20);
      expect(rejections).toEqual([]);
      expect(unhandled.errors).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      unhandled.restore();
    }
  });

  it("an async generator source stops at its next value: the task is cancelled and heard at once, the generator's finally runs when it next yields (RxJS's from(asyncIterable))", async () => {
    const log: string[] = [];
    let resume: () => void = () => undefined;
    async function* generate() {
      try {
        yield 1;
        await new Promise<void>((resolve) => (resume = resolve));
        log.push('generator resumed');
        yield 2;
        log.push('generator past its last yield');
      } finally {
        log.push('generator finally');
      }
    }
    const t = task(generate());
    t.subscribe({ next: (v) => log.push(`next ${v}`), error: (e) => log.push(`error ${errorShape(e).class}`) });
    await tick();
    t.cancel('stop');
    log.push(`state ${t.state}`);
    await tick();
    expect(log).toEqual(['next 1', 'error CancelledError', 'state cancelled']);
    resume();
    await tick();
    expect(log).toEqual([
      'next 1',
      'error CancelledError',
      'state cancelled',
      'generator resumed',
      'generator finally',
    ]);
  });

  // Streams are async iterables to RxJS's from() (7.4 as 7.8), released as the generator above (docs/semantics.md)
  /** A stream that has its first chunk, 1, and waits for the next until `controller` enqueues it; logs its cancel. */
  function streamOfOne(log: string[]) {
    let controller!: ReadableStreamDefaultController<number>;
    const stream = new ReadableStream<number>({
      start: (c) => {
        controller = c;
        c.enqueue(1);
      },
      cancel: (reason) => void log.push(`stream cancel ${String(reason)}`),
    });
    return { stream, controller };
  }

  it('a web ReadableStream source cancelled while its read waits: the task ends at once, the stream stays locked and its cancel() runs (reason undefined) only when the next chunk arrives', async () => {
    const log: string[] = [];
    const { stream, controller } = streamOfOne(log);
    const t = task(stream);
    t.subscribe({ next: (v) => log.push(`next ${v}`), error: (e) => log.push(`error ${errorShape(e).class}`) });
    await tick();
    t.cancel('stop');
    await tick();
    expect(log).toEqual(['next 1', 'error CancelledError']);
    expect(stream.locked).toBe(true); // a stalled stream stays locked for good
    controller.enqueue(2);
    await tick();
    expect(log).toEqual(['next 1', 'error CancelledError', 'stream cancel undefined']);
    expect(stream.locked).toBe(false);
  });

  it("a ReadableStream-like without Symbol.asyncIterator (RxJS's reader loop, a browser's older streams) is only unlocked at its next chunk, never cancelled", async () => {
    const log: string[] = [];
    const { stream, controller } = streamOfOne(log);
    const t = task({ getReader: () => stream.getReader() } as unknown as ReadableStream<number>);
    t.subscribe({ next: (v) => log.push(`next ${v}`), error: (e) => log.push(`error ${errorShape(e).class}`) });
    await tick();
    t.cancel();
    controller.enqueue(2);
    await tick();
    expect(log).toEqual(['next 1', 'error CancelledError']);
    expect(stream.locked).toBe(false);
  });

  it("a stalled stream given the task's signal closes at the cancellation: pipeThrough(…, { signal }) cancels a ReadableStream, addAbortSignal destroys a Node Readable, with the task's CancelledError as reason", async () => {
    const webLog: string[] = [];
    const stalled = new ReadableStream<string>({
      start: (c) => c.enqueue('a'),
      pull: () => new Promise<void>(() => undefined), // no second chunk, ever
      cancel: (reason) => void webLog.push(`cancel ${errorShape(reason).class} ${String(errorShape(reason).reason)}`),
    });
    const web = task((signal) => stalled.pipeThrough(new TransformStream<string, string>(), { signal }));
    web.subscribe({ next: (v) => webLog.push(`next ${v}`), error: (e) => webLog.push(`error ${errorShape(e).class}`) });
    const nodeLog: string[] = [];
    const readable = new PassThrough({ objectMode: true });
    readable.write('b');
    const node = task((signal) => addAbortSignal(signal, readable) as AsyncIterable<string>);
    node.subscribe({
      next: (v) => nodeLog.push(`next ${v}`),
      error: (e) => nodeLog.push(`error ${errorShape(e).class}`),
    });
    await tick();
    web.cancel('stop');
    node.cancel('stop');
    expect(readable.destroyed).toBe(true); // at step 2, before cancel() returned
    await tick();
    expect(webLog).toEqual(['next a', 'error CancelledError', 'cancel CancelledError stop']);
    expect(stalled.locked).toBe(false);
    expect(nodeLog).toEqual(['next b', 'error CancelledError']);
    const destroyedWith = readable.errored as Error & { cause?: unknown };
    expect([destroyedWith.name, destroyedWith.cause]).toEqual(['AbortError', node.signal.reason]);
  });

  it('a stalled Node Readable source is destroyed only when its next chunk arrives (an open socket stays open until then)', async () => {
    const log: string[] = [];
    const readable = new PassThrough({ objectMode: true });
    readable.write('a');
    const t = task(readable as AsyncIterable<string>);
    t.subscribe({ next: (v) => log.push(`next ${v}`), error: (e) => log.push(`error ${errorShape(e).class}`) });
    await tick();
    t.cancel();
    await tick();
    expect(log).toEqual(['next a', 'error CancelledError']);
    expect(readable.destroyed).toBe(false);
    readable.write('b');
    await tick();
    expect(readable.destroyed).toBe(true);
    expect(log).toEqual(['next a', 'error CancelledError']);
  });

  it('a foreign Observable (Symbol.observable, its own subscribe and unsubscribe) is released as any source: a task unsubscribes it at step 3, after its abort listeners and before its observers hear; a combinator and awaitTask before they report', async () => {
    const log: string[] = [];
    /** A TC39-style Observable of another library: subscribe(observer) gives back { unsubscribe }. */
    const foreign = (name: string) =>
      ({
        [observable]: () => ({
          subscribe: (observer: { next(v: string): void }) => {
            log.push(`${name} subscribed`);
            const id = setInterval(() => observer.next(name), 1);
            return {
              unsubscribe: () => {
                log.push(`${name} unsubscribed`);
                clearInterval(id);
              },
            };
          },
        }),
      }) as unknown as ObservableInput<string>;
    const t = task(foreign('t'));
    t.subscribe({ error: (e) => log.push(`plain heard ${errorShape(e).class}`) });
    t.pipe(detectCancel()).subscribe({ error: (e) => log.push(`detectCancel heard ${errorShape(e).class}`) });
    t.signal.addEventListener('abort', () => log.push('abort listener'));
    await tick();
    t.cancel('stop');
    expect(log).toEqual([
      't subscribed',
      'abort listener',
      't unsubscribed',
      'plain heard CancelledError',
      'detectCancel heard ChildCancelled',
    ]);
    log.length = 0;
    const caller = new AbortController();
    whenAllCancellable([foreign('p1'), foreign('p2')], { signal: caller.signal }).subscribe({
      error: (e) => log.push(`whenAll heard ${errorShape(e).class} ${String(errorShape(e).reason)}`),
    });
    const awaited = awaitTask(foreign('aw'), { signal: caller.signal }).catch((e: unknown) =>
      log.push(`awaitTask rejected ${errorShape(e).class}`),
    );
    await tick();
    caller.abort('R');
    await awaited;
    expect(log).toEqual([
      'p1 subscribed',
      'p2 subscribed',
      'aw subscribed',
      'p1 unsubscribed',
      'p2 unsubscribed',
      'whenAll heard CancelledError R',
      'aw unsubscribed',
      'awaitTask rejected CancelledError',
    ]);
  });

  it("a fetch aborted by a signal other than the task's makes the task errored (an AbortError), not cancelled", async () => {
    const other = new AbortController();
    const t = task(
      () =>
        new Promise((_, reject) => {
          other.signal.addEventListener('abort', () => reject(other.signal.reason));
        }),
    );
    const p = lastValueFrom(t.pipe(detectCancel())).catch((e: unknown) => e);
    other.abort();
    const e = await p;
    expect(t.state).toBe('errored');
    expect((e as Error).name).toBe('AbortError');
    expect(e).not.toBeInstanceOf(CancelledError);
  });

  it('from(awaitTask(t)) inside switchMap does not release t on switch (a promise cannot be unsubscribed)', () => {
    const t = task(NEVER);
    const outer = new Subject<number>();
    outer.pipe(switchMap(() => from(awaitTask(t)))).subscribe({ error: () => undefined });
    outer.next(1);
    outer.next(2);
    expect(t.state).toBe('running');
    t.cancel();
  });

  it("switchMap to async tasks awaiting a linked child with awaitTask({ signal }): a switch cancels parent and child, the body's rejection is its own CancelledError and goes nowhere", async () => {
    const unhandled = captureUnhandled();
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      const bodyErrors: unknown[] = [];
      const children: Task<never>[] = [];
      const parents: Task<string>[] = [];
      const outer = new Subject<number>();
      outer
        .pipe(
          switchMap((i) => {
            const p = task(
              async (signal) => {
                const child = task(NEVER, { signal, name: `child${i}` });
                children.push(child);
                try {
                  await awaitTask(child, { signal });
                  return 'done';
                } catch (e) {
                  bodyErrors.push(e);
                  throw e;
                }
              },
              { name: `parent${i}` },
            );
            parents.push(p);
            return p;
          }),
        )
        .subscribe({ error: () => undefined });
      outer.next(1);
      outer.next(2);
      await tick();
      expect(parents.map((p) => p.state)).toEqual(['cancelled', 'running']);
      expect(children.map((c) => c.state)).toEqual(['cancelled', 'running']);
      expect(bodyErrors).toHaveLength(1);
      expect(bodyErrors[0]).not.toBeInstanceOf(ChildCancelled);
      expect(bodyErrors[0]).toBeInstanceOf(CancelledError);
      expect((bodyErrors[0] as CancelledError).reason).toBe(parents[0].signal.reason);
      expect(rejections).toEqual([]);
      expect(unhandled.errors).toEqual([]);
      parents[1].cancel();
    } finally {
      process.off('unhandledRejection', onRejection);
      unhandled.restore();
    }
  });

  it('forEach on a task rejects with the CancelledError', async () => {
    const t = task(NEVER);
    const p = t.forEach(() => undefined);
    t.cancel('r');
    await expect(p).rejects.toBe(t.signal.reason);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a promise the package never subscribes: its rejection is handled, as `await` would handle it', () => {
  /**
   * Runs `scenario` with a promise rejected on the next macrotask, given to the package, which ends before it
   * subscribes it; then collects Node's unhandled rejections. (Under Jest, an unhandled rejection also fails
   * the test by itself: each of these failed so before the package handled such promises.)
   */
  async function unhandledRejectionsOf(scenario: (rejecting: Promise<never>) => void): Promise<unknown[]> {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const rejecting = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 1));
      scenario(rejecting);
      await tick(20);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    return rejections;
  }
  const quiet = { error: () => undefined };

  it('a pending task(promise) that is cancelled', async () => {
    let t: Task<never> | undefined;
    expect(await unhandledRejectionsOf((p) => (t = task(p)).cancel('no longer needed'))).toEqual([]);
    expect(t?.state).toBe('cancelled');
  });

  it('task(promise) created with an already aborted signal', async () => {
    const states: string[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      const t = task(p, { signal: AbortSignal.abort('gone') });
      t.subscribe(quiet);
      states.push(t.state);
    });
    expect(rejections).toEqual([]);
    expect(states).toEqual(['cancelled']);
  });

  it('awaitTask(promise, { signal }) with an already aborted signal, shielded or not (the README pattern `awaitTask(fetch(url, { signal }), { signal })`)', async () => {
    const settled: unknown[] = [];
    for (const shielded of [false, true]) {
      const rejections = await unhandledRejectionsOf((p) => {
        awaitTask(p, { signal: AbortSignal.abort('left'), shield: shielded }).catch((e: unknown) =>
          settled.push(errorShape(e)),
        );
      });
      expect(rejections).toEqual([]);
    }
    expect(settled).toEqual([
      expect.objectContaining({ class: 'CancelledError', reason: 'left' }),
      expect.objectContaining({ class: 'CancelledError', reason: 'left' }),
    ]);
  });

  it('whenAllCancellable and whenAnyCancellable with an already aborted signal', async () => {
    const errors: unknown[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      const signal = AbortSignal.abort('left');
      whenAllCancellable([p], { signal }).subscribe({ error: (e: unknown) => errors.push(errorShape(e)) });
      whenAnyCancellable([p], { signal }).subscribe({ error: (e: unknown) => errors.push(errorShape(e)) });
    });
    expect(rejections).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({ class: 'CancelledError', reason: 'left' }),
      expect.objectContaining({ class: 'CancelledError', reason: 'left' }),
    ]);
  });

  // one promise per test: a handler attached in one scenario would hide another's missing one
  it('a participant after a synchronous end: whenAll failed by an earlier participant', async () => {
    const seen: unknown[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      whenAllCancellable([throwError(() => 'first fails'), p]).subscribe({ error: (e: unknown) => seen.push(e) });
    });
    expect(rejections).toEqual([]);
    expect(seen).toEqual(['first fails']);
  });

  it('a participant after a synchronous end: whenAny won by an earlier participant (as Promise.race handles its losers)', async () => {
    const seen: unknown[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      whenAnyCancellable([of('first wins'), p]).subscribe((winner) => seen.push(winner));
    });
    expect(rejections).toEqual([]);
    expect(seen).toEqual([{ index: 0, value: 'first wins' }]);
  });

  it('a participant after a synchronous end: the result unsubscribed by its consumer while an earlier participant subscribes', async () => {
    const seen: unknown[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      const consumer = new Subject<void>();
      whenAllCancellable([
        defer(() => {
          consumer.next();
          return NEVER;
        }),
        p,
      ])
        .pipe(takeUntil(consumer))
        .subscribe({ complete: () => seen.push('left') });
    });
    expect(rejections).toEqual([]);
    expect(seen).toEqual(['left']);
  });

  it('a native promise while the global Promise is replaced, as zone.js replaces it with its ZoneAwarePromise', async () => {
    const NativePromise = Promise;
    class ZoneAwarePromise<T> extends NativePromise<T> {}
    const global = globalThis as { Promise: PromiseConstructor };
    let t: Task<never> | undefined;
    const rejections = await unhandledRejectionsOf((p) => {
      global.Promise = ZoneAwarePromise; // `p instanceof Promise` is false from here on, as under zone.js
      try {
        (t = task(p)).cancel('no longer needed');
      } finally {
        global.Promise = NativePromise;
      }
    });
    expect(rejections).toEqual([]);
    expect(t?.state).toBe('cancelled');
  });

  it('a promise the package does subscribe still delivers its rejection', async () => {
    const errors: unknown[] = [];
    const rejections = await unhandledRejectionsOf((p) => {
      whenAllCancellable([p]).subscribe({ error: (e: unknown) => errors.push((e as Error).message) });
    });
    expect(rejections).toEqual([]);
    expect(errors).toEqual(['late']);
  });
});

describe('defer / using / fromEvent(signal)', () => {
  it('using(): a task cancelled by someone else errors the consumer, then the resource is disposed; the task ends with no subscription left', () => {
    const log: string[] = [];
    const { obs, stats } = counting<number>();
    const t = task(obs, { name: 't' });
    using(
      () => ({ unsubscribe: () => log.push('resource disposed') }),
      () => t,
    ).subscribe({ error: () => log.push('error') });
    t.cancel();
    expect(log).toEqual(['error', 'resource disposed']);
    expect(stats.active).toBe(0);
  });

  it('using(): unsubscribing the consumer releases the task (cancelled) before the resource is disposed', () => {
    const log: string[] = [];
    const t = task((signal) => {
      signal.addEventListener('abort', () => log.push('task aborted'));
      return NEVER;
    });
    const s = using(
      () => ({ unsubscribe: () => log.push('resource disposed') }),
      () => t,
    ).subscribe();
    s.unsubscribe();
    expect(log).toEqual(['task aborted', 'resource disposed']);
  });

  it('a body that stops on fromEvent(signal, "abort") (takeUntil) ends cancelled, not completed, and leaves no listener', () => {
    let sig!: AbortSignal;
    const t = task((signal) => {
      sig = signal;
      return interval(1000).pipe(takeUntil(fromEvent(signal, 'abort')));
    });
    const seen: unknown[] = [];
    t.subscribe({ error: (e) => seen.push((e as Error).name), complete: () => seen.push('complete') });
    t.cancel();
    expect(t.state).toBe('cancelled');
    expect(seen).toEqual(['CancelledError']);
    expect(getEventListeners(sig, 'abort')).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a task piped through an operator is observed plainly (documented limit, and its workaround)', () => {
  // A shared task and a task whose body waits on it through a combinator, both linked to the app's signal: at
  // shutdown the shared task's end is heard at once by map's plain subscription, before the body's own task is
  // reached, so the combinator, whose signal has not aborted yet, reports a child's cancellation.
  function shutdown(piped: (shared: Task<never>) => Observable<never>) {
    const app = new AbortController();
    const shared = startTask(NEVER, { signal: app.signal, name: 'shared' });
    const log: string[] = [];
    const body = task(
      (signal) =>
        whenAllCancellable([piped(shared)], { signal }).pipe(
          catchError((e: unknown) => {
            log.push(`body heard ${String(errorShape(e).class)}`);
            return of('fallback');
          }),
        ),
      { signal: app.signal, name: 'body' },
    );
    body.subscribe({ error: (e: unknown) => log.push(`observer: ${String(errorShape(e).class)}`) });
    app.abort('shutdown');
    return { log, state: body.state };
  }

  it('piped plainly (map): the body hears ChildCancelled for its own shutdown, but its fallback cannot complete its task', () => {
    // the fallback's completion reaches the task while the app's abort is on its way to it: the task's own
    // cancellation (Task#_finish), so it still ends cancelled and its observer hears its own CancelledError
    expect(shutdown((shared) => shared.pipe(map((x) => x)))).toEqual({
      log: ['body heard ChildCancelled', 'observer: CancelledError'],
      state: 'cancelled',
    });
  });

  it("detectCancel() first: the shared task's end waits for the wave, and the body is torn down first", () => {
    expect(
      shutdown((shared) =>
        shared.pipe(
          detectCancel(),
          map((x) => x),
        ),
      ),
    ).toEqual({
      log: ['observer: CancelledError'],
      state: 'cancelled',
    });
  });
});

describe('plain RxJS combinators over tasks', () => {
  it('forkJoin: a cancelled task errors forkJoin with CancelledError, and the other tasks are released AFTER the error (RxJS order, unlike whenAllCancellable)', () => {
    const log: string[] = [];
    const a = task(NEVER.pipe(finalize(() => log.push('a teardown'))), { name: 'a' });
    const b = task(NEVER.pipe(finalize(() => log.push('b teardown'))), { name: 'b' });
    forkJoin([a, b]).subscribe({ error: (e) => log.push(`error ${(e as Error).name}`) });
    b.cancel();
    expect(log).toEqual(['b teardown', 'error CancelledError', 'a teardown']);
    expect(a.state).toBe('cancelled');
  });

  it("whenAllCancellable (unlike forkJoin): a cancelled participant's siblings are torn down BEFORE the consumer hears ChildCancelled, and its consumer finalize after", () => {
    const log: string[] = [];
    const a = task(NEVER.pipe(finalize(() => log.push('a teardown'))), { name: 'a' });
    const b = task(NEVER.pipe(finalize(() => log.push('b teardown'))), { name: 'b' });
    whenAllCancellable([a, b])
      .pipe(finalize(() => log.push('consumer finalize')))
      .subscribe({ error: (e) => log.push(`error ${(e as Error).name}`) });
    b.cancel();
    expect(log).toEqual(['b teardown', 'a teardown', 'error ChildCancelled', 'consumer finalize']);
  });

  it('shield() over a non-task infinite source inside switchMap leaves one unreachable run per switch (documented: it runs to its own end)', () => {
    const { obs, stats } = counting<number>();
    const outer = new Subject<number>();
    const sub = outer.pipe(switchMap(() => obs.pipe(shield()))).subscribe();
    outer.next(1);
    outer.next(2);
    outer.next(3);
    sub.unsubscribe();
    expect(stats.active).toBe(3);
  });

  it('concat(startTask(a), startTask(b)) unsubscribed while a runs: a is released, b (started, never owned) keeps running', () => {
    const ca = counting<number>();
    const cb = counting<number>();
    const a = startTask(ca.obs);
    const b = startTask(cb.obs);
    const sub = concat(a, b).subscribe();
    sub.unsubscribe();
    expect(a.state).toBe('cancelled');
    expect(b.state).toBe('running');
    expect(cb.stats.active).toBe(1);
    b.cancel();
  });

  it('race(): losers are released (cancelled)', () => {
    const a = task(timer(10).pipe(map(() => 'a')));
    const b = task(of('b'));
    const seen: unknown[] = [];
    race([a, b]).subscribe((v) => seen.push(v));
    expect(seen).toEqual(['b']);
    expect(a.state).toBe('cancelled');
    expect(b.state).toBe('completed');
  });

  it('whenAllCancellable inside switchMap: a switch releases every participant it owned, nothing left subscribed, no listener left on the long-lived signal', () => {
    const app = new AbortController();
    const c1 = counting<number>();
    const c2 = counting<number>();
    const outer = new Subject<void>();
    const sub = outer
      .pipe(switchMap(() => whenAllCancellable([c1.obs, task(c2.obs, { signal: app.signal })], { signal: app.signal })))
      .subscribe();
    outer.next();
    outer.next();
    outer.next();
    expect(c1.stats.active).toBe(1);
    expect(c2.stats.active).toBe(1);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(1);
    sub.unsubscribe();
    expect(c1.stats.active).toBe(0);
    expect(c2.stats.active).toBe(0);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);
  });

  it('cancelWhen(longLived) and awaitTask(..., { signal: longLived }) inside switchMap leave no listener behind', async () => {
    const app = new AbortController();
    const outer = new Subject<number>();
    const sub = outer.pipe(switchMap(() => interval(1000).pipe(cancelWhen(app.signal)))).subscribe();
    for (let i = 0; i < 100; i++) outer.next(i);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(1);
    sub.unsubscribe();
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);
    for (let i = 0; i < 10; i++) await awaitTask(task(of(i)), { signal: app.signal });
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('virtual time (TestScheduler and rxjs-marbles)', () => {
  it('a task over a cold marble, cancelled at frame 5: values, then CancelledError at 5; the source is unsubscribed at 5', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('--a--b--c--|');
      const t = task(src, { name: 't' });
      scheduler.schedule(() => t.cancel('r'), 6);
      expectObservable(t).toBe('--a--b#', undefined, new CancelledError('r', t));
      expectObservable(t.pipe(detectCancel())).toBe(
        '--a--b#',
        undefined,
        new ChildCancelled(new CancelledError('r', t)),
      );
      expectSubscriptions(src.subscriptions).toBe('^-----!');
    });
  });

  it('unsubscription marble releases the task: cancelled at that frame', () => {
    const scheduler = marbleScheduler();
    let t!: Task<string>;
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('--a--b--c--|');
      t = task(src);
      expectObservable(t, '^---!').toBe('--a-');
      expectSubscriptions(src.subscriptions).toBe('^---!');
    });
    expect(t.state).toBe('cancelled');
  });

  it('a late subscriber (hot, virtual) first gets the latest value, then live values', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const t = startTask(cold('-a-b-----c|'));
      expectObservable(t, '------^').toBe('------b--c|');
    });
  });

  it('time() and delayed sources: a task over timer(time(...)) completes at that frame', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ time, expectObservable }) => {
      const t1 = time('-----|');
      const t = task(timer(t1).pipe(map(() => 'x')));
      expectObservable(t.pipe(delay(2))).toBe('-------(x|)');
    });
  });

  it('whenAllCancellable with hot and cold marbles: results at the last completion; a participant cancelled by someone else releases the others before ChildCancelled', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const h = hot('--a--b--|');
      const c = cold('----x--|');
      expectObservable(whenAllCancellable([h, c])).toBe('--------(r|)', { r: ['b', 'x'] });
      expectSubscriptions(h.subscriptions).toBe('^-------!');
      expectSubscriptions(c.subscriptions).toBe('^------!');
    });
    marbleScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const h = hot('--a--b--|');
      const c = cold('----x------|');
      const t = task(c, { name: 'c' });
      asyncScheduler.schedule(() => t.cancel('r'), 4);
      expectObservable(whenAllCancellable([h, t])).toBe(
        '----#',
        undefined,
        new ChildCancelled(new CancelledError('r', t)),
      );
      expectSubscriptions(h.subscriptions).toBe('^---!');
      expectSubscriptions(c.subscriptions).toBe('^---!');
    });
  });

  it('whenAnyCancellable with a signal aborted at a virtual frame: CancelledError(reason) with no task, participants released at that frame', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('------a|');
      const b = cold('--------b|');
      const ac = new AbortController();
      scheduler.schedule(() => ac.abort('stop'), 3);
      expectObservable(whenAnyCancellable([a, b], { signal: ac.signal })).toBe(
        '---#',
        undefined,
        new CancelledError('stop'),
      );
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^--!');
    });
  });

  it('a task linked to a signal aborted at a virtual frame: CancelledError(signal.reason, task) at that frame', () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const ac = new AbortController();
      const src = cold('-a---b--|');
      const t = task(src, { signal: ac.signal, name: 't' });
      scheduler.schedule(() => ac.abort('shutdown'), 3);
      expectObservable(t.pipe(detectCancel())).toBe(
        '-a-#',
        undefined,
        new ChildCancelled(new CancelledError('shutdown', t)),
      );
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });

  it("whenAnyCancellable with a hot winner: losers unsubscribed in the winner's frame, before the result", () => {
    const scheduler = marbleScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = hot('-^--a--|');
      const b = cold('------b|');
      expectObservable(whenAnyCancellable([a, b])).toBe('------(r|)', { r: { index: 0, value: 'a' } });
      expectSubscriptions(a.subscriptions).toBe('^-----!');
      expectSubscriptions(b.subscriptions).toBe('^-----!');
    });
  });

  it(
    'rxjs-marbles: task over a cold source, cancelled by a marble notifier, seen through detectCancel',
    marbles((m) => {
      const src = m.cold('--a--b--c--|');
      const t = task(src, { name: 't' });
      m.cold('-----x').subscribe(() => t.cancel('r'));
      const out = t.pipe(
        detectCancel(),
        catchError((e: unknown) => of(e instanceof ChildCancelled && e.child === t ? 'child' : 'other')),
      );
      m.expect(out).toBeObservable('--a--(z|)', { a: 'a', z: 'child' });
      m.expect(src).toHaveSubscriptions('^----!');
    }),
  );
});

// ---------------------------------------------------------------------------------------------------------------
describe('synchronous re-entrancy', () => {
  it("cancel from inside an observer's next: the later observers do not hear that value, they hear the CancelledError", () => {
    const subject = new Subject<number>();
    const t = task(subject);
    const log: string[] = [];
    t.subscribe({
      next: (v) => {
        log.push(`A ${v}`);
        if (v === 2) t.cancel('in-next');
      },
      error: (e) => log.push(`A ${(e as Error).name}`),
    });
    t.subscribe({ next: (v) => log.push(`B ${v}`), error: (e) => log.push(`B ${(e as Error).name}`) });
    subject.next(1);
    subject.next(2);
    subject.next(3);
    expect(log).toEqual(['A 1', 'B 1', 'A 2', 'A CancelledError', 'B CancelledError']);
    expect(subject.observed).toBe(false);
  });

  it("subscribing from inside an observer's next: the newcomer hears the current value exactly once (replay), then later values", () => {
    const subject = new Subject<number>();
    const t = task(subject);
    const log: string[] = [];
    let added = false;
    t.subscribe((v) => {
      log.push(`A ${v}`);
      if (!added) {
        added = true;
        t.subscribe((w) => log.push(`B ${w}`));
      }
    });
    subject.next(1);
    subject.next(2);
    expect(log).toEqual(['A 1', 'B 1', 'A 2', 'B 2']);
  });

  it('a body that cancels its own task from a tap: reason kept, later values dropped, source torn down', () => {
    const { obs, stats } = counting(interval(1));
    const scheduler = marbleScheduler();
    scheduler.run(({ expectObservable }) => {
      const t: Task<number> = task(
        obs.pipe(
          tap((v) => {
            if (v === 2) t.cancel('self');
          }),
        ),
        { name: 't' },
      );
      const expected = new CancelledError('self', t);
      expectObservable(t).toBe('-ab#', { a: 0, b: 1 }, expected);
    });
    expect(stats.active).toBe(0);
  });

  it('a source that cancels its task inside its own subscribe call: observers hear the CancelledError; the teardown it then returns still runs', () => {
    const log: string[] = [];
    const t: Task<number> = task(
      new Observable<number>((subscriber) => {
        subscriber.next(1);
        t.cancel('inside');
        subscriber.next(2);
        return () => log.push('teardown');
      }),
    );
    t.subscribe({
      next: (v) => log.push(`next ${v}`),
      error: (e) => log.push(`error ${String((e as CancelledError).reason)}`),
    });
    expect(log).toEqual(['next 1', 'error inside', 'teardown']);
  });

  it('subscribing to a task from its own abort listener during its cancellation hears the end at once, before the other observers', () => {
    const log: string[] = [];
    const t = task(NEVER, { name: 't' });
    t.subscribe({ error: (e) => log.push(`first ${(e as Error).name}`) });
    t.signal.addEventListener('abort', () => {
      t.pipe(detectCancel()).subscribe({ error: (e) => log.push(`late ${(e as Error).name}`) });
    });
    t.cancel();
    expect(log).toEqual(['late ChildCancelled', 'first CancelledError']);
  });

  it('cancel() from inside the error handler of the same task returns false and changes nothing', () => {
    const t = task(NEVER);
    const results: boolean[] = [];
    t.subscribe({ error: () => results.push(t.cancel('second')) });
    t.cancel('first');
    expect(results).toEqual([false]);
    expect((t.signal.reason as CancelledError).reason).toBe('first');
  });

  it('a switchMap consumer that re-triggers the outer from the CancelledError handler (re-entrant) leaves exactly one task running', () => {
    const { obs, stats } = counting<number>();
    const outer = new Subject<number>();
    const tasks: Task<number>[] = [];
    outer
      .pipe(
        switchMap((i) => {
          const t = task(obs, { name: `t${i}` });
          tasks.push(t);
          return t.pipe(
            detectCancel(),
            catchError(() => (i === 0 ? (outer.next(1), EMPTY) : EMPTY)),
          );
        }),
      )
      .subscribe();
    outer.next(0);
    tasks[0].cancel();
    expect(tasks.map((t) => t.state)).toEqual(['cancelled', 'running']);
    expect(stats.active).toBe(1);
  });

  it('a parent body that cancels its parent from a tap on its child: the child (owned only by the body) is released, the parent ends with the given reason', () => {
    const child = task(new Subject<number>(), { name: 'child' });
    const childSource = new Subject<number>();
    const child2 = task(childSource, { name: 'child2' });
    const parent: Task<number> = task(
      () =>
        child2.pipe(
          tap((v) => {
            if (v === 2) parent.cancel('from-tap');
          }),
        ),
      { name: 'parent' },
    );
    const log: unknown[] = [];
    parent.subscribe({ next: (v) => log.push(v), error: (e) => log.push(errorShape(e)) });
    childSource.next(1);
    childSource.next(2);
    expect(log).toEqual([1, { class: 'CancelledError', reason: 'from-tap', task: 'parent' }]);
    expect(child2.state).toBe('cancelled');
    expect((child2.signal.reason as CancelledError).reason).toBeUndefined();
    expect(childSource.observed).toBe(false);
    expect(child.state).toBe('pending');
  });

  it("subscribing to a task from its own body's finalize (step 3) hears the CancelledError at once, before the task's other observers", () => {
    const log: string[] = [];
    const t: Task<never> = task(
      NEVER.pipe(
        finalize(() => {
          t.subscribe({ error: (e) => log.push(`from finalize ${(e as Error).name} state=${t.state}`) });
        }),
      ),
    );
    t.subscribe({ error: (e) => log.push(`observer ${(e as Error).name}`) });
    t.cancel();
    expect(log).toEqual(['from finalize CancelledError state=cancelled', 'observer CancelledError']);
  });

  it('cancel() of another task from inside a body finalize (a teardown) completes before it returns, as a direct call would: its source is unsubscribed', () => {
    const otherSource = new Subject<number>();
    const other = task(otherSource, { name: 'other' });
    other.subscribe({ error: () => undefined });
    const observed: unknown[] = [];
    const t = task(
      NEVER.pipe(
        finalize(() => {
          other.cancel('from-finalize');
          observed.push(other.state, other.signal.aborted, otherSource.observed);
        }),
      ),
    );
    t.subscribe({ error: () => undefined });
    t.cancel();
    expect(observed).toEqual(['cancelled', true, false]);
  });

  it('a task body using switchMap over children linked to its signal: cancelling the parent ends everything, no ChildCancelled reaches the body, nothing reported', async () => {
    const unhandled = captureUnhandled();
    try {
      const outer = new Subject<number>();
      const { obs, stats } = counting<number>();
      const bodySaw: unknown[] = [];
      const parent = task(
        (signal) =>
          outer.pipe(
            switchMap((i) => task(obs, { signal, name: `c${i}` }).pipe(detectCancel())),
            catchError((e) => {
              bodySaw.push(e);
              return EMPTY;
            }),
          ),
        { name: 'parent' },
      );
      const seen: unknown[] = [];
      parent.subscribe({ error: (e) => seen.push(errorShape(e)), complete: () => seen.push('complete') });
      outer.next(1);
      outer.next(2);
      expect(stats.active).toBe(1);
      parent.cancel('p');
      expect(stats.active).toBe(0);
      expect(bodySaw).toEqual([]);
      expect(seen).toEqual([{ class: 'CancelledError', reason: 'p', task: 'parent' }]);
      await tick();
      expect(unhandled.errors).toEqual([]);
    } finally {
      unhandled.restore();
    }
  });

  it('an observer unsubscribing a later observer from inside next: same stopped-notification behaviour as an RxJS Subject', () => {
    const stopped: string[] = [];
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = (n) => stopped.push(`${n.kind}`);
    try {
      const run = (source: Observable<number>, emit: (v: number) => void) => {
        const seen: string[] = [];
        // eslint-disable-next-line prefer-const
        let b: { unsubscribe(): void };
        source.subscribe((v) => {
          seen.push(`A ${v}`);
          b.unsubscribe();
        });
        b = source.subscribe((v) => seen.push(`B ${v}`));
        emit(1);
        return seen;
      };
      const subject = new Subject<number>();
      const viaSubject = run(subject, (v) => subject.next(v));
      const stoppedSubject = stopped.splice(0);
      const src = new Subject<number>();
      const viaTask = run(task(src), (v) => src.next(v));
      expect(viaTask).toEqual(viaSubject);
      expect(stopped).toEqual(stoppedSubject);
    } finally {
      config.onStoppedNotification = previous;
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('errors in user callbacks during cancellation', () => {
  it('a consumer finalize() that throws while the consumer hears the CancelledError: reported once, the later observers are still told (an RxJS Subject would stop at it)', async () => {
    const unhandled = captureUnhandled();
    try {
      const t = task(NEVER);
      const log: string[] = [];
      t.pipe(
        finalize(() => {
          throw new Error('consumer finalize');
        }),
      ).subscribe({ error: () => log.push('first heard') });
      t.subscribe({ error: () => log.push('second heard') });
      t.cancel();
      expect(log).toEqual(['first heard', 'second heard']);
      await tick();
      expect(unhandled.errors).toHaveLength(1);
      const e = unhandled.errors[0];
      const inner = e instanceof UnsubscriptionError ? e.errors[0] : e;
      expect((inner as Error).message).toBe('consumer finalize');
    } finally {
      unhandled.restore();
    }
  });

  it('re-subscribing from the error handler (what retry/catchError(caught) do) gets the same CancelledError at once, synchronously', () => {
    const t = task(NEVER);
    const errors: unknown[] = [];
    let again = true;
    const observer = {
      error: (e: unknown) => {
        errors.push(e);
        if (again) {
          again = false;
          t.subscribe(observer);
        }
      },
    };
    t.subscribe(observer);
    t.cancel('r');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(errors[1]);
  });

  it('a plain subscriber without an error handler reports the CancelledError as unhandled (like any RxJS error)', async () => {
    const unhandled = captureUnhandled();
    try {
      const t = task(NEVER);
      t.subscribe();
      t.cancel('r');
      await tick();
      expect(unhandled.errors).toHaveLength(1);
      expect(unhandled.errors[0]).toBe(t.signal.reason);
    } finally {
      unhandled.restore();
    }
  });

  it('a throwing teardown inside a switchMap inner task is reported asynchronously and the switchMap keeps running (plain RxJS would error the switchMap with an UnsubscriptionError)', async () => {
    const unhandled = captureUnhandled();
    try {
      const outer = new Subject<number>();
      const seen: unknown[] = [];
      const plainSeen: unknown[] = [];
      const throwing = () =>
        new Observable<number>(() => () => {
          throw new Error('td');
        });
      outer.pipe(switchMap(() => task(throwing()))).subscribe({ error: (e) => seen.push(e) });
      outer.pipe(switchMap(() => throwing())).subscribe({ error: (e) => plainSeen.push(e) });
      outer.next(1);
      outer.next(2);
      expect(seen).toEqual([]);
      expect(plainSeen).toHaveLength(1);
      expect(plainSeen[0]).toBeInstanceOf(UnsubscriptionError);
      await tick();
      expect(unhandled.errors).toHaveLength(1);
      expect(unhandled.errors[0]).toBeInstanceOf(UnsubscriptionError);
    } finally {
      unhandled.restore();
    }
  });

  it('a finalize that throws in the body during cancel(): reported once, the cancellation completes, the consumer still hears it', async () => {
    const unhandled = captureUnhandled();
    try {
      const t = task(
        NEVER.pipe(
          finalize(() => {
            throw new Error('fin');
          }),
        ),
      );
      const seen: string[] = [];
      t.subscribe({ error: (e) => seen.push((e as Error).name) });
      expect(t.cancel()).toBe(true);
      expect(seen).toEqual(['CancelledError']);
      await tick();
      expect(unhandled.errors).toHaveLength(1);
      const e = unhandled.errors[0];
      const inner = e instanceof UnsubscriptionError ? e.errors[0] : e;
      expect((inner as Error).message).toBe('fin');
    } finally {
      unhandled.restore();
    }
  });

  it('startTask of a factory that throws, with no observer: nothing is reported (like a hot Subject); a later subscriber gets the error', async () => {
    const unhandled = captureUnhandled();
    try {
      const t = startTask(() => {
        throw new Error('factory');
      });
      await tick();
      expect(unhandled.errors).toEqual([]);
      expect(t.state).toBe('errored');
      await expect(lastValueFrom(t)).rejects.toThrow('factory');
    } finally {
      unhandled.restore();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('error identity', () => {
  it('instanceof, names, task, reason, cause and signal.reason agree across every route', () => {
    const t = task(NEVER, { name: 'job' });
    const routes: Record<string, unknown> = {};
    t.subscribe({ error: (e) => (routes.plain = e) });
    t.pipe(detectCancel()).subscribe({ error: (e) => (routes.detect = e) });
    t.pipe(shield()).subscribe({ error: (e) => (routes.shield = e) });
    whenAllCancellable([t]).subscribe({ error: (e) => (routes.all = e) });
    t.cancel('why');
    const own = t.signal.reason as CancelledError;
    expect(routes.plain).toBe(own);
    expect(own).toBeInstanceOf(CancelledError);
    expect(own).toBeInstanceOf(Error);
    expect(own).not.toBeInstanceOf(ChildCancelled);
    expect(own.name).toBe('CancelledError');
    expect(own.message).toBe('task "job" was cancelled: why');
    for (const key of ['detect', 'shield', 'all']) {
      const e = routes[key] as ChildCancelled;
      expect(e).toBeInstanceOf(ChildCancelled);
      expect(e).toBeInstanceOf(CancelledError);
      expect(e.cause).toBe(own);
      expect(e.child).toBe(t);
      expect(e.task).toBe(t);
      expect(e.reason).toBe('why');
    }
    // one ChildCancelled per task, shared by its detecting observers
    expect(routes.detect).toBe(routes.shield);
  });

  it('Task is an ordinary RxJS Observable: isObservable, from(t) === t, pipe subscribes the task', () => {
    const t = task(of(1, 2));
    expect(isObservable(t)).toBe(true);
    expect(from(t)).toBe(t);
    expect(t).toBeInstanceOf(Observable);
    const seen: number[] = [];
    t.pipe(map((v) => v * 10)).subscribe((v) => seen.push(v));
    expect([seen, t.state]).toEqual([[10, 20], 'completed']);
    const replayed: number[] = [];
    t.pipe(map((v) => v + 1)).subscribe((v) => replayed.push(v));
    expect(replayed).toEqual([3]); // an ended task replays its latest value, then its end
  });
});
