/**
 * LeanSubscriber keeps its first finalizer in a field instead of RxJS's
 * array. It must be indistinguishable from a plain RxJS Subscriber: the same
 * finalizers run, once each, in the same order, after `closed` became true,
 * and the same errors come out of `unsubscribe()`. fast-check compares the two
 * on random programs of add / remove / unsubscribe; RxJS itself is the model.
 */
import fc from 'fast-check';
import { Observable, Subscriber, Subscription, UnsubscriptionError } from 'rxjs';
import { LeanSubscriber } from '../src/leanSubscriber';
import { fcSettings } from './properties/check';

type Op =
  | { kind: 'addFunction'; throws: boolean }
  | { kind: 'addSubscription' }
  | { kind: 'addAgain'; pick: number } // a teardown added before, added once more
  | { kind: 'remove'; pick: number }
  | { kind: 'addNothing' } // undefined, as a source with no teardown gives
  | { kind: 'addUnsubscribable'; throws: boolean } // a plain { unsubscribe() }, not a Subscription
  | { kind: 'closeElsewhere'; pick: number } // an added Subscription is unsubscribed by someone else
  | { kind: 'unsubscribe' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('addFunction' as const), throws: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addSubscription' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addAgain' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('addNothing' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addUnsubscribable' as const), throws: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('closeElsewhere' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const) }) },
);

type Teardown = (() => void) | Subscription | { unsubscribe(): void };

/** Runs `ops` on `subscriber` and returns everything observable about it, as text. */
function run(subscriber: Subscriber<unknown>, ops: readonly Op[]): string[] {
  const log: string[] = [];
  const added: Teardown[] = [];
  let next = 0;
  for (const op of ops) {
    try {
      apply(op);
    } catch (error) {
      log.push(`${op.kind} threw ${describeThrown(error)}`);
    }
    log.push(`closed=${String(subscriber.closed)}`);
  }
  return log;

  function apply(op: Op): void {
    switch (op.kind) {
      case 'addFunction': {
        const id = `f${next++}`;
        const teardown = () => {
          log.push(`${id} ran, closed=${String(subscriber.closed)}`);
          if (op.throws) throw new Error(id);
        };
        added.push(teardown);
        subscriber.add(teardown);
        break;
      }
      case 'addSubscription': {
        const id = `s${next++}`;
        const subscription = new Subscription(() => log.push(`${id} ran, closed=${String(subscriber.closed)}`));
        added.push(subscription);
        subscriber.add(subscription);
        break;
      }
      case 'addAgain':
        if (added.length > 0) subscriber.add(added[op.pick % added.length]);
        break;
      case 'remove':
        if (added.length > 0) subscriber.remove(added[op.pick % added.length]);
        break;
      case 'addNothing':
        subscriber.add(undefined);
        break;
      case 'addUnsubscribable': {
        const id = `u${next++}`;
        const unsubscribable = {
          unsubscribe() {
            log.push(`${id} ran, closed=${String(subscriber.closed)}`);
            if (op.throws) throw new Error(id);
          },
        };
        added.push(unsubscribable);
        subscriber.add(unsubscribable);
        break;
      }
      case 'closeElsewhere': {
        const subscriptions = added.filter((t): t is Subscription => t instanceof Subscription);
        if (subscriptions.length > 0) subscriptions[op.pick % subscriptions.length].unsubscribe();
        break;
      }
      case 'unsubscribe':
        subscriber.unsubscribe();
        log.push('unsubscribed');
        break;
    }
  }
}

function describeThrown(error: unknown): string {
  return error instanceof UnsubscriptionError
    ? `UnsubscriptionError[${error.errors.map((e) => (e as Error).message).join(',')}]`
    : `${(error as Error).name} ${(error as Error).message}`;
}

const { seed, numRuns } = fcSettings(2000);

describe('LeanSubscriber: the first finalizer in a field, behaving exactly as RxJS', () => {
  it(`runs, orders and reports finalizers as a plain RxJS Subscriber does (seed ${seed}, ${numRuns} programs)`, () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 12 }), (ops) => {
        const lean = run(new LeanSubscriber(), [...ops, { kind: 'unsubscribe' }]);
        const plain = run(new Subscriber(), [...ops, { kind: 'unsubscribe' }]);
        expect(lean).toEqual(plain);
      }),
      { seed, numRuns },
    );
  });

  it('a single teardown function runs once, after closed became true', () => {
    const subscriber = new LeanSubscriber();
    const seen: boolean[] = [];
    subscriber.add(() => seen.push(subscriber.closed));
    subscriber.unsubscribe();
    subscriber.unsubscribe();
    expect(seen).toEqual([true]);
  });

  it('a teardown added after the end runs at once', () => {
    const subscriber = new LeanSubscriber();
    subscriber.unsubscribe();
    let ran = 0;
    subscriber.add(() => ran++);
    expect(ran).toBe(1);
  });

  it('a throwing single teardown surfaces as an UnsubscriptionError holding its error', () => {
    const subscriber = new LeanSubscriber();
    const failure = new Error('teardown failed');
    subscriber.add(() => {
      throw failure;
    });
    let thrown: unknown;
    try {
      subscriber.unsubscribe();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsubscriptionError);
    expect((thrown as UnsubscriptionError).errors).toEqual([failure]);
  });

  it('the teardown a source returns runs when the source is unsubscribed, and an early end still runs it', () => {
    const log: string[] = [];
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      return () => log.push('teardown');
    });
    const subscriber = new (class extends LeanSubscriber<number> {
      protected override _next(value: number): void {
        log.push(`next ${value}`);
      }
    })();
    source.subscribe(subscriber);
    expect(log).toEqual(['next 1']);
    subscriber.unsubscribe();
    expect(log).toEqual(['next 1', 'teardown']);

    const ended: string[] = [];
    new Observable<number>((s) => {
      s.complete();
      return () => ended.push('teardown after complete');
    }).subscribe(new LeanSubscriber());
    expect(ended).toEqual(['teardown after complete']);
  });
});
