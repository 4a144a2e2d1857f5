import { config, NEVER, Observable, Subject, take, type ObservableNotification, type Subscriber } from 'rxjs';
import { awaitTask, CancelledError, ChildCancelled, detectCancel, shield, startTask, task } from '../src';
import { abortListeners, captureUnhandled, describeError, forwarding, runMarbles } from './helpers';

describe('shield: the operator table', () => {
  it('a child cancelled by someone else errors with ChildCancelled', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions, scheduler }) => {
      const source = cold('-a-b------');
      const child = task(source, { name: 'child' });
      scheduler.schedule(() => child.cancel('r'), 5);
      expectObservable(child.pipe(shield())).toBe(
        '-a-b-#',
        undefined,
        new ChildCancelled(new CancelledError('r', child)),
      );
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('the consumer unsubscribing leaves the task running to its own end, with its result kept for later subscribers', () => {
    const child = runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|');
      const child = task(source, { name: 'child' });
      expectObservable(child.pipe(shield()), '^--!').toBe('-a-');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      return child;
    });
    expect(child.state).toBe('completed');
    const late: unknown[] = [];
    child.subscribe({ next: (v) => late.push(v), complete: () => late.push('complete') });
    expect(late).toEqual(['c', 'complete']);
  });
});

describe('shield: pinning', () => {
  it('pins the task for the rest of its life: owners leaving later cannot cancel it', () => {
    const t = task(NEVER);
    const owner = t.subscribe();
    t.pipe(shield()).subscribe().unsubscribe();
    owner.unsubscribe();
    t.subscribe().unsubscribe();
    expect(t.state).toBe('running');
  });

  it('cancel() and the task signal still cancel a shielded task', () => {
    const controller = new AbortController();
    const t = startTask(NEVER, { signal: controller.signal, name: 't' });
    const u = startTask(NEVER, { name: 'u' });
    const errors: string[] = [];
    t.pipe(shield()).subscribe({ error: (e) => errors.push(describeError(e)) });
    u.pipe(shield()).subscribe({ error: (e) => errors.push(describeError(e)) });
    controller.abort('by signal');
    u.cancel('by cancel');
    expect(errors).toEqual(['ChildCancelled(task=t, reason=by signal)', 'ChildCancelled(task=u, reason=by cancel)']);
  });

  it('subscribing through shield starts a pending task', () => {
    const factory = jest.fn(() => NEVER);
    const t = task(factory);
    t.pipe(shield()).subscribe();
    expect(t.state).toBe('running');
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('shield does not own: a shielded subscription alone never releases a task', () => {
    const t = task(NEVER);
    const s = t.pipe(shield()).subscribe();
    s.unsubscribe();
    expect(t.state).toBe('running');
  });
});

describe('shield: non-task sources', () => {
  it('runs each subscription of a non-task source to its own end, so the result stays cold', () => {
    let runs = 0;
    const source = new Observable<number>((subscriber) => {
      runs++;
      subscriber.next(runs);
      subscriber.complete();
    });
    const shielded = shield(source);
    const values: number[] = [];
    shielded.subscribe((v) => values.push(v));
    shielded.subscribe((v) => values.push(v));
    expect(values).toEqual([1, 2]);
  });

  it('the wrapped source keeps running after the consumer unsubscribes', () => {
    const subject = new Subject<string>();
    const log: string[] = [];
    const source = forwarding(subject, () => log.push('teardown'));
    const subscription = source.pipe(shield()).subscribe();
    subscription.unsubscribe();
    expect(log).toEqual([]);
    expect(subject.observed).toBe(true);
    subject.complete();
    expect(log).toEqual(['teardown']);
  });

  it('a shielded non-task source is torn down before its consumer hears the end, as a task is', () => {
    const subject = new Subject<string>();
    const log: string[] = [];
    const source = forwarding(subject, () => log.push('teardown'));
    shield(source).subscribe({ complete: () => log.push('consumer complete') });
    subject.complete();
    expect(log).toEqual(['teardown', 'consumer complete']);

    const failing = new Subject<string>();
    const errors: string[] = [];
    const second = forwarding(failing, () => errors.push('teardown'));
    shield(second).subscribe({ error: (e) => errors.push(describeError(e)) });
    failing.error(new CancelledError('upstream'));
    expect(errors).toEqual(['teardown', 'ChildCancelled(task=-, reason=upstream)']);
  });

  it('a throwing teardown of a shielded non-task source is reported once, and the consumer still hears the end', async () => {
    const unhandled = captureUnhandled();
    try {
      const subject = new Subject<number>();
      const boom = new Error('teardown failed');
      const source = new Observable<number>((subscriber) => {
        subject.subscribe(subscriber);
        return () => {
          throw boom;
        };
      });
      const log: string[] = [];
      shield(source).subscribe({ next: (v) => log.push(`next ${v}`), complete: () => log.push('complete') });
      subject.next(1);
      subject.complete();
      expect(log).toEqual(['next 1', 'complete']);
      await unhandled.flush();
      expect(unhandled.errors).toHaveLength(1);
      expect((unhandled.errors[0] as { errors?: unknown[] }).errors).toEqual([boom]);
    } finally {
      unhandled.restore();
    }
  });

  it('after its consumer left, a shielded non-task source runs on unobserved: later values and ends go nowhere', () => {
    const subject = new Subject<number>();
    const log: string[] = [];
    const subscription = shield(subject).subscribe({
      next: (v) => log.push(`next ${v}`),
      error: () => log.push('error'),
      complete: () => log.push('complete'),
    });
    subject.next(1);
    subscription.unsubscribe();
    subject.next(2);
    expect(subject.observed).toBe(true);
    subject.error(new Error('late'));
    expect(subject.observed).toBe(false);
    expect(log).toEqual(['next 1']);
  });

  it('a teardown that a shielded non-task source returns after it ended, and that throws, is reported', async () => {
    const unhandled = captureUnhandled();
    try {
      const boom = new Error('late teardown');
      const source = new Observable<number>((subscriber) => {
        subscriber.next(1);
        subscriber.complete();
        return () => {
          throw boom;
        };
      });
      const log: string[] = [];
      shield(source).subscribe({ next: (v) => log.push(`next ${v}`), complete: () => log.push('complete') });
      await expect(awaitTask(source, { shield: true })).resolves.toBe(1);
      expect(log).toEqual(['next 1', 'complete']);
      await unhandled.flush();
      expect(unhandled.errors).toEqual([boom, boom]);
    } finally {
      unhandled.restore();
    }
  });

  it('a shielded non-task source that unsubscribes its own subscriber is cancelled, as the task wrapping it would be', async () => {
    let given: Subscriber<number> | undefined;
    const source = new Observable<number>((subscriber) => {
      given = subscriber;
    });
    const errors: string[] = [];
    shield(source).subscribe({ error: (e) => errors.push(describeError(e)) });
    given!.unsubscribe();
    expect(errors).toEqual(['ChildCancelled(task=-, reason=undefined)']);
    const waiting = awaitTask(source, { shield: true });
    given!.unsubscribe();
    await expect(waiting).rejects.toBeInstanceOf(ChildCancelled);
  });

  it('a non-task source whose subscribe throws (a closed Subject) errors the shielded consumer, as its task would', async () => {
    const closed = new Subject<number>();
    closed.unsubscribe();
    const errors: string[] = [];
    shield(closed).subscribe({ error: (e) => errors.push((e as Error).name) });
    expect(errors).toEqual(['ObjectUnsubscribedError']);
    const controller = new AbortController();
    await expect(awaitTask(closed, { shield: true, signal: controller.signal })).rejects.toThrow('object unsubscribed');
    await expect(awaitTask(closed, { signal: controller.signal })).rejects.toThrow('object unsubscribed');
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('maps a CancelledError of a shielded non-task source to ChildCancelled', () => {
    const child = startTask(NEVER, { name: 'child' });
    const errors: string[] = [];
    shield(child.pipe(detectCancel())).subscribe({ error: (e) => errors.push(describeError(e)) });
    child.cancel('r');
    expect(errors).toEqual(['ChildCancelled(task=child, reason=r)']);
  });
});

// From a mutation audit of attach.ts and shield.ts:
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

function watchStopped(): { kinds: string[]; restore(): void } {
  const kinds: string[] = [];
  const previous = config.onStoppedNotification;
  config.onStoppedNotification = (n: ObservableNotification<unknown>) => kinds.push(n.kind);
  return { kinds, restore: () => (config.onStoppedNotification = previous) };
}

describe('shield: a consumer that leaves is detached at once, and is sent nothing more', () => {
  it('a non-task synchronous source, left by take(1) while it still emits inside its subscribe call (H01)', async () => {
    const stopped = watchStopped();
    try {
      const emitted: number[] = [];
      const source = new Observable<number>((subscriber) => {
        for (const v of [1, 2, 3]) {
          emitted.push(v);
          subscriber.next(v);
        }
        subscriber.complete();
      });
      const seen: string[] = [];
      shield(source)
        .pipe(take(1))
        .subscribe({ next: (v) => seen.push(`next ${v}`), complete: () => seen.push('complete') });
      expect(seen).toEqual(['next 1', 'complete']);
      expect(emitted).toEqual([1, 2, 3]); // shielded: the source runs on to its end, unobserved
      await tick();
      expect(stopped.kinds).toEqual([]); // values 2, 3 and the completion never went to the closed consumer
    } finally {
      stopped.restore();
    }
  });

  it('a task: a consumer that unsubscribed hears neither its later values nor its end (H11)', async () => {
    const stopped = watchStopped();
    try {
      const subject = new Subject<number>();
      const t = startTask(subject, { name: 't' });
      const seen: string[] = [];
      const sub = t
        .pipe(shield())
        .subscribe({ next: (v) => seen.push(`next ${v}`), complete: () => seen.push('complete') });
      subject.next(1);
      sub.unsubscribe();
      subject.next(2);
      subject.complete();
      expect(t.state).toBe('completed');
      expect(seen).toEqual(['next 1']);
      await tick();
      expect(stopped.kinds).toEqual([]);
    } finally {
      stopped.restore();
    }
  });

  it('a non-task source: a consumer that unsubscribed is not sent the later values nor the end (H11)', async () => {
    const stopped = watchStopped();
    try {
      const subject = new Subject<number>();
      const seen: string[] = [];
      const sub = shield(subject).subscribe({
        next: (v) => seen.push(`next ${v}`),
        complete: () => seen.push('complete'),
      });
      subject.next(1);
      sub.unsubscribe();
      expect(subject.observed).toBe(true); // still running, shielded
      subject.next(2);
      subject.complete();
      expect(seen).toEqual(['next 1']);
      await tick();
      expect(stopped.kinds).toEqual([]);
    } finally {
      stopped.restore();
    }
  });
});
