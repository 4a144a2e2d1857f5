import { EMPTY, NEVER, Observable, of, Subject, throwError, UnsubscriptionError } from 'rxjs';
import { awaitTask, CancelledError, ChildCancelled, startTask, task } from '../src';
import { abortListeners, captureUnhandled, describeError, forwarding } from './helpers';

describe('awaitTask', () => {
  it('resolves with the last value', async () => {
    await expect(awaitTask(task(of(1, 2, 3)))).resolves.toBe(3);
    await expect(awaitTask(of('a', 'b'))).resolves.toBe('b');
    await expect(awaitTask(Promise.resolve('p'))).resolves.toBe('p');
  });

  it('resolves with undefined when the source completes without a value', async () => {
    await expect(awaitTask(EMPTY)).resolves.toBeUndefined();
  });

  it('rejects with the source error', async () => {
    const boom = new Error('boom');
    await expect(awaitTask(task(throwError(() => boom)))).rejects.toBe(boom);
  });

  it('rejects with ChildCancelled when the task is cancelled by someone else', async () => {
    const child = startTask(NEVER, { name: 'child' });
    const waiting = awaitTask(child);
    child.cancel('other');
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChildCancelled);
    expect(describeError(error)).toBe('ChildCancelled(task=child, reason=other)');
  });

  it('rejects with CancelledError(signal.reason) when the caller signal aborts, after releasing the task', async () => {
    const log: string[] = [];
    const child = task(new Observable(() => () => log.push('child teardown')), { name: 'child' });
    const controller = new AbortController();
    const waiting = awaitTask(child, { signal: controller.signal }).catch((e: unknown) => {
      log.push(`rejected ${describeError(e)}`);
    });
    controller.abort('mine');
    await waiting;
    expect(log).toEqual(['child teardown', 'rejected CancelledError(task=-, reason=mine)']);
    expect(child.state).toBe('cancelled');
  });

  it('shield: true leaves the task running when the caller signal aborts', async () => {
    const subject = new Subject<number>();
    const child = task(subject, { name: 'child' });
    const controller = new AbortController();
    const waiting = awaitTask(child, { signal: controller.signal, shield: true });
    controller.abort('mine');
    await expect(waiting).rejects.toEqual(expect.objectContaining({ reason: 'mine' }));
    expect(child.state).toBe('running');
    subject.next(7);
    subject.complete();
    await expect(awaitTask(child)).resolves.toBe(7);
  });

  it('shield: true leaves a non-task source running when the caller signal aborts', async () => {
    const subject = new Subject<number>();
    let tornDown = 0;
    const source = forwarding(subject, () => tornDown++);
    const controller = new AbortController();
    const waiting = awaitTask(source, { signal: controller.signal, shield: true });
    controller.abort('mine');
    expect(describeError(await waiting.catch((e: unknown) => e))).toBe('CancelledError(task=-, reason=mine)');
    expect(subject.observed).toBe(true);
    expect(tornDown).toBe(0);
    subject.complete();
    expect(tornDown).toBe(1);
  });

  it('without shield, a non-task source is unsubscribed when the caller signal aborts', async () => {
    const subject = new Subject<number>();
    const controller = new AbortController();
    const waiting = awaitTask(subject, { signal: controller.signal });
    expect(subject.observed).toBe(true);
    controller.abort('mine');
    expect(subject.observed).toBe(false);
    expect(describeError(await waiting.catch((e: unknown) => e))).toBe('CancelledError(task=-, reason=mine)');
  });

  it('shield: true still reports a cancellation of the task by someone else as ChildCancelled', async () => {
    const child = startTask(NEVER, { name: 'child' });
    const waiting = awaitTask(child, { shield: true });
    child.cancel('other');
    await expect(waiting).rejects.toBeInstanceOf(ChildCancelled);
  });

  it('an already aborted signal rejects without subscribing anything', async () => {
    let subscribed = 0;
    const source = new Observable(() => {
      subscribed++;
    });
    const error = await awaitTask(source, { signal: AbortSignal.abort('early') }).catch((e: unknown) => e);
    expect(subscribed).toBe(0);
    expect(describeError(error)).toBe('CancelledError(task=-, reason=early)');
  });

  it('a cancellation that arrives while the signal is aborted is the caller own, not ChildCancelled', async () => {
    const controller = new AbortController();
    const child = startTask(NEVER, { signal: controller.signal, name: 'child' });
    const waiting = awaitTask(child, { signal: controller.signal });
    controller.abort('shutdown');
    const error = await waiting.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ChildCancelled);
    expect(describeError(error)).toBe('CancelledError(task=-, reason=shutdown)');
  });

  it('removes its listener once settled', async () => {
    const controller = new AbortController();
    const subject = new Subject<number>();
    const waiting = awaitTask(subject, { signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    subject.complete();
    await waiting;
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('1,000 awaits on one long-lived signal leave its listener count at baseline', async () => {
    const controller = new AbortController();
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => awaitTask(of(i), { signal: controller.signal })),
    );
    expect(results[999]).toBe(999);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('a signal aborting while the source is being subscribed still releases it', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const source = task(
      () =>
        new Observable(() => {
          controller.abort('during subscribe');
          return () => log.push('teardown');
        }),
    );
    const error = await awaitTask(source, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(log).toEqual(['teardown']);
    expect(source.state).toBe('cancelled');
  });

  it.each([false, true])(
    'a signal aborting while the source subscribes releases it at once, before abort() returns (shield: %s)',
    async (shield) => {
      const controller = new AbortController();
      const log: string[] = [];
      const source = new Observable<never>((subscriber) => {
        controller.abort('during subscribe');
        log.push(`closed after abort: ${String(subscriber.closed)}`);
        return () => log.push('teardown');
      });
      const error = await awaitTask(source, { signal: controller.signal, shield }).catch((e: unknown) => e);
      expect(describeError(error)).toBe('CancelledError(task=-, reason=during subscribe)');
      // shielded, the source runs on to its own end, unobserved; else it is unsubscribed at once
      expect(log).toEqual(shield ? ['closed after abort: false'] : ['closed after abort: true', 'teardown']);
    },
  );

  it("a task whose factory aborts the caller's signal is released in its factory: what it returns is never subscribed", async () => {
    const controller = new AbortController();
    const subscribed = jest.fn();
    const source = task(() => {
      controller.abort('in the factory');
      return new Observable<never>(subscribed);
    });
    const error = await awaitTask(source, { signal: controller.signal }).catch((e: unknown) => e);
    expect(describeError(error)).toBe('CancelledError(task=-, reason=in the factory)');
    expect(subscribed).not.toHaveBeenCalled();
    expect(source.state).toBe('cancelled');
  });

  describe('a throwing teardown is reported and the promise still rejects with the caller cancellation', () => {
    /** RxJS wraps a teardown's error in an UnsubscriptionError. */
    // a teardown that runs as a subscriber is unsubscribed surfaces as RxJS's UnsubscriptionError; one a source
    // returns to a subscriber released while it subscribed runs at once, and is reported as it is
    const teardownMessage = (error: unknown) =>
      error instanceof UnsubscriptionError ? (error.errors[0] as Error).message : (error as Error).message;
    const throwingTeardown = (onSubscribe = () => {}) =>
      new Observable<never>(() => {
        onSubscribe();
        return () => {
          throw new Error('teardown');
        };
      });

    it('when the signal aborts while the source runs', async () => {
      const unhandled = captureUnhandled();
      try {
        const controller = new AbortController();
        const promise = awaitTask(throwingTeardown(), { signal: controller.signal });
        controller.abort('r');
        expect(describeError(await promise.catch((e: unknown) => e))).toBe('CancelledError(task=-, reason=r)');
        await unhandled.flush();
        expect(unhandled.errors.map(teardownMessage)).toEqual(['teardown']);
        expect(abortListeners(controller.signal)).toBe(0);
      } finally {
        unhandled.restore();
      }
    });

    it('when the signal aborts while the source subscribes', async () => {
      const unhandled = captureUnhandled();
      try {
        const controller = new AbortController();
        const promise = awaitTask(
          throwingTeardown(() => controller.abort('r')),
          { signal: controller.signal },
        );
        expect(describeError(await promise.catch((e: unknown) => e))).toBe('CancelledError(task=-, reason=r)');
        await unhandled.flush();
        expect(unhandled.errors.map(teardownMessage)).toEqual(['teardown']);
      } finally {
        unhandled.restore();
      }
    });
  });
});

// From a mutation audit: only a CancelledError arriving while the signal is aborted is the caller's own.
describe('awaitTask: an ordinary error that arrives while the signal is aborted', () => {
  it("rejects with that error, not with the caller's CancelledError", async () => {
    const controller = new AbortController();
    const source = new Subject<number>();
    const boom = new Error('boom');
    // placed before awaitTask links to the signal: it runs first, while the signal is aborted
    controller.signal.addEventListener('abort', () => source.error(boom));
    const settled = awaitTask(source, { signal: controller.signal });
    controller.abort('r');
    await expect(settled).rejects.toBe(boom);
  });

  it("a CancelledError arriving then is still the caller's own (the contrast)", async () => {
    const controller = new AbortController();
    const source = new Subject<number>();
    controller.signal.addEventListener('abort', () => source.error(new CancelledError('upstream')));
    const settled = awaitTask(source, { signal: controller.signal }).catch((e: unknown) => describeError(e));
    controller.abort('r');
    await expect(settled).resolves.toBe('CancelledError(task=-, reason=r)');
  });
});

// An adversarial pass on the abort window (s18): the docs tell a body to check options.signal in the window; given
// to awaitTask instead of the task's own signal, it misses the task's other cancellations.
describe("awaitTask in a body: its task's own signal, not options.signal", () => {
  it("options.signal does not abort on cancel(): a child linked to the task's signal is then heard as a ChildCancelled", async () => {
    for (const given of ['own signal', 'options.signal'] as const) {
      const app = new AbortController();
      const heard: string[] = [];
      const parent = task(
        async (signal) => {
          const child = startTask(NEVER, { name: 'child', signal });
          try {
            await awaitTask(child, { signal: given === 'own signal' ? signal : app.signal });
          } catch (e) {
            heard.push(describeError(e));
          }
        },
        { name: 'parent', signal: app.signal },
      );
      parent.subscribe({ error: () => undefined });
      await Promise.resolve();
      parent.cancel('stop');
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect([given, heard]).toEqual([
        given,
        [
          given === 'own signal'
            ? 'CancelledError(task=-, reason={"class":"CancelledError","reason":"stop","task":"parent"})'
            : 'ChildCancelled(task=child, reason={"class":"CancelledError","reason":"stop","task":"parent"})',
        ],
      ]);
    }
  });
});
