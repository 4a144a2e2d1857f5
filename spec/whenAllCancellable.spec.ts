import {
  defer,
  Observable,
  of,
  NEVER,
  Subject,
  EMPTY,
  throwError,
  timer,
  map,
  takeUntil,
  forkJoin,
  type Subscriber,
} from 'rxjs';
import {
  awaitTask,
  CancelledError,
  ChildCancelled,
  detectCancel,
  startTask,
  task,
  Task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { abortListeners, captureUnhandled, chainWithDeepestTeardown, describeError, runMarbles } from './helpers';

/** A never-ending source that logs its teardown. */
function logged(log: string[], name: string): Observable<never> {
  return new Observable<never>(() => () => log.push(`${name} teardown`));
}

describe('whenAllCancellable: results', () => {
  it('emits the last value of each participant in source order, then completes', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('--1--2--|');
      const b = cold('-----x-----|');
      const c = cold('-y|');
      expectObservable(whenAllCancellable([a, b, c])).toBe('-----------(r|)', { r: ['2', 'x', 'y'] });
      expectSubscriptions(a.subscriptions).toBe('^-------!');
      expectSubscriptions(b.subscriptions).toBe('^----------!');
      expectSubscriptions(c.subscriptions).toBe('^-!');
    });
  });

  it('gives undefined for a participant that completed without a value', () => {
    runMarbles(({ cold, expectObservable }) => {
      expectObservable(whenAllCancellable([cold('--|'), cold('-a|')])).toBe('--(r|)', { r: [undefined, 'a'] });
    });
  });

  it('emits [] for an empty list and completes', () => {
    const log: unknown[] = [];
    whenAllCancellable([]).subscribe({ next: (v) => log.push(v), complete: () => log.push('complete') });
    expect(log).toEqual([[], 'complete']);
  });

  it('accepts tasks, promises, arrays and observables', async () => {
    const t = task(of(1, 2));
    const result = await awaitTask(whenAllCancellable([t, Promise.resolve('p'), [7, 8], of('o')]));
    expect(result).toEqual([2, 'p', 8, 'o']);
  });

  it('is cold: participants start when the result is subscribed', () => {
    const factory = jest.fn(() => of(1));
    const t = task(factory);
    const result = whenAllCancellable([t]);
    expect(factory).not.toHaveBeenCalled();
    result.subscribe();
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('finishes linearly: 100,000 participants completing one by one', () => {
    const subjects = Array.from({ length: 100_000 }, () => new Subject<number>());
    let results: number[] | undefined;
    whenAllCancellable(subjects).subscribe((r) => (results = r as number[]));
    subjects.forEach((s, i) => {
      s.next(i);
      s.complete();
    });
    expect(results).toHaveLength(100_000);
    expect(results![99_999]).toBe(99_999);
  });
});

describe('whenAllCancellable: ending early', () => {
  it('a participant error releases the others before the error is emitted', () => {
    const log: string[] = [];
    const failing = new Subject<never>();
    whenAllCancellable([logged(log, 'a'), failing, logged(log, 'c')]).subscribe({
      error: (e) => log.push(`error ${describeError(e)}`),
    });
    failing.error(new Error('boom'));
    expect(log).toEqual(['a teardown', 'c teardown', 'error Error(boom)']);
  });

  it('the first error wins and later ones are dropped', () => {
    runMarbles(({ cold, expectObservable }) => {
      const a = cold('---#', undefined, new Error('first'));
      const b = cold('----#', undefined, new Error('second'));
      expectObservable(whenAllCancellable([a, b])).toBe('---#', undefined, new Error('first'));
    });
  });

  it('a participant cancelled by someone else gives ChildCancelled naming it, after releasing the others', () => {
    const b = runMarbles(({ cold, expectObservable, expectSubscriptions, scheduler }) => {
      const aSource = cold('--1------');
      const bSource = cold('---------');
      const a = task(aSource, { name: 'a' });
      const b = task(bSource, { name: 'b' });
      scheduler.schedule(() => a.cancel('r'), 5);
      expectObservable(whenAllCancellable([a, b])).toBe(
        '-----#',
        undefined,
        new ChildCancelled(new CancelledError('r', a)),
      );
      expectSubscriptions(aSource.subscriptions).toBe('^----!');
      expectSubscriptions(bSource.subscriptions).toBe('^----!');
      return b;
    });
    expect(b.state).toBe('cancelled'); // released: the combinator was its only owner
  });

  it('a participant that is not a task but errors with a CancelledError gives ChildCancelled wrapping that very error', () => {
    const child = task(new Observable<number>(() => undefined), { name: 'child' });
    const viaMap = child.pipe(map((x) => x * 2)); // an Observable, not a task: its error is the child's CancelledError
    const log: string[] = [];
    const errors: unknown[] = [];
    whenAllCancellable([viaMap, logged(log, 'other')]).subscribe({ error: (e) => errors.push(e) });
    child.cancel('r');
    expect(log).toEqual(['other teardown']);
    expect(errors).toHaveLength(1);
    const error = errors[0] as ChildCancelled;
    expect(error).toBeInstanceOf(ChildCancelled);
    expect(error.cause).toBeInstanceOf(CancelledError);
    expect(error.cause.task).toBe(child);
    expect(error.child).toBe(child);
    expect(error.reason).toBe('r');

    // a ChildCancelled from upstream passes unchanged, not wrapped twice
    const already = new ChildCancelled(new CancelledError('x', child));
    const passed: unknown[] = [];
    whenAnyCancellable([throwError(() => already)]).subscribe({ error: (e) => passed.push(e) });
    expect(passed).toEqual([already]);
    expect(passed[0]).toBe(already);
  });

  it('released participants owned only by the combinator are cancelled; shared ones keep running', () => {
    const shared = startTask(NEVER, { name: 'shared' });
    shared.subscribe({ error: () => undefined }); // another owner
    const owned = task(NEVER, { name: 'owned' });
    const failing = new Subject<never>();
    whenAllCancellable([shared, owned, failing]).subscribe({ error: () => undefined });
    failing.error(new Error('x'));
    expect(owned.state).toBe('cancelled');
    expect(shared.state).toBe('running');
  });

  it('the abort of the signal releases everything, then errors with CancelledError(signal.reason) and no task', () => {
    const log: string[] = [];
    const controller = new AbortController();
    whenAllCancellable([logged(log, 'a'), logged(log, 'b')], { signal: controller.signal }).subscribe({
      error: (e) => log.push(`error ${describeError(e)}`),
    });
    controller.abort('stop');
    expect(log).toEqual(['a teardown', 'b teardown', 'error CancelledError(task=-, reason=stop)']);
  });

  it('participants linked to the same signal and cancelled first still count as the signal abort', () => {
    const controller = new AbortController();
    const a = task(NEVER, { signal: controller.signal, name: 'a' });
    const b = task(NEVER, { signal: controller.signal, name: 'b' });
    const errors: unknown[] = [];
    whenAllCancellable([a, b], { signal: controller.signal }).subscribe({ error: (e) => errors.push(e) });
    controller.abort('stop');
    expect(errors.map(describeError)).toEqual(['CancelledError(task=-, reason=stop)']);
  });

  it('nested tasks sharing a parent task signal: the parent cancellation is the combinator own, not ChildCancelled', () => {
    const parent = startTask(NEVER, { name: 'parent' });
    const a = task(NEVER, { signal: parent.signal, name: 'a' });
    const errors: unknown[] = [];
    whenAllCancellable([a], { signal: parent.signal }).subscribe({ error: (e) => errors.push(e) });
    parent.cancel('up');
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toBeInstanceOf(ChildCancelled);
    expect((errors[0] as CancelledError).reason).toBe(parent.signal.reason);
    expect((errors[0] as CancelledError).task).toBeUndefined();
  });

  it('an already aborted signal errors at subscription without starting any participant, even for an empty list', () => {
    const factory = jest.fn(() => NEVER);
    const p = task(factory, { name: 'p' });
    const errors: unknown[] = [];
    whenAllCancellable([p, of(1)], { signal: AbortSignal.abort('early') }).subscribe({ error: (e) => errors.push(e) });
    whenAllCancellable([], { signal: AbortSignal.abort('early') }).subscribe({ error: (e) => errors.push(e) });
    expect(factory).not.toHaveBeenCalled();
    expect(errors.map(describeError)).toEqual([
      'CancelledError(task=-, reason=early)',
      'CancelledError(task=-, reason=early)',
    ]);
  });

  it('unsubscribing the result releases every participant', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('-----1--|');
      const b = cold('--------|');
      expectObservable(whenAllCancellable([a, b]), '^--!').toBe('----');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^--!');
    });
  });

  it('10,000 participants, one failing: all 9,999 others are released before the error arrives', () => {
    let released = 0;
    const others = Array.from({ length: 9_999 }, () => new Observable<never>(() => () => released++));
    const failing = new Subject<never>();
    let releasedWhenErrorArrived = -1;
    whenAllCancellable([...others.slice(0, 5000), failing, ...others.slice(5000)]).subscribe({
      error: () => (releasedWhenErrorArrived = released),
    });
    failing.error(new Error('x'));
    expect(releasedWhenErrorArrived).toBe(9_999);
  });
});

describe('no deadlock on pending participants', () => {
  it('a pending participant of an aborted combinator is cancelled without starting, and its waiters hear it at once', async () => {
    const factory = jest.fn(() => NEVER);
    const pending = task(factory, { name: 'pending' });
    // `waiter` would be unblocked by `pending`; it waits on its signal.
    const waiter = task(NEVER, { signal: pending.signal, name: 'waiter' });
    const waiting = awaitTask(waiter).catch((e: unknown) => describeError(e));
    const controller = new AbortController();
    controller.abort('cancelled group');
    whenAllCancellable([pending], { signal: controller.signal }).subscribe({ error: () => undefined });
    expect(factory).not.toHaveBeenCalled();
    expect(pending.state).toBe('cancelled');
    expect(waiter.state).toBe('cancelled');
    await expect(waiting).resolves.toMatch(/^ChildCancelled\(task=waiter/);
    // Anyone who waits on it later hears the cancellation at once instead of hanging.
    await expect(awaitTask(pending)).rejects.toBeInstanceOf(ChildCancelled);
  });

  it('pending participants after one that fails synchronously are cancelled without starting', () => {
    const factory = jest.fn(() => NEVER);
    const later = task(factory, { name: 'later' });
    const errors: unknown[] = [];
    whenAllCancellable([throwError(() => new Error('sync')), later]).subscribe({ error: (e) => errors.push(e) });
    expect(factory).not.toHaveBeenCalled();
    expect(later.state).toBe('cancelled');
    expect(errors.map(describeError)).toEqual(['Error(sync)']);
  });

  it('pending participants of a combinator whose signal aborts while it starts participants are cancelled', () => {
    const controller = new AbortController();
    const first = task(() => {
      controller.abort('abort while starting');
      return NEVER;
    });
    const second = task(NEVER);
    const errors: unknown[] = [];
    whenAllCancellable([first, second], { signal: controller.signal }).subscribe({ error: (e) => errors.push(e) });
    expect(first.state).toBe('cancelled');
    expect(second.state).toBe('cancelled');
    expect(errors.map(describeError)).toEqual(['CancelledError(task=-, reason=abort while starting)']);
  });
});

describe('what an early end does to participants it never started', () => {
  it('reaches only tasks given themselves (refCount: false ones too); an Observable of a cached task keeps it pending', () => {
    const cachedBare = task(NEVER, { name: 'cached bare', refCount: false });
    const cachedPiped = task(NEVER, { name: 'cached piped', refCount: false });
    whenAllCancellable([throwError(() => new Error('sync')), cachedBare]).subscribe({ error: () => undefined });
    whenAllCancellable([throwError(() => new Error('sync')), cachedPiped.pipe(detectCancel())]).subscribe({
      error: () => undefined,
    });
    expect(cachedBare.state).toBe('cancelled');
    expect(cachedPiped.state).toBe('pending');
  });

  it('cancels them with the reported error as reason, or signal.reason for an abort', () => {
    const boom = new Error('sync');
    const afterError = task(NEVER, { name: 'afterError' });
    whenAllCancellable([throwError(() => boom), afterError]).subscribe({ error: () => undefined });
    const afterAbort = task(NEVER, { name: 'afterAbort' });
    whenAllCancellable([afterAbort], { signal: AbortSignal.abort('abort reason') }).subscribe({
      error: () => undefined,
    });
    expect((afterError.signal.reason as CancelledError).reason).toBe(boom);
    expect((afterAbort.signal.reason as CancelledError).reason).toBe('abort reason');
  });

  it('the result unsubscribed while a participant subscribes: no later participant starts, pending ones are cancelled', () => {
    const combinators: ((sources: Observable<never>[]) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      const log: string[] = [];
      const stop = new Subject<void>();
      const later = task(
        () => {
          log.push('later factory');
          return NEVER;
        },
        { name: 'later' },
      );
      const first = new Observable<never>(() => {
        stop.next(); // the consumer leaves from inside this participant's subscribe call
        return () => log.push('first teardown');
      });
      combine([first, later])
        .pipe(takeUntil(stop))
        .subscribe({ complete: () => log.push('consumer complete') });
      expect(log).toEqual(['consumer complete', 'first teardown']);
      expect(later.state).toBe('cancelled');
      expect((later.signal.reason as CancelledError).reason).toBeUndefined();
    }
  });

  it('a non-task participant whose source unsubscribes its subscriber counts as cancelled, as a task would', () => {
    const combinators: ((sources: Observable<unknown>[]) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      const log: string[] = [];
      let given: { unsubscribe(): void } | undefined;
      const selfEnding = new Observable<never>((subscriber) => {
        given = subscriber;
      });
      combine([selfEnding, logged(log, 'other')]).subscribe({ error: (e) => log.push(describeError(e)) });
      given!.unsubscribe();
      expect(log).toEqual(['other teardown', 'ChildCancelled(task=-, reason=undefined)']);
    }
  });

  it('a participant whose subscribe throws (a closed Subject) errors the run: the others are released first, no listener stays', () => {
    const combinators: ((sources: Observable<unknown>[], options: { signal: AbortSignal }) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      const log: string[] = [];
      const closed = new Subject<number>();
      closed.unsubscribe();
      const earlier = task(logged(log, 'earlier'), { name: 'earlier' });
      const controller = new AbortController();
      combine([earlier, closed], { signal: controller.signal }).subscribe({
        error: (e) => log.push(`error ${(e as Error).name}`),
      });
      expect(log).toEqual(['earlier teardown', 'error ObjectUnsubscribedError']);
      expect(earlier.state).toBe('cancelled');
      expect(abortListeners(controller.signal)).toBe(0);
    }
  });

  it('a throwing teardown of a non-task participant that unsubscribes itself is reported, not thrown at its source', async () => {
    const unhandled = captureUnhandled();
    try {
      const boom = new Error('teardown');
      let given: { unsubscribe(): void } | undefined;
      const selfEnding = new Observable<never>((subscriber) => {
        given = subscriber;
        return () => {
          throw boom;
        };
      });
      const errors: string[] = [];
      whenAllCancellable([selfEnding, NEVER]).subscribe({ error: (e) => errors.push(describeError(e)) });
      expect(() => given!.unsubscribe()).not.toThrow();
      expect(errors).toEqual(['ChildCancelled(task=-, reason=undefined)']);
      await unhandled.flush();
      expect(unhandled.errors).toHaveLength(1);
      expect((unhandled.errors[0] as { errors?: unknown[] }).errors).toEqual([boom]);
    } finally {
      unhandled.restore();
    }
  });

  it('unsubscribing the result removes its listener on the signal', () => {
    const controller = new AbortController();
    const all = whenAllCancellable([NEVER], { signal: controller.signal }).subscribe();
    const any = whenAnyCancellable([NEVER], { signal: controller.signal }).subscribe();
    expect(abortListeners(controller.signal)).toBe(1);
    all.unsubscribe();
    any.unsubscribe();
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('the result is cold: each subscription runs its participants afresh', () => {
    let runs = 0;
    const participant = defer(() => of(++runs));
    const result = whenAllCancellable([participant]);
    const values: unknown[] = [];
    result.subscribe((v) => values.push(v));
    result.subscribe((v) => values.push(v));
    expect(values).toEqual([[1], [2]]);
  });

  it("a non-task participant is torn down before the run hears its end, as a task is: a teardown that aborts the signal makes it the caller's cancellation", () => {
    const ends: ((given: Subscriber<unknown>) => void)[] = [
      (given) => given.complete(),
      (given) => given.error(new Error('boom')),
      (given) => given.error(new CancelledError('r1')),
    ];
    const combinators: ((sources: Observable<unknown>[], options: { signal: AbortSignal }) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      for (const wrap of [false, true]) {
        for (const end of ends) {
          const log: string[] = [];
          const controller = new AbortController();
          let given: Subscriber<unknown> | undefined;
          const source = new Observable<unknown>((subscriber) => {
            given = subscriber;
            return () => {
              log.push('teardown');
              controller.abort('T');
            };
          });
          combine([wrap ? task(source) : source], { signal: controller.signal }).subscribe({
            next: () => log.push('next'),
            error: (e) => log.push(describeError(e)),
          });
          end(given!);
          expect(log).toEqual(['teardown', 'CancelledError(task=-, reason=T)']);
        }
      }
    }
  });

  it.each<[string, (sources: Observable<never>[], options: { signal: AbortSignal }) => Observable<unknown>]>([
    ['whenAllCancellable', whenAllCancellable],
    ['whenAnyCancellable', whenAnyCancellable],
  ])(
    '%s: an end while a participant is still subscribing releases it at once (closed, as RxJS closes a released subscriber); the report waits until its subscribe call returns',
    (_, combine) => {
      const controller = new AbortController();
      const log: string[] = [];
      const first = task(new Observable<never>(() => () => log.push('first teardown')), { name: 'first' });
      const second = new Observable<never>((subscriber) => {
        controller.abort('early'); // ends the run while this participant is still subscribing
        log.push(`second closed: ${String(subscriber.closed)}, first ${first.state}`);
        subscriber.add(() => log.push('what second adds now runs at once'));
        return () => log.push('second teardown');
      });
      combine([first, second], { signal: controller.signal }).subscribe({
        error: (e) => log.push(`error ${describeError(e)}`),
      });
      expect(log).toEqual([
        'first teardown',
        'second closed: true, first cancelled',
        'what second adds now runs at once',
        'second teardown',
        'error CancelledError(task=-, reason=early)',
      ]);
    },
  );

  it("a task participant whose factory aborts the run's signal is released in its factory: what the factory returns is never subscribed", () => {
    const controller = new AbortController();
    const subscribed = jest.fn();
    const participant = task(() => {
      controller.abort('early');
      return new Observable<never>(subscribed);
    });
    const errors: string[] = [];
    whenAllCancellable([participant], { signal: controller.signal }).subscribe({
      error: (e) => errors.push(describeError(e)),
    });
    expect(subscribed).not.toHaveBeenCalled();
    expect(participant.state).toBe('cancelled');
    expect(errors).toEqual(['CancelledError(task=-, reason=early)']);
  });

  it('the result unsubscribed while a participant is still subscribing releases every participant then, that one included', () => {
    const log: string[] = [];
    const first = task(new Observable<never>(() => () => log.push('first teardown')), { name: 'first' });
    const leave = new Subject<void>();
    const second = new Observable<never>((subscriber) => {
      leave.next(); // takeUntil below unsubscribes the result now, while this participant subscribes
      log.push(`second closed: ${String(subscriber.closed)}, first ${first.state}`);
    });
    whenAllCancellable([first, second])
      .pipe(takeUntil(leave))
      .subscribe({ complete: () => log.push('consumer complete') });
    expect(log).toEqual(['consumer complete', 'first teardown', 'second closed: true, first cancelled']);
  });

  it('a won race leaves unstarted pending participants pending', () => {
    const factory = jest.fn(() => NEVER);
    const unstarted = task(factory);
    const results: unknown[] = [];
    whenAnyCancellable([of('sync winner'), unstarted]).subscribe((r) => results.push(r));
    expect(results).toEqual([{ index: 0, value: 'sync winner' }]);
    expect(unstarted.state).toBe('pending');
    expect(factory).not.toHaveBeenCalled();
  });
});

describe('whenAnyCancellable', () => {
  it('the first participant to complete wins; the losers are released before the result', () => {
    const log: string[] = [];
    const winner = new Subject<string>();
    whenAnyCancellable([logged(log, 'a'), winner, logged(log, 'c')]).subscribe({
      next: (v) => log.push(`next ${JSON.stringify(v)}`),
      complete: () => log.push('complete'),
    });
    winner.next('w');
    winner.complete();
    expect(log).toEqual(['a teardown', 'c teardown', 'next {"index":1,"value":"w"}', 'complete']);
  });

  it('marbles: the winner index and last value, losers unsubscribed at the win', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('----1----|');
      const b = cold('--x--|');
      expectObservable(whenAnyCancellable([a, b])).toBe('-----(r|)', { r: { index: 1, value: 'x' } });
      expectSubscriptions(a.subscriptions).toBe('^----!');
      expectSubscriptions(b.subscriptions).toBe('^----!');
    });
  });

  it('a participant that errors before a winner ends the race with its error', () => {
    runMarbles(({ cold, expectObservable }) => {
      expectObservable(whenAnyCancellable([cold('----|'), cold('--#')])).toBe('--#');
    });
  });

  it('a participant cancelled before a winner ends the race with ChildCancelled', () => {
    const a = startTask(NEVER, { name: 'a' });
    const errors: unknown[] = [];
    whenAnyCancellable([a, NEVER]).subscribe({ error: (e) => errors.push(e) });
    a.cancel('r');
    expect(errors.map(describeError)).toEqual(['ChildCancelled(task=a, reason=r)']);
  });

  it('the abort of the signal ends the race with CancelledError(signal.reason)', () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    whenAnyCancellable([NEVER, timer(1000)], { signal: controller.signal }).subscribe({ error: (e) => errors.push(e) });
    controller.abort('enough');
    expect(errors.map(describeError)).toEqual(['CancelledError(task=-, reason=enough)']);
  });

  it('an empty list is a TypeError', () => {
    expect(() => whenAnyCancellable([])).toThrow(
      new TypeError('whenAnyCancellable(): expected at least one source, got an array of length 0'),
    );
  });

  it('gives undefined as the value of a winner that completed without one', () => {
    const results: unknown[] = [];
    whenAnyCancellable([NEVER, EMPTY]).subscribe((r) => results.push(r));
    expect(results).toEqual([{ index: 1, value: undefined }]);
  });

  it('is typed as a union of the participants results', () => {
    const results: string[] = [];
    whenAnyCancellable([of(1), Promise.resolve('s')])
      .pipe(map((r) => (r.index === 0 ? `number ${r.value! + 1}` : `string ${r.value.toUpperCase()}`)))
      .subscribe((s) => results.push(s));
    expect(results).toEqual(['number 2']);
  });
});

describe('Task participants', () => {
  it('a task participant that already ended is observed with its replayed result', () => {
    const done = startTask(of('x'));
    const results: unknown[] = [];
    whenAllCancellable([done, of('y')]).subscribe((r) => results.push(r));
    expect(results).toEqual([['x', 'y']]);
    expect(done).toBeInstanceOf(Task);
  });
});

// From a mutation audit: an early end leaves running unattached tasks alone (only pending ones are cancelled),
// an ordinary error while the signal is aborted is not the caller's cancellation, release before report past
// MAX_NESTED_RUNS.
describe('combinators: participants the run never attached', () => {
  it('a running task after a participant that fails synchronously is left running, not cancelled', () => {
    const running = startTask(NEVER, { name: 'running' });
    const errors: string[] = [];
    whenAllCancellable([throwError(() => new Error('sync')), running]).subscribe({
      error: (e) => errors.push(describeError(e)),
    });
    expect(errors).toEqual(['Error(sync)']);
    expect(running.state).toBe('running');
    expect(running.signal.aborted).toBe(false);
  });

  it('the same for whenAnyCancellable, and for an already aborted signal', () => {
    const running = startTask(NEVER, { name: 'running' });
    const pending = task(NEVER, { name: 'pending' });
    const errors: string[] = [];
    whenAnyCancellable([throwError(() => new Error('sync')), running, pending]).subscribe({
      error: (e) => errors.push(describeError(e)),
    });
    const controller = new AbortController();
    controller.abort('early');
    whenAllCancellable([running], { signal: controller.signal }).subscribe({
      error: (e) => errors.push(describeError(e)),
    });
    expect(errors).toEqual(['Error(sync)', 'CancelledError(task=-, reason=early)']);
    expect(running.state).toBe('running');
    expect(pending.state).toBe('cancelled');
  });

  // From a mutation audit (fifth pass): the run is its result's finalizer (Combination#unsubscribe). Cancelling the
  // pending tasks before releasing the participants went unseen; every early end releases first.
  it('an unsubscribed result releases its participants before it cancels the pending ones, as an early end by error does', () => {
    const combinators: ((sources: Observable<unknown>[]) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      for (const end of ['unsubscribed', 'error'] as const) {
        const log: string[] = [];
        const stop = new Subject<void>();
        const pending = task(NEVER, { name: 'pending' });
        pending.signal.addEventListener('abort', () => log.push('pending cancelled'));
        const ending = new Observable<never>((subscriber) => {
          if (end === 'unsubscribed')
            stop.next(); // the consumer leaves from inside this participant's subscribe call
          else subscriber.error(new Error('sync'));
        });
        combine([logged(log, 'attached'), ending, pending])
          .pipe(takeUntil(stop))
          .subscribe({ error: (e) => log.push(`error ${describeError(e)}`), complete: () => log.push('complete') });
        expect([combine.name, end, log]).toEqual([
          combine.name,
          end,
          end === 'unsubscribed'
            ? ['complete', 'attached teardown', 'pending cancelled']
            : ['attached teardown', 'pending cancelled', 'error Error(sync)'],
        ]);
      }
    }
  });
});

describe('combinators: an ordinary error that arrives while the signal is aborted', () => {
  it("is emitted as it is, not turned into the caller's CancelledError", () => {
    const controller = new AbortController();
    const failing = new Subject<never>();
    // placed before the combinator links to the signal: it runs first, while the signal is aborted
    controller.signal.addEventListener('abort', () => failing.error(new Error('boom')));
    const log: string[] = [];
    const other = task(new Observable<never>(() => () => log.push('other: teardown')), { name: 'other' });
    whenAllCancellable([failing, other], { signal: controller.signal }).subscribe({
      error: (e) => log.push(`error ${describeError(e)}`),
    });
    controller.abort('r');
    expect(log).toEqual(['other: teardown', 'error Error(boom)']);
    expect(other.state).toBe('cancelled');
  });
});

describe('combinators: release before report, past MAX_NESTED_RUNS nested loops', () => {
  it('a signal aborted by a teardown that deep: the participant is torn down before the error is emitted', () => {
    const log: string[] = [];
    const signalOfRun = new AbortController();
    const participant = task(new Observable<never>(() => () => log.push('participant: teardown')), { name: 'p' });
    whenAllCancellable([participant], { signal: signalOfRun.signal }).subscribe({
      error: (e) => log.push(`error ${describeError(e)}`),
    });
    const controllers = chainWithDeepestTeardown(() => {
      signalOfRun.abort('deep');
      log.push('deepest teardown returns');
    });
    controllers[0]!.abort('x');
    expect(log).toEqual([
      'participant: teardown',
      'error CancelledError(task=-, reason=deep)',
      'deepest teardown returns',
    ]);
    expect(participant.state).toBe('cancelled');
  });
});

describe('combinators: a result subscribed by a subscriber that has closed already (fifth mutation audit)', () => {
  // From a mutation audit (fifth pass): direct test. The run is its result's finalizer (Combination#unsubscribe),
  // which ends it (`_ended`). Added to a subscriber that has closed already (forkJoin after an empty source), it runs
  // at once, before any participant: the attach loop then starts none. Without `_ended` set there the loop went on and
  // subscribed the sources after the consumer had gone (until the cancelled pending task failed the run). Once a
  // participant is attached, releasing it sets `_ended` anyway: it reads as that participant's source letting go.
  it('subscribes no participant, and cancels the pending tasks among them, when the result is already unsubscribed', () => {
    const combinators: ((sources: Observable<unknown>[]) => Observable<unknown>)[] = [
      whenAllCancellable,
      whenAnyCancellable,
    ];
    for (const combine of combinators) {
      const log: string[] = [];
      const plain = defer(() => {
        log.push('plain subscribed');
        return logged(log, 'plain');
      });
      const pending = task(NEVER, { name: 'pending' });
      forkJoin([EMPTY, combine([plain, pending])]).subscribe({
        error: (e) => log.push(`error ${describeError(e)}`),
        complete: () => log.push('complete'),
      });
      expect([combine.name, log, pending.state]).toEqual([combine.name, ['complete'], 'cancelled']);
    }
  });
});

// From a mutation audit (sixth pass, StrykerJS): a participant's cancellation that arrives while the signal is
// aborted, before the combinator's own turn among the signal's dependants, ends the run then. Emptying that branch
// of `_participantError` went unseen: the combinator's turn came later and gave the same error.
describe('combinators: a cancellation that arrives while the signal is aborted ends the run at once', () => {
  it("a participant cancelled by an abort listener placed before the combinator: the run ends there, as the caller's cancellation, before the listener goes on", () => {
    for (const combine of [whenAllCancellable, whenAnyCancellable]) {
      const controller = new AbortController();
      const a = startTask(NEVER, { name: 'a' });
      const b = new Subject<string>();
      const log: string[] = [];
      controller.signal.addEventListener('abort', () => {
        a.cancel('by the listener');
        log.push('listener: a cancelled');
        b.next('b');
        b.complete();
      });
      const result: Observable<unknown> = combine([a, b], { signal: controller.signal });
      result.subscribe({
        next: (value) => log.push(`next ${JSON.stringify(value)}`),
        error: (e) => log.push(describeError(e)),
      });
      controller.abort('stop');
      expect([combine.name, log]).toEqual([
        combine.name,
        ['CancelledError(task=-, reason=stop)', 'listener: a cancelled'],
      ]);
    }
  });
});
