import { NEVER, Observable, of, Subject, throwError } from 'rxjs';
import { awaitTask, CancelledError, ChildCancelled, detectCancel, startTask, task } from '../src';
import { describeError, runMarbles } from './helpers';

describe('detectCancel: the operator table', () => {
  it('plain subscribe: a child cancelled by someone else errors with the ambiguous CancelledError', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions, scheduler }) => {
      const source = cold('-a-b------');
      const child = task(source, { name: 'child' });
      scheduler.schedule(() => child.cancel('r'), 5);
      expectObservable(child).toBe('-a-b-#', undefined, new CancelledError('r', child));
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('plain subscribe: the consumer unsubscribing releases the task, cancelling it as its last owner', () => {
    const child = runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b------');
      const child = task(source, { name: 'child' });
      expectObservable(child, '^---!').toBe('-a-b-');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      return child;
    });
    expect(child.state).toBe('cancelled');
  });

  it('detectCancel: a child cancelled by someone else errors with ChildCancelled naming the child', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions, scheduler }) => {
      const source = cold('-a-b------');
      const child = task(source, { name: 'child' });
      scheduler.schedule(() => child.cancel('r'), 5);
      expectObservable(child.pipe(detectCancel())).toBe(
        '-a-b-#',
        undefined,
        new ChildCancelled(new CancelledError('r', child)),
      );
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('detectCancel: the consumer unsubscribing propagates normally and releases the task', () => {
    const child = runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b------');
      const child = task(source, { name: 'child' });
      expectObservable(child.pipe(detectCancel()), '^--!').toBe('-a-');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      return child;
    });
    expect(child.state).toBe('cancelled');
  });

  it('detectCancel: a task shared with another owner keeps running when one consumer leaves', () => {
    const child = runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|');
      const child = task(source, { name: 'child' });
      expectObservable(child.pipe(detectCancel()), '^--!').toBe('-a-');
      expectObservable(child).toBe('-a-b-c-|');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      return child;
    });
    expect(child.state).toBe('completed');
  });
});

describe('detectCancel: what passes and what is mapped', () => {
  it('passes values, completion and ordinary errors unchanged', () => {
    runMarbles(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-|').pipe(detectCancel())).toBe('-a-b-|');
      expectObservable(cold('-a-#', undefined, new Error('plain')).pipe(detectCancel())).toBe(
        '-a-#',
        undefined,
        new Error('plain'),
      );
    });
  });

  it('turns an upstream CancelledError from a non-task source into ChildCancelled with that cause', () => {
    const cause = new CancelledError('why');
    const errors: unknown[] = [];
    throwError(() => cause)
      .pipe(detectCancel())
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors[0]).toBeInstanceOf(ChildCancelled);
    expect((errors[0] as ChildCancelled).cause).toBe(cause);
    expect((errors[0] as ChildCancelled).reason).toBe('why');
  });

  it('passes an existing ChildCancelled through unchanged (no double wrapping)', () => {
    const already = new ChildCancelled(new CancelledError('r'));
    const errors: unknown[] = [];
    throwError(() => already)
      .pipe(detectCancel())
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([already]);
    expect(errors[0]).toBe(already);
  });

  it('maps a cancellation that reaches it through other operators', () => {
    const child = startTask(new Subject<number>(), { name: 'child' });
    const errors: unknown[] = [];
    child
      .pipe((source) => new Observable<number>((subscriber) => source.subscribe(subscriber)))
      .pipe(detectCancel())
      .subscribe({ error: (e) => errors.push(e) });
    child.cancel('deep');
    expect(errors.map(describeError)).toEqual(['ChildCancelled(task=child, reason=deep)']);
  });

  it('maps a task that errored with a child CancelledError (it was not itself cancelled)', () => {
    const inner = startTask(NEVER, { name: 'inner' });
    const outer = startTask(inner, { name: 'outer' });
    const errors: unknown[] = [];
    outer.pipe(detectCancel()).subscribe({ error: (e) => errors.push(e) });
    inner.cancel('r');
    expect(outer.state).toBe('errored');
    expect(errors.map(describeError)).toEqual(['ChildCancelled(task=inner, reason=r)']);
  });

  it('the function form detectCancel(source) behaves like the operator', () => {
    const child = startTask(NEVER, { name: 'child' });
    const errors: unknown[] = [];
    detectCancel(child).subscribe({ error: (e) => errors.push(e) });
    detectCancel(Promise.resolve(1)).subscribe();
    child.cancel('r');
    expect(errors.map(describeError)).toEqual(['ChildCancelled(task=child, reason=r)']);
  });

  it('a late detectCancel subscriber of a cancelled task gets the latest value then ChildCancelled', () => {
    const child = startTask(
      of(1).pipe((s) => new Observable<number>((sub) => (s.subscribe({ next: (v) => sub.next(v) }), undefined))),
    );
    child.cancel('late');
    const log: unknown[] = [];
    child.pipe(detectCancel()).subscribe({ next: (v) => log.push(v), error: (e) => log.push(describeError(e)) });
    expect(log).toEqual([1, expect.stringMatching(/^ChildCancelled\(task=#\d+, reason=late\)$/)]);
  });

  it('a non-task source that unsubscribes its own subscriber: nothing more arrives, as in RxJS (awaitTask stays pending)', async () => {
    const givens: { unsubscribe(): void }[] = [];
    const source = new Observable<number>((subscriber) => {
      givens.push(subscriber);
    });
    const log: string[] = [];
    detectCancel(source).subscribe({
      next: () => log.push('next'),
      error: () => log.push('error'),
      complete: () => log.push('complete'),
    });
    let settled = false;
    void awaitTask(source).then(
      () => (settled = true),
      () => (settled = true),
    );
    for (const given of givens) given.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual([]);
    expect(settled).toBe(false);
  });
});
