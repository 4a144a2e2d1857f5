/**
 * Async bodies (the seed scenario awaited with `awaitTask`), `task.signal` and `linkSignals` edges, `cancelWhen`, and
 * the error classes: what a third adversarial pass of the nineteenth landing checked against the contract and
 * docs/semantics.md and found to hold (no bug). Each test pins one such behaviour, or a documented limit.
 */
import { getEventListeners } from 'node:events';
import { catchError, defer, lastValueFrom, NEVER, Observable, of, Subject } from 'rxjs';
import {
  awaitTask,
  cancelWhen,
  CancelledError,
  ChildCancelled,
  detectCancel,
  linkSignals,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../src';
import { captureUnhandled } from './helpers';

const tick = () => new Promise((r) => setTimeout(r, 0));
const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

/** A fetch-like API: a promise that rejects with the signal's reason (or an AbortError) on abort. */
function fakeFetch(signal: AbortSignal, style: 'reason' | 'domexception' = 'reason', ms = 1e6): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = () => reject(style === 'reason' ? signal.reason : new DOMException('aborted', 'AbortError'));
    if (signal.aborted) return fail();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve('body');
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The seed scenario's parent, Observable style: its body makes a child with `makeChild` on its own signal and waits
 * on it through `detectCancel()`, falling back to 'fb' and recording in `seen` what it caught.
 */
function parentWithFallback(
  makeChild: (signal: AbortSignal) => Task<never>,
  seen: unknown[],
): { parent: Task<string>; child: () => Task<never> } {
  let child!: Task<never>;
  const parent = startTask(
    (signal) => {
      child = makeChild(signal);
      return child.pipe(
        detectCancel(),
        catchError((e) => {
          seen.push(e);
          return of('fb');
        }),
      );
    },
    { name: 'parent' },
  );
  return { parent, child: () => child };
}

describe('checked, holds: the seed scenario with async bodies', () => {
  it('seed: parent cancelled while awaiting a linked child with awaitTask', async () => {
    let seen: unknown = 'nothing';
    let child!: Task<string>;
    const parent = task(
      async (signal) => {
        child = startTask((s) => fakeFetch(s), { signal, name: 'child' });
        try {
          return await awaitTask(child, { signal });
        } catch (e) {
          seen = e;
          throw e;
        }
      },
      { name: 'parent' },
    );
    const errs: unknown[] = [];
    parent.subscribe({ error: (e) => errs.push(e) });
    await tick();
    parent.cancel('p');
    await tick();
    expect(seen).toBeInstanceOf(CancelledError);
    expect(seen).not.toBeInstanceOf(ChildCancelled);
    expect(child.state).toBe('cancelled');
    expect((errs[0] as CancelledError).task).toBe(parent);
  });
});

describe('checked, holds: signals, links, cancelWhen', () => {
  it('child cancelled by someone else: async body hears ChildCancelled naming the child', async () => {
    let seen: unknown;
    const child = startTask((s) => fakeFetch(s), { name: 'child' });
    const parent = startTask(
      async (signal) => {
        try {
          return await awaitTask(child, { signal });
        } catch (e) {
          seen = e;
          return 'fallback';
        }
      },
      { name: 'parent' },
    );
    await tick();
    child.cancel('c');
    await tick();
    expect(seen).toBeInstanceOf(ChildCancelled);
    expect((seen as ChildCancelled).child).toBe(child);
    expect(parent.state).toBe('completed');
    expect(await lastValueFrom(parent)).toBe('fallback');
  });

  it('parent cancelled via options.signal (plain controller) while awaiting a child linked to its own signal', async () => {
    const ctl = new AbortController();
    let seen: unknown;
    let child!: Task<string>;
    const parent = startTask(
      async (signal) => {
        child = startTask((s) => fakeFetch(s, 'domexception'), { signal, name: 'child' });
        try {
          return await awaitTask(child, { signal });
        } catch (e) {
          seen = e;
          throw e;
        }
      },
      { name: 'parent', signal: ctl.signal },
    );
    const errs: unknown[] = [];
    parent.subscribe({ error: (e) => errs.push(e) });
    await tick();
    ctl.abort('stop');
    await tick();
    expect(parent.state).toBe('cancelled');
    expect(seen).toBeInstanceOf(CancelledError);
    expect(seen).not.toBeInstanceOf(ChildCancelled);
    expect((errs[0] as CancelledError).reason).toBe('stop');
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('awaitTask of a fetch-like promise that rejects with signal.reason: own CancelledError', async () => {
    const ctl = new AbortController();
    const p = awaitTask(fakeFetch(ctl.signal), { signal: ctl.signal });
    ctl.abort('x');
    await expect(p).rejects.toMatchObject({ reason: 'x' });
    await expect(p).rejects.not.toBeInstanceOf(ChildCancelled);
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('detectCancel-style parent cancelled: body never sees ChildCancelled', () => {
    const seen: unknown[] = [];
    const { parent, child } = parentWithFallback((signal) => startTask(NEVER, { signal, name: 'child' }), seen);
    const errs: unknown[] = [];
    parent.subscribe({ error: (e) => errs.push(e) });
    parent.cancel('p');
    expect(seen).toEqual([]);
    expect(child().state).toBe('cancelled');
    expect((errs[0] as CancelledError).task).toBe(parent);
  });

  it('task.signal read after complete/error/cancel', () => {
    const a = startTask(of(1));
    expect(a.signal.aborted).toBe(false);
    const b = startTask(
      defer(() => {
        throw new Error('x');
      }),
    );
    b.subscribe({ error: () => undefined });
    expect(b.state).toBe('errored');
    expect(b.signal.aborted).toBe(false);
    const c = task(NEVER);
    c.cancel('r');
    const errs: unknown[] = [];
    c.subscribe({ error: (e) => errs.push(e) });
    expect(c.signal.reason).toBe(errs[0]);
    expect(c.signal.reason.task).toBe(c);
    expect(c.signal.reason.reason).toBe('r');
    const d = startTask(NEVER);
    const sig = d.signal;
    const errs2: unknown[] = [];
    d.pipe(detectCancel()).subscribe({ error: (e) => errs2.push(e) });
    d.cancel('q');
    expect(sig.reason).toBe((errs2[0] as ChildCancelled).cause);
    // created on an already aborted signal
    const ctl = new AbortController();
    ctl.abort('z');
    const e = task(NEVER, { signal: ctl.signal });
    expect(e.state).toBe('cancelled');
    expect(e.signal.reason).toMatchObject({ reason: 'z', task: e });
  });

  it('linkSignals duplicates, timeout, abort inputs, unlink twice', async () => {
    const a = new AbortController();
    const l = linkSignals(a.signal, a.signal);
    expect(listeners(a.signal)).toBe(1);
    l.unlink();
    l.unlink();
    expect(listeners(a.signal)).toBe(0);
    const l2 = linkSignals(a.signal, a.signal);
    let n = 0;
    l2.signal.addEventListener('abort', () => n++);
    a.abort('r');
    expect(n).toBe(1);
    expect(l2.signal.reason).toBe('r');
    expect(listeners(a.signal)).toBe(0);
    l2.unlink();
    const b = new AbortController();
    const to = AbortSignal.timeout(5);
    const l3 = linkSignals(b.signal, to);
    await new Promise((r) => setTimeout(r, 30));
    expect(l3.signal.aborted).toBe(true);
    expect((l3.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(listeners(b.signal)).toBe(0);
    expect(listeners(to)).toBe(0);
    const ab = AbortSignal.abort('x');
    const c = new AbortController();
    const l4 = linkSignals(c.signal, ab);
    expect(l4.signal.reason).toBe('x');
    expect(listeners(c.signal)).toBe(0);
  });

  it('linkSignals of task signals of ended tasks', () => {
    const done = startTask(of(1));
    const cancelled = startTask(NEVER);
    cancelled.cancel('cc');
    const ctl = new AbortController();
    const l = linkSignals(done.signal, ctl.signal);
    expect(l.signal.aborted).toBe(false);
    ctl.abort('y');
    expect(l.signal.reason).toBe('y');
    const l2 = linkSignals(done.signal, cancelled.signal);
    expect(l2.signal.reason).toBe(cancelled.signal.reason);
    const running = startTask(NEVER);
    const l3 = linkSignals(running.signal, done.signal);
    running.cancel('rr');
    expect(l3.signal.reason).toBe(running.signal.reason);
  });

  it('cancelWhen basics', () => {
    const ctl = new AbortController();
    const src = new Subject<number>();
    const out = src.pipe(cancelWhen(ctl.signal));
    const log: unknown[] = [];
    out.subscribe({ next: (v) => log.push(v), error: (e) => log.push(e) });
    out.subscribe({ next: (v) => log.push(v), error: (e) => log.push(e) });
    expect(listeners(ctl.signal)).toBe(1);
    src.next(1);
    ctl.abort('why');
    expect(src.observed).toBe(false);
    expect(log.length).toBe(4);
    expect((log[2] as CancelledError).reason).toBe('why');
    expect(listeners(ctl.signal)).toBe(0);
    // after completion
    const c2 = new AbortController();
    const log2: unknown[] = [];
    of(1, 2)
      .pipe(cancelWhen(c2.signal))
      .subscribe({ next: (v) => log2.push(v), error: (e) => log2.push(e), complete: () => log2.push('c') });
    expect(listeners(c2.signal)).toBe(0);
    c2.abort();
    expect(log2).toEqual([1, 2, 'c']);
    // during subscribe
    const c3 = new AbortController();
    const log3: unknown[] = [];
    let torn = false;
    new Observable<number>((s) => {
      s.next(1);
      c3.abort('mid');
      s.next(2);
      return () => {
        torn = true;
      };
    })
      .pipe(cancelWhen(c3.signal))
      .subscribe({
        next: (v) => log3.push(v),
        error: (e) => log3.push((e as CancelledError).reason),
        complete: () => log3.push('c'),
      });
    expect(log3).toEqual([1, 'mid']);
    expect(torn).toBe(true);
    expect(listeners(c3.signal)).toBe(0);
  });
});

describe('checked, holds: bodies after their abort, links and timeouts', () => {
  it('body catches own cancellation, starts a task on its aborted signal and awaits it with the signal: factory never runs', async () => {
    let ran = false;
    const seen: unknown[] = [];
    const cap = captureUnhandled();
    const parent = startTask(async (signal) => {
      try {
        await fakeFetch(signal);
      } catch (e) {
        seen.push(e);
      }
      const late = startTask(
        () => {
          ran = true;
          return of(1);
        },
        { signal },
      );
      try {
        await awaitTask(late, { signal });
      } catch (e) {
        seen.push(e);
      }
      const l = linkSignals(signal, new AbortController().signal);
      seen.push(l.signal.reason);
      throw new Error('after cancel');
    });
    parent.subscribe({ error: () => undefined });
    parent.cancel('p');
    await tick();
    await tick();
    await cap.flush();
    cap.restore();
    expect(ran).toBe(false);
    expect(seen[0]).toBe(parent.signal.reason);
    expect(seen[1]).toBeInstanceOf(CancelledError);
    expect(seen[1]).not.toBeInstanceOf(ChildCancelled);
    expect((seen[1] as CancelledError).reason).toBe(parent.signal.reason);
    expect(seen[2]).toBe(parent.signal.reason);
    expect(cap.errors).toEqual([]);
  });

  it('awaitTask through a linkSignals output of the task signal plus a timeout', async () => {
    let seen: unknown;
    let child!: Task<string>;
    const ctl = new AbortController();
    const parent = startTask(async (signal) => {
      child = startTask((s) => fakeFetch(s), { signal });
      const { signal: s, unlink } = linkSignals(signal, ctl.signal);
      try {
        return await awaitTask(child, { signal: s });
      } catch (e) {
        seen = e;
        throw e;
      } finally {
        unlink();
      }
    });
    parent.subscribe({ error: () => undefined });
    await tick();
    ctl.abort('timeout');
    await tick();
    expect(seen).toBeInstanceOf(CancelledError);
    expect(seen).not.toBeInstanceOf(ChildCancelled);
    expect((seen as CancelledError).reason).toBe('timeout');
    expect(child.state).toBe('cancelled'); // released by the awaitTask: its last owner
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('parent cancelled and child cancelled by someone else in the same tick: first wins', async () => {
    let seen: unknown;
    const child = startTask((s) => fakeFetch(s), { name: 'c' });
    const parent = startTask(async (signal) => {
      try {
        return await awaitTask(child, { signal });
      } catch (e) {
        seen = e;
        throw e;
      }
    });
    parent.subscribe({ error: () => undefined });
    await tick();
    parent.cancel('p');
    child.cancel('c');
    await tick();
    expect(seen).not.toBeInstanceOf(ChildCancelled);
  });

  it('cancelWhen given a task signal places no listener and errors with CancelledError(the task error), no task, after releasing the source', () => {
    const t = startTask(NEVER);
    const log: unknown[] = [];
    const src = new Subject<number>();
    src.pipe(cancelWhen(t.signal)).subscribe({ error: (e) => log.push(e) });
    expect(listeners(t.signal)).toBe(0);
    t.cancel('r');
    expect((log[0] as CancelledError).reason).toBe(t.signal.reason);
    expect((log[0] as CancelledError).task).toBeUndefined();
    expect(src.observed).toBe(false);
  });

  it('linkSignals: plain input listener removed when a task-signal input cancels', () => {
    const t = startTask(NEVER);
    const ctl = new AbortController();
    const l = linkSignals(ctl.signal, t.signal);
    expect(listeners(ctl.signal)).toBe(1);
    t.cancel('x');
    expect(l.signal.reason).toBe(t.signal.reason);
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('options.signal = AbortSignal.abort(): cancelled at once, signal reason', () => {
    const s = AbortSignal.abort('why');
    let ran = false;
    const t = startTask(
      () => {
        ran = true;
        return of(1);
      },
      { signal: s },
    );
    expect(ran).toBe(false);
    expect(t.state).toBe('cancelled');
    expect(t.signal.reason.reason).toBe('why');
    expect(listeners(s)).toBe(0);
  });

  it('task linked to AbortSignal.timeout', async () => {
    const s = AbortSignal.timeout(5);
    const t = startTask(NEVER, { signal: s });
    expect(listeners(s)).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(t.state).toBe('cancelled');
    expect((t.signal.reason.reason as DOMException).name).toBe('TimeoutError');
    expect(listeners(s)).toBe(0);
  });

  it('cancelWhen: one subscription of two leaves, the other still hears', () => {
    const ctl = new AbortController();
    const out = NEVER.pipe(cancelWhen(ctl.signal));
    const log: unknown[] = [];
    const s1 = out.subscribe({ error: () => log.push(1) });
    out.subscribe({ error: () => log.push(2) });
    s1.unsubscribe();
    expect(listeners(ctl.signal)).toBe(1);
    ctl.abort();
    expect(log).toEqual([2]);
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('cancelWhen with a task source linked to the same signal: release then error, task cancelled', () => {
    const ctl = new AbortController();
    const order: string[] = [];
    const t = task(() => new Observable<never>(() => () => order.push('teardown')), { signal: ctl.signal });
    t.pipe(detectCancel(), cancelWhen(ctl.signal)).subscribe({
      error: (e) => order.push(`error ${(e as Error).name} ${(e as CancelledError).reason}`),
    });
    ctl.abort('r');
    expect(order).toEqual(['teardown', 'error CancelledError r']);
  });
});

describe('checked, holds: abort windows', () => {
  it('window: a child whose body errors synchronously from its own listener on the parent task signal with an AbortError caused by the reason ends cancelled; the parent body never hears it', () => {
    const seen: unknown[] = [];
    const { parent, child } = parentWithFallback(
      (signal) =>
        startTask(
          () =>
            new Observable<never>((s) => {
              const onAbort = () =>
                s.error(Object.assign(new Error('aborted'), { name: 'AbortError', cause: signal.reason }));
              signal.addEventListener('abort', onAbort);
              return () => signal.removeEventListener('abort', onAbort);
            }),
          { signal, name: 'child' },
        ),
      seen,
    );
    const late: unknown[] = [];
    parent.cancel('p');
    child().subscribe({ error: (e) => late.push(e) });
    expect(seen).toEqual([]);
    expect(child().state).toBe('cancelled');
    expect(late[0]).toBe(child().signal.reason);
    expect((late[0] as CancelledError).reason).toBe(parent.signal.reason);
  });

  it('async body + awaitTask of an Observable that errors with signal.reason from its own step-2 listener: own CancelledError', async () => {
    let seen: unknown;
    const parent = startTask(async (signal) => {
      const src = new Observable<never>((s) => {
        const onAbort = () => s.error(signal.reason);
        signal.addEventListener('abort', onAbort);
        return () => signal.removeEventListener('abort', onAbort);
      });
      try {
        await awaitTask(src, { signal });
      } catch (e) {
        seen = e;
      }
    });
    parent.subscribe({ error: () => undefined });
    await tick();
    parent.cancel('p');
    await tick();
    expect(seen).toBeInstanceOf(CancelledError);
    expect(seen).not.toBeInstanceOf(ChildCancelled);
    expect((seen as CancelledError).reason).toBe(parent.signal.reason);
  });

  it('awaitTask + whenAllCancellable in an async body, parent cancelled: own', async () => {
    let seen: unknown;
    let a!: Task<string>, b!: Task<string>;
    const parent = startTask(async (signal) => {
      a = startTask((s) => fakeFetch(s), { signal });
      b = startTask((s) => fakeFetch(s));
      try {
        await awaitTask(whenAllCancellable([a, b], { signal }), { signal });
      } catch (e) {
        seen = e;
      }
    });
    parent.subscribe({ error: () => undefined });
    await tick();
    parent.cancel('p');
    await tick();
    expect(seen).toBeInstanceOf(CancelledError);
    expect(seen).not.toBeInstanceOf(ChildCancelled);
    expect(b.state).toBe('cancelled');
  });

  it('awaitTask + whenAnyCancellable child cancelled by someone else: ChildCancelled naming it', async () => {
    let seen: unknown;
    const a = startTask((s) => fakeFetch(s), { name: 'a' });
    const parent = startTask(async (signal) => {
      try {
        await awaitTask(whenAnyCancellable([a, NEVER], { signal }), { signal });
      } catch (e) {
        seen = e;
      }
    });
    parent.subscribe({ error: () => undefined });
    await tick();
    a.cancel('x');
    await tick();
    expect(seen).toBeInstanceOf(ChildCancelled);
    expect((seen as ChildCancelled).child).toBe(a);
  });
});

describe('checked, holds: documented limits', () => {
  it('documented: awaitTask in its own window passes a source error that is the raw reason through', async () => {
    const ctl = new AbortController();
    const src = new Subject<never>();
    ctl.signal.addEventListener('abort', () => src.error(ctl.signal.reason)); // ahead of the package's listener
    const p = awaitTask(src, { signal: ctl.signal });
    ctl.abort('raw');
    await expect(p).rejects.toBe('raw');
  });
});
