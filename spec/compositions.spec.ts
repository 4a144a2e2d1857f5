/**
 * Compositions of the package's own operators (detectCancel, shield, cancelWhen, awaitTask, the combinators) and the
 * error each level of such a composition reports: what a fifth adversarial pass of the nineteenth landing checked
 * against the contract and docs/semantics.md and found to hold (no bug). Each test pins one such behaviour.
 */
import { getEventListeners } from 'node:events';
import { from, map, NEVER, take, Observable, of, Subject, throwError } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  shield,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../src';

/** What one observer heard: values, then `complete` or the error. */
function hear<T>(source: Observable<T>): { log: unknown[]; error: unknown; done: boolean; unsubscribe(): void } {
  const out = {
    log: [] as unknown[],
    error: undefined as unknown,
    done: false,
    unsubscribe: () => sub.unsubscribe(),
  };
  const sub = source.subscribe({
    next: (v) => out.log.push(v),
    error: (e) => {
      out.error = e;
      out.done = true;
    },
    complete: () => {
      out.log.push('|');
      out.done = true;
    },
  });
  return out;
}

function kind(error: unknown): string {
  if (error instanceof ChildCancelled) return 'ChildCancelled';
  if (error instanceof CancelledError) return 'CancelledError';
  return error instanceof Error ? `Error(${error.message})` : String(error);
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('checked, holds', () => {
  describe('detectCancel, shield and cancelWhen composed', () => {
    it('detectCancel twice: one ChildCancelled, not wrapped again (cause is the task error)', () => {
      const t = startTask(NEVER, { name: 't' });
      const h = hear(t.pipe(detectCancel(), detectCancel()));
      t.cancel('r');
      expect(kind(h.error)).toBe('ChildCancelled');
      const e = h.error as ChildCancelled;
      expect(e.child).toBe(t);
      expect(e.reason).toBe('r');
      expect(e.cause).not.toBeInstanceOf(ChildCancelled);
      expect(e.cause.task).toBe(t);
    });

    it('shield after detectCancel and shield(detectCancel(t)): the consumer leaving leaves t running; a cancel gives one ChildCancelled naming t', () => {
      for (const make of [
        (t: Task<number>) => t.pipe(detectCancel(), shield()),
        (t: Task<number>) => shield(detectCancel(t)),
      ]) {
        const t = task(NEVER as Observable<number>, { name: 't' });
        const h = hear(make(t));
        expect(t.state).toBe('running');
        h.unsubscribe();
        expect(t.state).toBe('running');
        const h2 = hear(make(t));
        t.cancel('r');
        expect(kind(h2.error)).toBe('ChildCancelled');
        expect((h2.error as ChildCancelled).child).toBe(t);
        expect((h2.error as ChildCancelled).cause).toBe(hear(t).error);
        expect((h2.error as ChildCancelled).cause).not.toBeInstanceOf(ChildCancelled);
      }
    });

    it('detectCancel after shield: the task stays pinned after the consumer leaves; cancel gives ChildCancelled naming t', () => {
      const t = task(NEVER, { name: 't' });
      const h = hear(t.pipe(shield(), detectCancel()));
      h.unsubscribe();
      expect(t.state).toBe('running');
      const other = t.subscribe({ error: () => undefined });
      other.unsubscribe();
      expect(t.state).toBe('running'); // pinned for good
      const h2 = hear(t.pipe(shield(), detectCancel()));
      t.cancel('r');
      expect(kind(h2.error)).toBe('ChildCancelled');
      expect((h2.error as ChildCancelled).child).toBe(t);
      expect((h2.error as ChildCancelled).cause).not.toBeInstanceOf(ChildCancelled);
    });

    it("cancelWhen after detectCancel reports the caller's abort as CancelledError(reason), before it: ChildCancelled without child (documented)", () => {
      const c1 = new AbortController();
      const t1 = task(NEVER, { name: 't1' });
      const a = hear(t1.pipe(detectCancel(), cancelWhen(c1.signal)));
      c1.abort('mine');
      expect(kind(a.error)).toBe('CancelledError');
      expect((a.error as CancelledError).reason).toBe('mine');
      expect((a.error as CancelledError).task).toBeUndefined();
      expect(t1.state).toBe('cancelled');

      const c2 = new AbortController();
      const t2 = task(NEVER, { name: 't2' });
      const b = hear(t2.pipe(cancelWhen(c2.signal), detectCancel()));
      c2.abort('mine');
      expect(kind(b.error)).toBe('ChildCancelled');
      expect((b.error as ChildCancelled).child).toBeUndefined();
      expect((b.error as ChildCancelled).reason).toBe('mine');
    });

    it('shield then cancelWhen: the abort leaves the task running and reports CancelledError(reason); cancelWhen then shield: the task is released', () => {
      const c = new AbortController();
      const t = task(NEVER, { name: 't' });
      const a = hear(t.pipe(shield(), cancelWhen(c.signal)));
      c.abort('mine');
      expect(kind(a.error)).toBe('CancelledError');
      expect((a.error as CancelledError).reason).toBe('mine');
      expect(t.state).toBe('running');

      const c2 = new AbortController();
      const t2 = task(NEVER, { name: 't2' });
      const b = hear(t2.pipe(cancelWhen(c2.signal), shield()));
      c2.abort('mine');
      expect(t2.state).toBe('cancelled');
      expect(kind(b.error)).toBe('ChildCancelled');
      expect((b.error as ChildCancelled).child).toBeUndefined();
    });

    it('cancelWhen with the task linked to the same signal (linked first): CancelledError(reason), in both orders around detectCancel the task is cancelled', () => {
      const c = new AbortController();
      const t = task(NEVER, { name: 't', signal: c.signal });
      const a = hear(t.pipe(detectCancel(), cancelWhen(c.signal)));
      c.abort('mine');
      expect(kind(a.error)).toBe('CancelledError');
      expect((a.error as CancelledError).task).toBeUndefined();
      expect((a.error as CancelledError).reason).toBe('mine');
    });
  });

  describe('awaitTask composed', () => {
    it('awaitTask(t.pipe(detectCancel())): ChildCancelled naming t, not wrapped twice', async () => {
      const t = task(NEVER, { name: 't' });
      const p = awaitTask(t.pipe(detectCancel()));
      t.cancel('r');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('ChildCancelled');
      expect((e as ChildCancelled).child).toBe(t);
      expect((e as ChildCancelled).cause).not.toBeInstanceOf(ChildCancelled);
    });

    it('awaitTask(shield(t), { signal }): the abort rejects with CancelledError(reason) and leaves t running; t stays pinned', async () => {
      const c = new AbortController();
      const t = task(NEVER, { name: 't' });
      const p = awaitTask(shield(t), { signal: c.signal });
      c.abort('mine');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('CancelledError');
      expect((e as CancelledError).reason).toBe('mine');
      expect((e as CancelledError).task).toBeUndefined();
      expect(t.state).toBe('running');
      t.subscribe().unsubscribe();
      expect(t.state).toBe('running');
    });

    it('awaitTask(t, { shield: true, signal }): the abort rejects with CancelledError(reason), t runs on, pinned for good, and its result stays for later subscribers', async () => {
      const c = new AbortController();
      const s = new Subject<number>();
      const t = task(s, { name: 't' });
      const p = awaitTask(t, { shield: true, signal: c.signal });
      s.next(1);
      c.abort('mine');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('CancelledError');
      expect((e as CancelledError).reason).toBe('mine');
      expect((e as CancelledError).task).toBeUndefined();
      expect(t.state).toBe('running');
      t.subscribe().unsubscribe();
      expect(t.state).toBe('running');
      s.next(2);
      s.complete();
      expect(t.state).toBe('completed');
      await expect(awaitTask(t)).resolves.toBe(2);
    });

    it('awaitTask(t, { shield: true }) without a signal pins t for good', async () => {
      const t = task(NEVER, { name: 't' });
      const p = awaitTask(t, { shield: true }).catch((e: unknown) => e);
      t.subscribe().unsubscribe();
      expect(t.state).toBe('running');
      t.cancel('x');
      expect(kind(await p)).toBe('ChildCancelled');
    });

    it('awaitTask(t.pipe(detectCancel()), { shield: true, signal }): the abort leaves the run (and t) going', async () => {
      const c = new AbortController();
      const t = task(NEVER, { name: 't' });
      const p = awaitTask(t.pipe(detectCancel()), { shield: true, signal: c.signal });
      c.abort('mine');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('CancelledError');
      expect(t.state).toBe('running');
    });

    it('awaitTask of a combinator: ChildCancelled naming the participant passes as it is', async () => {
      const a = task(NEVER, { name: 'a' });
      const p = awaitTask(whenAllCancellable([a, NEVER]));
      a.cancel('r');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('ChildCancelled');
      expect((e as ChildCancelled).child).toBe(a);
      expect((e as ChildCancelled).cause.task).toBe(a);
    });
  });

  describe('chains of tasks each waiting on the next', () => {
    it('C cancelled by someone else: B (body C.pipe(detectCancel())) errors with ChildCancelled(C); A hears that same error, child C, reason r', () => {
      const c = task(NEVER, { name: 'C' });
      const b = task(() => c.pipe(detectCancel()), { name: 'B' });
      const a = task(() => b.pipe(detectCancel()), { name: 'A' });
      const h = hear(a.pipe(detectCancel()));
      const plain = hear(a);
      c.cancel('r');
      expect(c.state).toBe('cancelled');
      expect(b.state).toBe('errored');
      expect(a.state).toBe('errored');
      for (const e of [h.error, plain.error]) {
        expect(kind(e)).toBe('ChildCancelled');
        expect((e as ChildCancelled).child).toBe(c);
        expect((e as ChildCancelled).reason).toBe('r');
        expect((e as ChildCancelled).cause).not.toBeInstanceOf(ChildCancelled);
        expect((e as ChildCancelled).cause.task).toBe(c);
      }
    });

    it("the root cancelled: each level is cancelled with the level above's CancelledError as reason (linked), and nobody hears a ChildCancelled", () => {
      let c!: Task<never>;
      let b!: Task<never>;
      const a = task(
        (sa) => {
          b = task(
            (sb) => {
              c = task(NEVER, { name: 'C', signal: sb });
              return c.pipe(detectCancel());
            },
            { name: 'B', signal: sa },
          );
          return b.pipe(detectCancel());
        },
        { name: 'A' },
      );
      const h = hear(a.pipe(detectCancel()));
      const plain = hear(a);
      a.cancel('r');
      expect([a.state, b.state, c.state]).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect(kind(h.error)).toBe('ChildCancelled'); // outside observer: a was cancelled by someone else
      expect((h.error as ChildCancelled).child).toBe(a);
      expect(kind(plain.error)).toBe('CancelledError');
      const eb = hear(b).error as CancelledError;
      expect(eb.task).toBe(b);
      expect((eb.reason as CancelledError).task).toBe(a);
      const ec = hear(c).error as CancelledError;
      expect((ec.reason as CancelledError).task).toBe(b);
    });

    it('a chain through awaitTask in async bodies: C cancelled gives B ChildCancelled(C); A, awaiting B, hears the same error', async () => {
      const c = task(NEVER, { name: 'C' });
      const b = task(async (signal) => awaitTask(c, { signal }), { name: 'B' });
      const a = task(async (signal) => awaitTask(b, { signal }), { name: 'A' });
      const p = awaitTask(a);
      await settle();
      c.cancel('r');
      const e = await p.catch((x: unknown) => x);
      expect(kind(e)).toBe('ChildCancelled');
      expect((e as ChildCancelled).child).toBe(c);
      expect((e as ChildCancelled).cause.task).toBe(c);
      expect(b.state).toBe('errored');
      expect(a.state).toBe('errored');
    });
  });
  describe('combinators over composed participants', () => {
    it('participants t.pipe(detectCancel()), shield(t), t.pipe(map()): a cancel by someone else gives one ChildCancelled naming t', () => {
      const makers: ((t: Task<number>) => Observable<number>)[] = [
        (t) => t.pipe(detectCancel()),
        (t) => shield(t),
        (t) => t.pipe(shield()),
        (t) => t.pipe(map((x) => x)),
        (t) => t.pipe(detectCancel(), detectCancel()),
      ];
      for (const make of makers) {
        for (const combine of [
          (p: Observable<number>) => whenAllCancellable([p, NEVER]),
          (p: Observable<number>) => whenAnyCancellable([NEVER, p]),
        ]) {
          const t = task(NEVER as Observable<number>, { name: 't' });
          const h = hear(combine(make(t)) as Observable<unknown>);
          t.cancel('r');
          expect(kind(h.error)).toBe('ChildCancelled');
          expect((h.error as ChildCancelled).child).toBe(t);
          expect((h.error as ChildCancelled).reason).toBe('r');
          expect((h.error as ChildCancelled).cause).not.toBeInstanceOf(ChildCancelled);
        }
      }
    });

    it("nested whenAll(whenAny(...)): the inner participant's ChildCancelled reaches the outer consumer as it is", () => {
      const a = task(NEVER, { name: 'a' });
      const b = task(NEVER, { name: 'b' });
      const c = task(NEVER, { name: 'c' });
      const h = hear(whenAllCancellable([whenAnyCancellable([a, b]), c]));
      a.cancel('r');
      expect(kind(h.error)).toBe('ChildCancelled');
      expect((h.error as ChildCancelled).child).toBe(a);
      expect((h.error as ChildCancelled).cause.task).toBe(a);
      expect([a.state, b.state, c.state]).toEqual(['cancelled', 'cancelled', 'cancelled']);
    });

    it("nested combinators sharing the caller's signal: the abort is the caller's own at both levels", () => {
      const ctl = new AbortController();
      const a = task(NEVER, { name: 'a', signal: ctl.signal });
      const b = task(NEVER, { name: 'b' });
      const h = hear(
        whenAllCancellable([whenAnyCancellable([a, b], { signal: ctl.signal }), NEVER], { signal: ctl.signal }),
      );
      ctl.abort('mine');
      expect(kind(h.error)).toBe('CancelledError');
      expect((h.error as CancelledError).task).toBeUndefined();
      expect((h.error as CancelledError).reason).toBe('mine');
      expect(b.state).toBe('cancelled');
    });

    it('nested whenAny wins: outer result is the inner result, shared task completing both levels', () => {
      const s = new Subject<number>();
      const t = task(s, { name: 't' });
      const h = hear(whenAnyCancellable([whenAnyCancellable([t, NEVER]), t]));
      s.next(5);
      s.complete();
      expect(h.log).toEqual([{ index: 0, value: { index: 0, value: 5 } }, '|']);
    });

    it('a shielded participant of a combinator that ends early is left running (whenAll: another fails; whenAny: another wins; signal aborts; result unsubscribed)', () => {
      const fail = new Subject<number>();
      const t1 = task(NEVER, { name: 't1' });
      const h1 = hear(whenAllCancellable([shield(t1), fail]));
      fail.error(new Error('boom'));
      expect(kind(h1.error)).toBe('Error(boom)');
      expect(t1.state).toBe('running');

      const t2 = task(NEVER, { name: 't2' });
      const h2 = hear(whenAnyCancellable([t2.pipe(shield()), of(1)]));
      expect(h2.log).toEqual([{ index: 1, value: 1 }, '|']);
      expect(t2.state).toBe('running');

      const ctl = new AbortController();
      const t3 = task(NEVER, { name: 't3' });
      const h3 = hear(whenAllCancellable([shield(t3)], { signal: ctl.signal }));
      ctl.abort('mine');
      expect(kind(h3.error)).toBe('CancelledError');
      expect(t3.state).toBe('running');

      const t4 = task(NEVER, { name: 't4' });
      const h4 = hear(whenAllCancellable([shield(t4)]));
      h4.unsubscribe();
      expect(t4.state).toBe('running');
      // and a plain owner leaving later does not cancel it either: pinned for good
      t4.subscribe().unsubscribe();
      expect(t4.state).toBe('running');
    });

    it('refCount: false task shared with other code: an early end of the combinator releases it, it runs on', () => {
      const t = task(NEVER, { name: 't', refCount: false });
      t.start();
      const other = hear(t);
      const fail = new Subject<number>();
      const h = hear(whenAllCancellable([t, fail]));
      fail.error(new Error('boom'));
      expect(kind(h.error)).toBe('Error(boom)');
      expect(t.state).toBe('running');
      other.unsubscribe();
      expect(t.state).toBe('running');
    });

    it('a task participant of two combinators at once: the one that ends early releases it, the other still owns it', () => {
      const t = task(new Subject<number>(), { name: 't' });
      const f = new Subject<number>();
      const h1 = hear(whenAnyCancellable([t, f]));
      const h2 = hear(whenAllCancellable([t, of(0)]));
      f.next(1);
      f.complete();
      expect(h1.log).toEqual([{ index: 1, value: 1 }, '|']);
      expect(t.state).toBe('running');
      h2.unsubscribe();
      expect(t.state).toBe('cancelled');
      expect(h2.done).toBe(false);
    });

    it('the same task listed twice: both results; a cancel gives one ChildCancelled; unsubscribing releases both ownerships', () => {
      const s = new Subject<number>();
      const t = task(s, { name: 't' });
      const h = hear(whenAllCancellable([t, t]));
      s.next(3);
      s.complete();
      expect(h.log).toEqual([[3, 3], '|']);

      const t2 = task(NEVER, { name: 't2' });
      const h2 = hear(whenAllCancellable([t2, t2]));
      t2.cancel('r');
      expect(kind(h2.error)).toBe('ChildCancelled');
      expect((h2.error as ChildCancelled).child).toBe(t2);

      const t3 = task(NEVER, { name: 't3' });
      const h3 = hear(whenAnyCancellable([t3, t3]));
      h3.unsubscribe();
      expect(t3.state).toBe('cancelled');

      const s4 = new Subject<number>();
      const t4 = task(s4, { name: 't4' });
      const h4 = hear(whenAnyCancellable([t4, t4]));
      s4.next(4);
      s4.complete();
      expect(h4.log).toEqual([{ index: 0, value: 4 }, '|']);
    });

    it('the same pending task listed twice after one that fails synchronously: cancelled once without starting', () => {
      let runs = 0;
      const t = task(
        () => {
          runs++;
          return NEVER;
        },
        { name: 't' },
      );
      const h = hear(whenAllCancellable([throwError(() => new Error('boom')), t, t]));
      expect(kind(h.error)).toBe('Error(boom)');
      expect(t.state).toBe('cancelled');
      expect(runs).toBe(0);
    });
  });

  describe('a combinator result subscribed again after it ended', () => {
    it('whenAll over completed tasks: the same results again (values replayed, undefined for none)', () => {
      const a = task(of(1), { name: 'a' });
      const b = task(new Observable<number>((s) => s.complete()), { name: 'b' });
      const r = whenAllCancellable([a, b]);
      expect(hear(r).log).toEqual([[1, undefined], '|']);
      expect(hear(r).log).toEqual([[1, undefined], '|']);
    });

    it('whenAll over an errored task: its error again; over a cancelled one: ChildCancelled naming it again', () => {
      const e = new Error('boom');
      const a = task(
        throwError(() => e),
        { name: 'a' },
      );
      const r = whenAllCancellable([a, of(1)]);
      expect(hear(r).error).toBe(e);
      expect(hear(r).error).toBe(e);
      const c = task(NEVER, { name: 'c' });
      const r2 = whenAllCancellable([of(1), c]);
      const first = hear(r2);
      c.cancel('r');
      const second = hear(r2);
      for (const h of [first, second]) {
        expect(kind(h.error)).toBe('ChildCancelled');
        expect((h.error as ChildCancelled).child).toBe(c);
      }
    });

    it('whenAny whose winner came first: the winner again; whose released loser came first: ChildCancelled of that loser (documented)', () => {
      const w = new Subject<number>();
      const winner = task(w, { name: 'winner' });
      const loser = task(NEVER, { name: 'loser' });
      const r1 = whenAnyCancellable([winner, loser]);
      const h1 = hear(r1);
      w.next(1);
      w.complete();
      expect(h1.log).toEqual([{ index: 0, value: 1 }, '|']);
      expect(loser.state).toBe('cancelled');
      expect(hear(r1).log).toEqual([{ index: 0, value: 1 }, '|']);
      const r2 = whenAnyCancellable([loser, winner]);
      const h2 = hear(r2);
      expect(kind(h2.error)).toBe('ChildCancelled');
      expect((h2.error as ChildCancelled).child).toBe(loser);
    });

    it('a combinator over a shielded task subscribed again after a first run ended early: the task ran on, so the second run gets its result', () => {
      const s = new Subject<number>();
      const t = task(s, { name: 't' });
      const f = new Subject<number>();
      const r = whenAllCancellable([shield(t), f]);
      const h1 = hear(r);
      f.error(new Error('boom'));
      expect(kind(h1.error)).toBe('Error(boom)');
      s.next(7);
      s.complete();
      expect(t.state).toBe('completed');
      const h2 = hear(whenAllCancellable([shield(t), of(2)]));
      expect(h2.log).toEqual([[7, 2], '|']);
    });
  });
  describe('one shutdown wave: a shared task linked first, a consumer reached after it', () => {
    const consumers: [string, (x: Task<number>, signal: AbortSignal) => Observable<unknown> | Promise<unknown>][] = [
      [
        'whenAll([x.pipe(detectCancel())], { signal })',
        (x, signal) => whenAllCancellable([x.pipe(detectCancel())], { signal }),
      ],
      ['whenAll([shield(x)], { signal })', (x, signal) => whenAllCancellable([shield(x)], { signal })],
      ['whenAny([x, NEVER], { signal })', (x, signal) => whenAnyCancellable([x, NEVER], { signal })],
      ['x.pipe(detectCancel(), cancelWhen(signal))', (x, signal) => x.pipe(detectCancel(), cancelWhen(signal))],
      ['x.pipe(shield(), cancelWhen(signal))', (x, signal) => x.pipe(shield(), cancelWhen(signal))],
      ['awaitTask(x, { signal })', (x, signal) => awaitTask(x, { signal })],
      ['awaitTask(x, { signal, shield: true })', (x, signal) => awaitTask(x, { signal, shield: true })],
      ['awaitTask(shield(x), { signal })', (x, signal) => awaitTask(shield(x), { signal })],
      ['awaitTask(whenAll([x]), { signal })', (x, signal) => awaitTask(whenAllCancellable([x]), { signal })],
    ];
    it.each(consumers)(
      "%s given the signal of a task P the shutdown reaches after x: the caller's CancelledError",
      async (_, make) => {
        const app = new AbortController();
        const x = task(NEVER as Observable<number>, { name: 'x', signal: app.signal });
        x.start();
        const p = task(NEVER, { name: 'P', signal: app.signal });
        p.start();
        const made = make(x, p.signal);
        let error: unknown;
        if (made instanceof Promise) made.catch((e: unknown) => (error = e));
        else made.subscribe({ error: (e: unknown) => (error = e) });
        app.abort('shutdown');
        await settle();
        expect(kind(error)).toBe('CancelledError');
        expect((error as CancelledError).task).toBeUndefined();
        expect(((error as CancelledError).reason as CancelledError).task).toBe(p);
      },
    );

    const bodies: [string, (x: Task<number>) => Observable<unknown>][] = [
      ['x.pipe(detectCancel())', (x) => x.pipe(detectCancel())],
      ['shield(x)', (x) => shield(x)],
      ['shield(x.pipe(detectCancel()))', (x) => shield(x.pipe(detectCancel()))],
      ['x.pipe(detectCancel(), detectCancel())', (x) => x.pipe(detectCancel(), detectCancel())],
      ['whenAll([x.pipe(detectCancel())])', (x) => whenAllCancellable([x.pipe(detectCancel())])],
      ['whenAll([shield(x)])', (x) => whenAllCancellable([shield(x)])],
      ['whenAny([whenAll([x])])', (x) => whenAnyCancellable([whenAllCancellable([x])])],
    ];
    it.each(bodies)('a body %s linked after x: torn down before it could hear x, ends cancelled', (_, make) => {
      const app = new AbortController();
      const x = task(NEVER as Observable<number>, { name: 'x', signal: app.signal });
      x.start();
      let heard: unknown;
      const p = task(
        () =>
          make(x).pipe(
            map((v) => v),
            (src) =>
              new Observable<unknown>((s) =>
                src.subscribe({
                  next: (v) => s.next(v),
                  error: (e) => ((heard = e), s.error(e)),
                  complete: () => s.complete(),
                }),
              ),
          ),
        { name: 'P', signal: app.signal },
      );
      const h = hear(p);
      app.abort('shutdown');
      expect(heard).toBeUndefined();
      expect(p.state).toBe('cancelled');
      expect(kind(h.error)).toBe('CancelledError');
      expect((h.error as CancelledError).task).toBe(p);
    });
  });
  describe('listeners of compositions ended every way', () => {
    const hubSize = (signal: AbortSignal): number => {
      const sym = Object.getOwnPropertySymbols(signal).find((x) => String(x).includes('hub'));
      return sym === undefined ? 0 : ((signal as unknown as Record<symbol, Set<unknown>>)[sym]?.size ?? 0);
    };
    it('composition ends (complete, child cancel, error, unsubscribe) leave no listener on a long-lived signal', async () => {
      const ctl = new AbortController();
      const signal = ctl.signal;
      for (let round = 0; round < 4; round++) {
        const s = new Subject<number>();
        const t = task(s, { name: 't' });
        const parts: { unsubscribe(): void }[] = [];
        parts.push(hear(t.pipe(detectCancel(), cancelWhen(signal))));
        parts.push(hear(t.pipe(shield(), cancelWhen(signal))));
        parts.push(hear(whenAllCancellable([whenAnyCancellable([t, NEVER], { signal }), t], { signal })));
        parts.push(hear(whenAnyCancellable([shield(t)], { signal })));
        const promises = [
          awaitTask(shield(t), { signal }),
          awaitTask(t, { signal, shield: true }),
          awaitTask(whenAllCancellable([t], { signal }), { signal }),
        ].map((p) => p.catch(() => undefined));
        expect(getEventListeners(signal, 'abort').length).toBe(1);
        if (round === 0) {
          s.next(1);
          s.complete();
        } else if (round === 1) t.cancel('r');
        else if (round === 2) s.error(new Error('boom'));
        else {
          parts.forEach((p) => p.unsubscribe());
          t.cancel('r');
        }
        await Promise.all(promises);
        expect(hubSize(signal)).toBe(0);
        expect(getEventListeners(signal, 'abort').length).toBe(0);
      }
    });
  });
  describe('more chains and pins', () => {
    it("async chain A→B→C linked through signals, B cancelled by someone else: B's body hears its own CancelledError, A hears ChildCancelled(B), C is cancelled with B's error as reason", async () => {
      let b!: Task<unknown>;
      let c!: Task<unknown>;
      const heardByB: unknown[] = [];
      const a = task(
        async (sa) => {
          b = task(
            async (sb) => {
              c = task(NEVER, { name: 'C', signal: sb });
              try {
                return await awaitTask(c, { signal: sb });
              } catch (e) {
                heardByB.push(e);
                throw e;
              }
            },
            { name: 'B', signal: sa },
          );
          return awaitTask(b, { signal: sa });
        },
        { name: 'A' },
      );
      const p = awaitTask(a);
      await settle();
      b.cancel('r');
      const e = await p.catch((x: unknown) => x);
      await settle();
      expect(kind(heardByB[0])).toBe('CancelledError');
      expect((heardByB[0] as CancelledError).task).toBeUndefined();
      expect(((heardByB[0] as CancelledError).reason as CancelledError).task).toBe(b);
      expect(kind(e)).toBe('ChildCancelled');
      expect((e as ChildCancelled).child).toBe(b);
      expect((e as ChildCancelled).reason).toBe('r');
      expect(a.state).toBe('errored');
      expect(c.state).toBe('cancelled');
      expect((hear(c).error as CancelledError).reason).toBe(hear(b).error);
    });

    it("A (body shield(B)) released by its last owner: B runs on, pinned; B's child still owned by B's body", () => {
      const c = task(NEVER, { name: 'C' });
      const b = task(() => c.pipe(detectCancel()), { name: 'B' });
      const a = task(() => shield(b), { name: 'A' });
      const h = hear(a);
      h.unsubscribe();
      expect([a.state, b.state, c.state]).toEqual(['cancelled', 'running', 'running']);
      b.subscribe().unsubscribe();
      expect(b.state).toBe('running');
    });

    it('take(1) through shield on a synchronous task: the task runs to its end; through detectCancel it is released', () => {
      const t1 = task(from([1, 2, 3]), { name: 't1' });
      expect(hear(t1.pipe(shield(), take(1))).log).toEqual([1, '|']);
      expect(t1.state).toBe('completed');
      expect(hear(t1).log).toEqual([3, '|']);
      const t2 = task(from([1, 2, 3]), { name: 't2' });
      expect(hear(t2.pipe(detectCancel(), take(1))).log).toEqual([1, '|']);
      expect(t2.state).toBe('cancelled');
    });
    it('refCount: false participant started by the combinator: an abort of its signal releases it and it runs on; one still pending at an already aborted signal is cancelled (documented)', () => {
      const ctl = new AbortController();
      const t = task(NEVER, { name: 't', refCount: false });
      const h = hear(whenAllCancellable([t], { signal: ctl.signal }));
      ctl.abort('mine');
      expect(kind(h.error)).toBe('CancelledError');
      expect(t.state).toBe('running');
      const pending = task(NEVER, { name: 'pending', refCount: false });
      hear(whenAllCancellable([pending], { signal: ctl.signal }));
      expect(pending.state).toBe('cancelled');
      expect((hear(pending).error as CancelledError).reason).toBe('mine');
    });
  });
});
