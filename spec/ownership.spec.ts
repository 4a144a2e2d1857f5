/**
 * Ownership and refCount, tasks among RxJS operators, errors thrown by observers, and the order of a cancellation
 * seen from inside each step: what a second adversarial pass of the nineteenth landing checked against the contract
 * and docs/semantics.md and found to hold (no bug). Each test pins one such behaviour.
 */
import {
  audit,
  connectable,
  debounce,
  delayWhen,
  first,
  firstValueFrom,
  map,
  NEVER,
  Observable,
  of,
  retry,
  share,
  skipUntil,
  Subject,
  take,
  takeUntil,
  throttle,
  throwError,
  timeout,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
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
  whenAllCancellable,
  type Task,
} from '../src';
import { captureUnhandled, describeError, recorder } from './helpers';

/** Everything a late observer hears, through each way of observing. */
function lateHearing(t: Task<number>): string[] {
  const out: string[] = [];
  t.subscribe(recorder(out, 'plain'));
  t.pipe(detectCancel()).subscribe(recorder(out, 'detect'));
  t.pipe(shield()).subscribe(recorder(out, 'shield'));
  return out;
}

describe('checked, holds', () => {
  describe('ownership and refCount', () => {
    it('plain, detectCancel and shield subscribers on one task, leaving in any order: cancelled only once the last owner leaves, and never once a shield has subscribed', () => {
      const orders = [
        ['plain', 'detect'],
        ['detect', 'plain'],
      ] as const;
      for (const order of orders) {
        const t = task(NEVER);
        const subs = { plain: t.subscribe({ error() {} }), detect: t.pipe(detectCancel()).subscribe({ error() {} }) };
        subs[order[0]].unsubscribe();
        expect(t.state).toBe('running');
        subs[order[1]].unsubscribe();
        expect(t.state).toBe('cancelled');
        expect(t.signal.reason).toBeInstanceOf(CancelledError);
        expect((t.signal.reason as CancelledError).reason).toBeUndefined();
      }
      // a shield subscriber, even one that left already, pins the task for good
      const p = task(NEVER);
      const a = p.subscribe({ error() {} });
      p.pipe(shield())
        .subscribe({ error() {} })
        .unsubscribe();
      a.unsubscribe();
      p.subscribe({ error() {} }).unsubscribe();
      p.pipe(detectCancel())
        .subscribe({ error() {} })
        .unsubscribe();
      expect(p.state).toBe('running');
      expect(p.cancel('x')).toBe(true);
      expect(p.state).toBe('cancelled');
    });

    it('start() is no owner: a started task is released by its first owner leaving; refCount: false and a shield keep it', () => {
      const started = startTask(NEVER);
      started.subscribe({ error() {} }).unsubscribe();
      expect(started.state).toBe('cancelled');
      const kept = startTask(NEVER, { refCount: false });
      kept.subscribe({ error() {} }).unsubscribe();
      kept
        .pipe(detectCancel())
        .subscribe({ error() {} })
        .unsubscribe();
      expect(kept.state).toBe('running');
      const pinned = startTask(NEVER);
      pinned.pipe(shield()).subscribe({ error() {} });
      pinned.subscribe({ error() {} }).unsubscribe();
      expect(pinned.state).toBe('running');
      // a started task nobody subscribes runs on
      const alone = startTask(NEVER);
      expect(alone.state).toBe('running');
      alone.cancel();
    });

    it("a release after options.signal aborted (an earlier abort listener releases it) carries the signal's reason; before the abort, undefined", () => {
      const controller = new AbortController();
      const t = task(NEVER, { signal: controller.signal });
      const sub = t.subscribe({ error() {} });
      // a listener placed before the package's own: it runs first
      const early = new AbortController();
      const u = task(NEVER, { signal: early.signal });
      const usub = u.subscribe({ error() {} });
      usub.unsubscribe();
      expect((u.signal.reason as CancelledError).reason).toBeUndefined();
      controller.signal.addEventListener('abort', () => sub.unsubscribe());
      controller.abort('why');
      expect(t.state).toBe('cancelled');
      expect((t.signal.reason as CancelledError).reason).toBe('why');
    });

    it('late subscribers after each end state: the latest value, then the end (CancelledError plain, ChildCancelled through detectCancel/shield)', async () => {
      const s1 = new Subject<number>();
      const completed = startTask(s1, { name: 'c' });
      s1.next(1);
      s1.complete();
      expect(lateHearing(completed)).toEqual([
        'plain: next 1',
        'plain: complete',
        'detect: next 1',
        'detect: complete',
        'shield: next 1',
        'shield: complete',
      ]);
      const s2 = new Subject<number>();
      const errored = startTask(s2, { name: 'e' });
      s2.next(2);
      s2.error(new Error('boom'));
      expect(lateHearing(errored)).toEqual([
        'plain: next 2',
        'plain: error Error(boom)',
        'detect: next 2',
        'detect: error Error(boom)',
        'shield: next 2',
        'shield: error Error(boom)',
      ]);
      const s3 = new Subject<number>();
      const cancelled = startTask(s3, { name: 'x' });
      s3.next(3);
      expect(cancelled.cancel('r')).toBe(true);
      expect(cancelled.cancel('other')).toBe(false);
      expect(lateHearing(cancelled)).toEqual([
        'plain: next 3',
        'plain: error CancelledError(task=x, reason=r)',
        'detect: next 3',
        'detect: error ChildCancelled(task=x, reason=r)',
        'shield: next 3',
        'shield: error ChildCancelled(task=x, reason=r)',
      ]);
      await expect(awaitTask(completed)).resolves.toBe(1);
      await expect(awaitTask(errored)).rejects.toThrow('boom');
      await expect(awaitTask(cancelled)).rejects.toBeInstanceOf(ChildCancelled);
      // a task cancelled while pending replays only its end
      const pending = task(of(1), { name: 'p' });
      expect(pending.cancel('early')).toBe(true);
      expect(lateHearing(pending)).toEqual([
        'plain: error CancelledError(task=p, reason=early)',
        'detect: error ChildCancelled(task=p, reason=early)',
        'shield: error ChildCancelled(task=p, reason=early)',
      ]);
    });

    it('cancel() returns false on a completed or errored task and from its own abort listener or observers; the first reason wins', () => {
      const t = startTask(NEVER);
      const answers: boolean[] = [];
      t.signal.addEventListener('abort', () => answers.push(t.cancel('listener')));
      t.subscribe({ error: () => answers.push(t.cancel('observer')) });
      expect(t.cancel('first')).toBe(true);
      expect(answers).toEqual([false, false]);
      expect((t.signal.reason as CancelledError).reason).toBe('first');
      expect(startTask(of(1)).cancel()).toBe(false);
      expect(startTask(throwError(() => new Error('e'))).cancel()).toBe(false);
    });
  });

  describe('tasks among RxJS operators', () => {
    it.each([
      ['skipUntil', (t: Task<number>) => skipUntil(t)],
      ['delayWhen', (t: Task<number>) => delayWhen(() => t)],
      ['debounce', (t: Task<number>) => debounce(() => t)],
      ['throttle', (t: Task<number>) => throttle(() => t)],
      ['audit', (t: Task<number>) => audit(() => t)],
    ] as const)(
      'a task as the duration selector / notifier of %s is released (cancelled) on its first value',
      (_, op) => {
        const outer = new Subject<number>();
        const inner = new Subject<number>();
        const t = task(inner);
        outer.pipe(op(t) as never).subscribe({ error() {} });
        outer.next(1);
        expect(t.state).toBe('running');
        inner.next(9);
        expect(t.state).toBe('cancelled');
        expect(inner.observed).toBe(false);
      },
    );

    it('a task used only as a takeUntil notifier ends cancelled however takeUntil ends', () => {
      for (const how of ['fires', 'source completes', 'consumer leaves']) {
        const notifier = new Subject<number>();
        const source = new Subject<number>();
        const n = task(notifier);
        const sub = source.pipe(takeUntil(n)).subscribe({ error() {} });
        if (how === 'fires') notifier.next(1);
        if (how === 'source completes') source.complete();
        if (how === 'consumer leaves') sub.unsubscribe();
        expect([how, n.state, notifier.observed]).toEqual([how, 'cancelled', false]);
      }
    });

    it('connectable(task): unsubscribing connect() cancels the task; a second connect() does not run it again (its end is replayed)', () => {
      const source = new Subject<number>();
      let runs = 0;
      const t = task(
        () => {
          runs++;
          return source;
        },
        { name: 'conn' },
      );
      const c = connectable(t);
      const out: string[] = [];
      c.subscribe(recorder(out, 'a'));
      const connection = c.connect();
      source.next(1);
      connection.unsubscribe();
      expect(t.state).toBe('cancelled');
      c.subscribe(recorder(out, 'b'));
      c.connect();
      expect(runs).toBe(1);
      // connectable's subscribers are not told of the disconnection (RxJS); a later one is replayed the task's end
      expect(out).toEqual(['a: next 1', 'b: next 1', 'b: error CancelledError(task=conn, reason=undefined)']);
    });

    it('a reset of share() over a completed task replays its value and completion; it never runs again', () => {
      const source = new Subject<number>();
      let runs = 0;
      const t = task(() => {
        runs++;
        return source;
      });
      const shared = t.pipe(share());
      const out: string[] = [];
      shared.subscribe(recorder(out, 'a'));
      source.next(1);
      source.complete();
      shared.subscribe(recorder(out, 'b'));
      expect(runs).toBe(1);
      expect(out).toEqual(['a: next 1', 'a: complete', 'b: next 1', 'b: complete']);
    });

    it("timeout then retry over the same task: the consumer gets that task's CancelledError, not the TimeoutError", () => {
      new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
        const t = task(cold('-----a|'), { name: 't' });
        const out: string[] = [];
        t.pipe(timeout(2), retry(1)).subscribe(recorder(out, 'c'));
        flush();
        expect(out).toEqual(['c: error CancelledError(task=t, reason=undefined)']);
        expect(t.state).toBe('cancelled');
      });
    });

    it('a task that ended after a value still gives firstValueFrom, take(1) and first() that value', async () => {
      const source = new Subject<number>();
      const t = startTask(source);
      source.next(1);
      t.cancel('r');
      await expect(firstValueFrom(t)).resolves.toBe(1);
      const out: string[] = [];
      t.pipe(take(1)).subscribe(recorder(out, 'take'));
      t.pipe(first()).subscribe(recorder(out, 'first'));
      expect(out).toEqual(['take: next 1', 'take: complete', 'first: next 1', 'first: complete']);
      const errored = startTask(
        new Observable<number>((s) => {
          s.next(2);
          s.error(new Error('boom'));
        }),
      );
      await expect(firstValueFrom(errored)).resolves.toBe(2);
    });

    it('a combinator result subscribed again (retry) meets the participant its first run released: ChildCancelled (documented)', () => {
      const a = task(new Subject<number>(), { name: 'a' });
      const b = task(
        throwError(() => new Error('b')),
        { name: 'b' },
      );
      const out: string[] = [];
      whenAllCancellable([a, b]).pipe(retry(1)).subscribe(recorder(out, 'c'));
      expect(out).toEqual(['c: error ChildCancelled(task=a, reason=undefined)']);
    });

    it('documented consequence: retry over a RUNNING task after a downstream operator failed releases it between the two subscriptions (as switchMap does): the retry hears its CancelledError', () => {
      const source = new Subject<number>();
      const t = task(source, { name: 't' });
      let fail = true;
      const out: string[] = [];
      t.pipe(
        map((v) => {
          if (fail) {
            fail = false;
            throw new Error('x');
          }
          return v;
        }),
        retry(1),
      ).subscribe(recorder(out, 'c'));
      source.next(1);
      expect(out).toEqual(['c: next 1', 'c: error CancelledError(task=t, reason=undefined)']);
      expect(t.state).toBe('cancelled');
    });
  });

  describe('errors thrown by observers', () => {
    it('observers whose next throws (plain, detectCancel, shield): each error reported once, the others still get every value and the end', async () => {
      const unhandled = captureUnhandled();
      try {
        const source = new Subject<number>();
        const t = startTask(source);
        const out: string[] = [];
        t.subscribe({
          next: () => {
            throw new Error('plain');
          },
          error() {},
        });
        t.pipe(detectCancel()).subscribe({
          next: () => {
            throw new Error('detect');
          },
        });
        t.pipe(shield()).subscribe({
          next: () => {
            throw new Error('shield');
          },
        });
        t.subscribe(recorder(out, 'last'));
        const awaited = awaitTask(t);
        source.next(1);
        source.next(2);
        source.complete();
        await expect(awaited).resolves.toBe(2);
        await unhandled.flush();
        expect(out).toEqual(['last: next 1', 'last: next 2', 'last: complete']);
        expect(unhandled.errors.map((e) => (e as Error).message)).toEqual([
          'plain',
          'detect',
          'shield',
          'plain',
          'detect',
          'shield',
        ]);
        expect(t.state).toBe('completed');
      } finally {
        unhandled.restore();
      }
    });
  });

  describe('the order of a cancellation, seen from inside each step', () => {
    it('parent and children linked through options.signal (started, pending, released by the body): states, signals and who hears what at each step', async () => {
      const log: string[] = [];
      let C!: Task<never>;
      let D!: Task<never>;
      let E!: Task<never>;
      const P = startTask(
        (signal) => {
          C = startTask(
            new Observable<never>(
              () => () => log.push(`C teardown C.aborted=${C.signal.aborted} P=${P.state} D=${D.state}`),
            ),
            { signal, name: 'C' },
          );
          D = task(new Observable<never>(() => void log.push('D ran')), { signal, name: 'D' });
          E = startTask(new Observable<never>(() => () => log.push(`E teardown E.aborted=${E.signal.aborted}`)), {
            signal,
            name: 'E',
          });
          return new Observable<never>(() => {
            const sub = C.pipe(detectCancel()).subscribe({ error: (e) => log.push(`BODY HEARD ${describeError(e)}`) });
            return () => {
              log.push(`P teardown P.aborted=${signal.aborted} C=${C.state} D=${D.state} E=${E.state}`);
              sub.unsubscribe();
              log.push(`P teardown after release C=${C.state}`);
            };
          });
        },
        { name: 'P' },
      );
      P.signal.addEventListener('abort', () =>
        log.push(`P listener P=${P.state} C=${C.state} D=${D.state} E=${E.state} C.aborted=${C.signal.aborted}`),
      );
      E.subscribe({ error: (e) => log.push(`E plain ${describeError(e)} P=${P.state}`) });
      linkSignals(P.signal).signal.addEventListener('abort', () => log.push(`output listener E=${E.state}`));
      NEVER.pipe(cancelWhen(P.signal)).subscribe({
        error: (e) => log.push(`cancelWhen ${describeError(e)} E=${E.state}`),
      });
      P.subscribe({ error: (e) => log.push(`P plain ${describeError(e)} C=${C.state} D=${D.state} E=${E.state}`) });
      P.pipe(detectCancel()).subscribe({ error: (e) => log.push(`P detect ${describeError(e)}`) });
      expect(P.cancel('r')).toBe(true);
      const pErr = '{"class":"CancelledError","reason":"r","task":"P"}';
      expect(log).toEqual([
        'P listener P=cancelled C=running D=pending E=running C.aborted=false',
        'P teardown P.aborted=true C=running D=pending E=running',
        'C teardown C.aborted=true P=cancelled D=pending',
        'P teardown after release C=cancelled',
        'output listener E=running',
        'E teardown E.aborted=true',
        `E plain CancelledError(task=E, reason=${pErr}) P=cancelled`,
        `cancelWhen CancelledError(task=-, reason=${pErr}) E=cancelled`,
        'P plain CancelledError(task=P, reason=r) C=cancelled D=cancelled E=cancelled',
        'P detect ChildCancelled(task=P, reason=r)',
      ]);
      // the child released by the body's teardown got the parent's CancelledError as its reason, as at step 4
      expect((C.signal.reason as CancelledError).reason).toBe(P.signal.reason);
      expect((D.signal.reason as CancelledError).reason).toBe(P.signal.reason);
    });
  });
});
