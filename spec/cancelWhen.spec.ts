import { NEVER, Observable, Subject } from 'rxjs';
import { CancelledError, cancelWhen, startTask } from '../src';
import { abortListeners, describeError, runMarbles } from './helpers';

describe('cancelWhen', () => {
  it('marbles: on abort the source is unsubscribed, then the output errors with CancelledError(signal.reason)', () => {
    runMarbles(({ cold, expectObservable, expectSubscriptions, scheduler }) => {
      const controller = new AbortController();
      const source = cold('-a-b-c-d-|');
      scheduler.schedule(() => controller.abort('stop'), 4);
      expectObservable(source.pipe(cancelWhen(controller.signal))).toBe('-a-b#', undefined, new CancelledError('stop'));
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('tears the source down before the error is delivered', () => {
    const log: string[] = [];
    const controller = new AbortController();
    new Observable(() => () => log.push('source teardown'))
      .pipe(cancelWhen(controller.signal))
      .subscribe({ error: (e) => log.push(`error ${describeError(e)}`) });
    controller.abort('stop');
    expect(log).toEqual(['source teardown', 'error CancelledError(task=-, reason=stop)']);
  });

  it('an already aborted signal errors at once without subscribing the source', () => {
    let subscribed = 0;
    const errors: string[] = [];
    new Observable(() => {
      subscribed++;
    })
      .pipe(cancelWhen(AbortSignal.abort('early')))
      .subscribe({ error: (e) => errors.push(describeError(e)) });
    expect(subscribed).toBe(0);
    expect(errors).toEqual(['CancelledError(task=-, reason=early)']);
  });

  it('passes values and completion, and removes its listener when the source completes or is unsubscribed', () => {
    const controller = new AbortController();
    const subject = new Subject<number>();
    const values: unknown[] = [];
    subject
      .pipe(cancelWhen(controller.signal))
      .subscribe({ next: (v) => values.push(v), complete: () => values.push('done') });
    const other = NEVER.pipe(cancelWhen(controller.signal)).subscribe();
    expect(abortListeners(controller.signal)).toBe(1);
    subject.next(1);
    subject.complete();
    other.unsubscribe();
    expect(values).toEqual([1, 'done']);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('an upstream cancellation that arrives while the signal is aborted is reported as this consumer own', () => {
    const controller = new AbortController();
    const linked = startTask(NEVER, { signal: controller.signal, name: 'linked' });
    const errors: string[] = [];
    linked.pipe(cancelWhen(controller.signal)).subscribe({ error: (e) => errors.push(describeError(e)) });
    controller.abort('stop');
    expect(errors).toEqual(['CancelledError(task=-, reason=stop)']);
  });

  it('an upstream cancellation while the signal is not aborted passes through', () => {
    const controller = new AbortController();
    const child = startTask(NEVER, { name: 'child' });
    const errors: string[] = [];
    child.pipe(cancelWhen(controller.signal)).subscribe({ error: (e) => errors.push(describeError(e)) });
    child.cancel('other');
    expect(errors).toEqual(['CancelledError(task=child, reason=other)']);
  });
});
