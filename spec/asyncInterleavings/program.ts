/**
 * The programs of the async interleavings fuzz (spec/asyncInterleavings.spec.ts): 2–6 tasks made up front
 * (`task()`, lazy), each with an `async (signal) => …` body of 0–4 steps, some consumers subscribed at once,
 * and external actions that run at points the fast-check scheduler picks.
 *
 * Indices are read modulo what exists when the program is run (`normalize` is not needed): a body waits only on
 * later tasks (so no cycle: a task that waits on itself never ends, docs/semantics.md), a task is linked only to
 * an earlier task's signal.
 */
import fc from 'fast-check';

/** The signal a body gives a wait: none, its own task's, a `linkSignals` output of its own and c1's, a controller's. */
export type WaitSignal = 'none' | 'own' | 'linkOwn' | 'c0' | 'c1';

export type Part = { t: number } | { p: 'ok' | 'fail' };

export type Step =
  /** an await point: one the scheduler resolves, a microtask, a `queueMicrotask`, a real `setTimeout(0)` */
  | { k: 'yield'; how: 'sched' | 'micro' | 'qm' | 'timeout' }
  /** `await awaitTask(later task, { signal, shield })`; a rejection is rethrown, or swallowed and the body goes on */
  | { k: 'await'; t: number; sig: WaitSignal; shield: boolean; swallow: boolean }
  /** `await lastValueFrom(whenAllCancellable|whenAnyCancellable(parts, { signal }))` */
  | { k: 'all' | 'any'; parts: Part[]; sig: WaitSignal; swallow: boolean }
  /** `throw new Error(...)`: the body fails on purpose */
  | { k: 'throw' }
  /** the body cancels a task (any: itself, its parent, a child it waits on) or aborts a controller, and goes on */
  | { k: 'cancel'; t: number }
  | { k: 'abort'; c: 0 | 1 };

export interface TaskSpec {
  /** `options.signal`: none, a controller's, or the signal of the task `parent` places before this one */
  link: 'none' | 'c0' | 'c1' | { parent: number };
  refCount: boolean;
  steps: Step[];
}

export type ConsumerKind = 'plain' | 'detect' | 'shield' | 'cancelWhenC0' | 'await' | 'awaitC0' | 'awaitShield';
export interface ConsumerSpec {
  t: number;
  how: ConsumerKind;
}

export type Action =
  | { k: 'cancel'; t: number; delay: number }
  | { k: 'abort'; c: 0 | 1; delay: number }
  | { k: 'sub'; consumer: ConsumerSpec; delay: number }
  | { k: 'unsub'; n: number; delay: number }
  | { k: 'start'; t: number; delay: number };

export interface Program {
  tasks: TaskSpec[];
  /** subscribed, in order, before the scheduler runs anything */
  consumers: ConsumerSpec[];
  /** each scheduled at once, behind `delay` more scheduled points */
  actions: Action[];
}

const index = fc.nat({ max: 11 });
const waitSignal: fc.Arbitrary<WaitSignal> = fc.constantFrom('none', 'own', 'own', 'linkOwn', 'c0', 'c1');

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('yield' as const),
      how: fc.constantFrom('sched', 'sched', 'micro', 'qm', 'timeout'),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('await' as const),
      t: index,
      sig: waitSignal,
      shield: fc.boolean(),
      swallow: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constantFrom('all' as const, 'any' as const),
      parts: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.record({ t: index }) },
          { weight: 1, arbitrary: fc.record({ p: fc.constantFrom('ok' as const, 'fail' as const) }) },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      sig: waitSignal,
      swallow: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('throw' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), t: index }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('abort' as const), c: fc.constantFrom(0 as const, 1 as const) }) },
);

const taskSpec: fc.Arbitrary<TaskSpec> = fc.record({
  link: fc.oneof(
    { weight: 3, arbitrary: fc.constant('none' as const) },
    { weight: 2, arbitrary: fc.constantFrom('c0' as const, 'c1' as const) },
    { weight: 3, arbitrary: fc.record({ parent: index }) },
  ),
  refCount: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  steps: fc.array(step, { maxLength: 4 }),
});

const consumerKind: fc.Arbitrary<ConsumerKind> = fc.constantFrom(
  'plain',
  'detect',
  'shield',
  'cancelWhenC0',
  'await',
  'awaitC0',
  'awaitShield',
);
const consumer: fc.Arbitrary<ConsumerSpec> = fc.record({ t: index, how: consumerKind });
const delay = fc.nat({ max: 3 });

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('cancel' as const), t: index, delay }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('abort' as const), c: fc.constantFrom(0 as const, 1 as const), delay }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sub' as const), consumer, delay }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('unsub' as const), n: index, delay }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('start' as const), t: index, delay }) },
);

export const programArbitrary: fc.Arbitrary<Program> = fc.record({
  tasks: fc.array(taskSpec, { minLength: 2, maxLength: 6 }),
  consumers: fc.array(consumer, { minLength: 1, maxLength: 4 }),
  actions: fc.array(action, { maxLength: 6 }),
});
