/**
 * Differential property: a plain source S behaves exactly as `task(S)` wherever the contract wraps a
 * non-task source in a task (`shield`, `awaitTask(…, { shield: true })`, combinator participants),
 * which the package implements without making that task (docs/semantics.md, "Operators" and
 * "Combinators"). The one allowed difference is the identity of the wrapping task (`error.task`,
 * `child`), so errors are compared by name, reason and cause.
 *
 * Each case runs a random script on both sides: sources that emit, complete, error (also with a
 * `CancelledError`), unsubscribe their own subscriber, add teardowns that log, throw or abort the
 * caller's signal, or throw from their subscribe function, synchronously or on a later tick; and a
 * driver that ticks the sources, unsubscribes the consumer and aborts the signal. The whole log (every
 * notification and teardown, in order), what reaches `config.onUnhandledError` and the listeners left on
 * the signal must be equal.
 */
import { getEventListeners } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { config, Observable, Subscriber, type Subscription } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  ChildCancelled,
  shield,
  task,
  whenAllCancellable,
  whenAnyCancellable,
} from '../src';
import { fcSettings } from './properties/check';

type Mode = 'shield' | 'await' | 'all' | 'any';
type Action =
  | { t: 'next'; v: number }
  | { t: 'complete' }
  | { t: 'error' }
  | { t: 'cancelledError'; r: string }
  | { t: 'unsubscribeSelf' }
  | { t: 'addTeardown'; throws: boolean }
  | { t: 'abortCaller' }
  | { t: 'unsubscribeConsumer' };
interface Script {
  sync: Action[];
  syncThrow: boolean;
  teardown: 'none' | 'log' | 'throw';
  teardownAborts: boolean;
  ticks: Action[][];
}
type Step = { t: 'tick'; i: number } | { t: 'unsubscribeConsumer' } | { t: 'abort' };
interface Driver {
  preAborted: boolean;
  steps: Step[];
  unsubscribeOnNext: boolean;
}

function normalize(error: unknown): unknown {
  if (error instanceof ChildCancelled) return { name: error.name, reason: error.reason, cause: normalize(error.cause) };
  if (error instanceof CancelledError) return { name: error.name, reason: error.reason };
  const errors = (error as { errors?: unknown[] } | null)?.errors;
  if (Array.isArray(errors)) return { name: (error as Error).name, errors: errors.map(normalize) };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { raw: String(error) };
}

interface Run {
  log: string[];
  handles: { subscriber: Subscriber<number>; tick: number }[];
  controller: AbortController | null;
  unsubscribeConsumer(): void;
}

function source(run: Run, index: number, script: Script): Observable<number> {
  return new Observable<number>((subscriber) => {
    run.log.push(`s${index} subscribed`);
    run.handles[index] = { subscriber, tick: 0 };
    act(run, index, subscriber, script.sync, true);
    if (script.syncThrow) {
      run.log.push(`s${index} throws`);
      throw new Error(`sync ${index}`);
    }
    if (script.teardown === 'none') return undefined;
    return () => {
      run.log.push(`s${index} teardown`);
      if (script.teardownAborts) run.controller?.abort(`teardown ${index}`);
      if (script.teardown === 'throw') throw new Error(`teardown ${index}`);
    };
  });
}

function act(run: Run, index: number, subscriber: Subscriber<number>, actions: Action[], sync: boolean): void {
  for (const action of actions) {
    run.log.push(`s${index} ${JSON.stringify(action)}`);
    try {
      if (action.t === 'next') subscriber.next(action.v);
      else if (action.t === 'complete') subscriber.complete();
      else if (action.t === 'error') subscriber.error(new Error(`error ${index}`));
      else if (action.t === 'cancelledError') subscriber.error(new CancelledError(action.r));
      else if (action.t === 'unsubscribeSelf') subscriber.unsubscribe();
      else if (action.t === 'addTeardown') {
        const throws = action.throws;
        subscriber.add(() => {
          run.log.push(`s${index} added teardown`);
          if (throws) throw new Error(`added teardown ${index}`);
        });
      } else if (action.t === 'abortCaller') run.controller?.abort(`source ${index}`);
      else run.unsubscribeConsumer();
    } catch (error) {
      run.log.push(`s${index} action threw ${JSON.stringify(normalize(error))}`);
      if (sync) throw error; // escapes the subscribe function, as it would from a real source
    }
  }
}

const microtasks = async () => {
  for (let i = 0; i < 10; i++) await null;
};
const timers = () => new Promise((resolve) => setTimeout(() => setTimeout(resolve, 1), 1));

async function runCase(mode: Mode, wrap: boolean, scripts: Script[], driver: Driver) {
  const unhandled: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => unhandled.push(normalize(error));
  let consumer: Subscription | null = null;
  const run: Run = {
    log: [],
    handles: [],
    controller: mode === 'shield' ? null : new AbortController(),
    unsubscribeConsumer: () => {
      run.log.push('consumer unsubscribes');
      consumer?.unsubscribe();
    },
  };
  try {
    if (driver.preAborted) run.controller?.abort('before');
    const signal = run.controller?.signal;
    const sources = scripts.map((script, i) => source(run, i, script));
    const first = wrap ? task(sources[0]!) : sources[0]!;
    const attempt = (f: () => void) => {
      try {
        f();
      } catch (error) {
        run.log.push(`threw ${JSON.stringify(normalize(error))}`);
      }
    };
    if (mode === 'await') {
      attempt(() => {
        awaitTask(first, { shield: true, signal }).then(
          (value) => run.log.push(`resolved ${JSON.stringify(value)}`),
          (error: unknown) => run.log.push(`rejected ${JSON.stringify(normalize(error))}`),
        );
      });
    } else {
      const participants = [first, ...sources.slice(1)];
      const result: Observable<unknown> =
        mode === 'shield'
          ? shield(first)
          : mode === 'all'
            ? whenAllCancellable(participants, { signal })
            : whenAnyCancellable(participants, { signal });
      const subscriber = new Subscriber<unknown>({
        next: (value) => {
          run.log.push(`consumer next ${JSON.stringify(value)}`);
          if (driver.unsubscribeOnNext) run.unsubscribeConsumer();
        },
        error: (error: unknown) => run.log.push(`consumer error ${JSON.stringify(normalize(error))}`),
        complete: () => run.log.push('consumer complete'),
      });
      consumer = subscriber;
      attempt(() => result.subscribe(subscriber));
    }
    run.log.push('subscribed');
    await microtasks();
    for (const step of driver.steps) {
      if (step.t === 'tick') {
        const handle = run.handles[step.i];
        const ticks = scripts[step.i]?.ticks;
        if (handle === undefined || ticks === undefined || handle.tick >= ticks.length) continue;
        run.log.push(`tick ${step.i}`);
        act(run, step.i, handle.subscriber, ticks[handle.tick++]!, false);
      } else if (step.t === 'unsubscribeConsumer') {
        if (consumer !== null) attempt(() => run.unsubscribeConsumer());
      } else if (run.controller !== null && !run.controller.signal.aborted) {
        run.log.push('abort');
        attempt(() => run.controller!.abort('driver'));
      }
      await microtasks();
    }
    await timers();
    return {
      log: run.log,
      unhandled,
      listeners: signal === undefined ? 0 : getEventListeners(signal, 'abort').length,
    };
  } finally {
    config.onUnhandledError = previous;
  }
}

function arbitraries(mode: Mode) {
  const withSignal = mode !== 'shield';
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('next' as const), v: fc.integer({ min: 1, max: 9 }) }) },
    { weight: 2, arbitrary: fc.constant({ t: 'complete' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'error' as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cancelledError' as const), r: fc.constantFrom('r1', 'r2') }) },
    { weight: 2, arbitrary: fc.constant({ t: 'unsubscribeSelf' as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('addTeardown' as const), throws: fc.boolean() }) },
    { weight: withSignal ? 1 : 0, arbitrary: fc.constant({ t: 'abortCaller' as const }) },
    { weight: mode === 'await' ? 0 : 1, arbitrary: fc.constant({ t: 'unsubscribeConsumer' as const }) },
  );
  const script: fc.Arbitrary<Script> = fc.record({
    sync: fc.array(action, { maxLength: 3 }),
    syncThrow: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    teardown: fc.constantFrom('none' as const, 'log' as const, 'throw' as const),
    teardownAborts: withSignal ? fc.boolean() : fc.constant(false),
    ticks: fc.array(fc.array(action, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
  });
  const sourceCount = mode === 'all' || mode === 'any' ? 3 : 1;
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ t: fc.constant('tick' as const), i: fc.integer({ min: 0, max: sourceCount - 1 }) }),
    },
    { weight: mode === 'await' ? 0 : 1, arbitrary: fc.constant({ t: 'unsubscribeConsumer' as const }) },
    { weight: withSignal ? 1 : 0, arbitrary: fc.constant({ t: 'abort' as const }) },
  );
  const driver: fc.Arbitrary<Driver> = fc.record({
    preAborted: withSignal
      ? fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
      : fc.constant(false),
    steps: fc.array(step, { maxLength: 8 }),
    unsubscribeOnNext: mode === 'await' ? fc.constant(false) : fc.boolean(),
  });
  return { scripts: fc.array(script, { minLength: 1, maxLength: sourceCount }), driver };
}

describe('a plain source behaves as task(source) where the contract wraps it in a task', () => {
  const { seed, numRuns } = fcSettings(150);
  it.each<[string, Mode]>([
    ['shield(source)', 'shield'],
    ['awaitTask(source, { shield: true, signal })', 'await'],
    ['a whenAllCancellable participant', 'all'],
    ['a whenAnyCancellable participant', 'any'],
  ])(
    `%s (seed ${seed}, ${numRuns} programs)`,
    async (_, mode) => {
      const { scripts, driver } = arbitraries(mode);
      await fc.assert(
        fc.asyncProperty(scripts, driver, async (cases, steps) => {
          const plain = await runCase(mode, false, cases, steps);
          const wrapped = await runCase(mode, true, cases, steps);
          if (!isDeepStrictEqual(plain, wrapped)) {
            throw new Error(`plain: ${JSON.stringify(plain)}\ntask:  ${JSON.stringify(wrapped)}`);
          }
        }),
        { seed, numRuns },
      );
    },
    60_000,
  );
});
