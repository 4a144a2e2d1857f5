import { NEVER, Observable, Subject } from 'rxjs';
import { CancelledError, ChildCancelled, detectCancel, shield, startTask, task } from '../src';
import { describeError, runMarbles } from './helpers';

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
  it('wraps each subscription in a new task, so the result stays cold', () => {
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
    const source = new Observable<string>((subscriber) => {
      const s = subject.subscribe(subscriber);
      return () => {
        s.unsubscribe();
        log.push('teardown');
      };
    });
    const subscription = source.pipe(shield()).subscribe();
    subscription.unsubscribe();
    expect(log).toEqual([]);
    expect(subject.observed).toBe(true);
    subject.complete();
    expect(log).toEqual(['teardown']);
  });

  it('maps a CancelledError of a shielded non-task source to ChildCancelled', () => {
    const child = startTask(NEVER, { name: 'child' });
    const errors: string[] = [];
    shield(child.pipe(detectCancel())).subscribe({ error: (e) => errors.push(describeError(e)) });
    child.cancel('r');
    expect(errors).toEqual(['ChildCancelled(task=child, reason=r)']);
  });
});
