/**
 * Random programs for the property suite: a few tasks (some linked through
 * `options.signal` to a plain AbortController, to another task's signal or to
 * a `linkSignals` output, some whose body subscribes another task), `linkSignals`
 * outputs made between them (of 0–3 controllers, task signals or earlier outputs),
 * then a list of actions, some of which create consumers (of a task, or of a
 * plain Observable `Q<i>` given directly) that react re-entrantly to what they
 * hear, and some of which make more outputs (`link`) or more tasks (`task`, linked
 * to a signal that exists then, an output made by an action among them).
 *
 * A generated program is "raw": task and consumer numbers are arbitrary small
 * naturals. `normalize()` maps them onto what exists (modulo), gives every
 * action a unique id (used for reasons, values and error messages), and drops
 * what cannot be expressed (a reaction that throws inside an abort listener).
 * The runner (`run.ts`) and the model (`model.ts`) both execute normalized
 * programs; a counterexample printed by fast-check is a raw program that
 * `normalize()` turns back into the very same run.
 */
import fc from 'fast-check';

/** A signal: controller `c`, the signal of task `t`, or the output of link `l` (`linkSignals`). */
export type SigRef = { c: number } | { t: number } | { l: number };
/** How a consumer or a body attaches to a task. */
export type Mode = 'plain' | 'detect' | 'shield';

export type Action =
  | { a: 'sub'; id: number; c: ConsumerSpec }
  | { a: 'unsub'; id: number; x: number }
  | { a: 'cancel'; id: number; t: number }
  | { a: 'start'; id: number; t: number }
  | { a: 'abort'; id: number; k: number }
  | { a: 'next'; id: number; t: number }
  | { a: 'complete'; id: number; t: number }
  /** Errors task `t`'s Subject: with `E<id>`, or with what `how` names (`SourceError`). */
  | { a: 'error'; id: number; t: number; how?: SourceError }
  /** `unlink()` of link `l % (links made so far)`, resolved when it runs ("unlink none" while there is none). */
  | { a: 'unlink'; id: number; l: number }
  /**
   * `linkSignals(...inputs)` made now (an output named after the links made before it), with an abort listener of
   * its own doing one action; its inputs are resolved when it runs (`resolveSig`).
   */
  | { a: 'link'; id: number; inputs: SigRef[]; listener?: Action }
  /**
   * `task(...)` made now: the first task of the program not made yet (`Program.early`: those after the early ones
   * are made by these actions, in order; "task none" once all are), linked to its `link` resolved now
   * (`resolveLateLink`: an output modulo the outputs made so far, counted from the newest; a controller while there
   * is none); with `start`, then
   * started, as `startTask` does (`task(…).start()`; the runner calls them apart, so that what the start runs, a
   * teardown or a listener, knows the task by then).
   */
  | { a: 'task'; id: number; start?: boolean }
  /**
   * Settles the deferred promise `D<d>` (`DEFERRED` of them): resolves it with `r<id>` (`ok`), or rejects it with
   * `new Error('K<id>')`, or, with `how`, with what an `error` action with that `how` errors the Subject of a task
   * linked to signal `s` with (`SourceError`; `s` resolved by `resolveRejectSig`, and read, when the action runs, and
   * shown on its line: as `fetch(url, { signal })` rejects with `signal.reason`, a task's `CancelledError` when it is
   * a task's signal, and Node's APIs with an `AbortError` caused by it); a no-op (but for its line) once it has
   * settled. Its callbacks run in microtasks.
   */
  | { a: 'settle'; id: number; d: number; ok: boolean; s?: SigRef; how?: SourceError }
  | { a: 'throw'; id: number };

/**
 * What an `error` action errors a Subject with, besides `E<id>`, read when the action runs from the signal task `t`
 * is linked to (`options.signal`; none: as one that has not aborted): `reason`, that signal's `reason` itself (what
 * `signal.throwIfAborted()` throws; `undefined` before it aborts); `abortReason`, an `AbortError` (Node's shape: an
 * `Error` named `AbortError`) whose `cause` is that reason; `abortOther`, an `AbortError` whose `cause` is `o<id>`.
 * What a task does with them while the abort of its signal is on its way: docs/semantics.md, "a body that ends while
 * the abort of its options.signal is on its way to the task ends as the task's own cancellation".
 */
export type SourceError = 'reason' | 'abortReason' | 'abortOther';

export interface Reaction {
  /** The first notification of this kind triggers `act`, once. */
  on: 'next' | 'error' | 'complete';
  act: Action;
}

/**
 * A combinator participant: task `t` (a number), or `{ q }`, the plain cold Observable `Q<q>` given directly (not a
 * task): each subscription to it logs `Q<q> sub`, emits `q<q>` synchronously if task `q`'s probe does (`syncValue`),
 * then follows task `q`'s Subject (the same `next`/`complete`/`error` actions drive both), and logs `Q<q> teardown`
 * when torn down.
 */
export type Participant = number | { q: number } | OtherInput;

/**
 * Another `ObservableInput` than a task or `Q<i>`: a combinator participant (made when the combinator is subscribed,
 * one per subscription; `<k>` below is its index among the participants), or, in `Program.others`, a consumer's
 * source (made when it subscribes, `<k>` is `X<idx>`) or a task's (made when the task is made, or by its factory
 * when it runs; `<k>` is `T<i>`): `{ p: 'resolve' }`, `Promise.resolve('p<k>')`; `{ p: 'reject' }`,
 * `Promise.reject(new Error('J<k>'))` (both settled already: heard in a microtask, once the program's synchronous
 * run is over, in the order they were subscribed); `{ arr: n }`, an array of `n` values `a<k>_0`, … (0–2), heard
 * synchronously while it is subscribed; `{ gen: n }`, a generator of the same values (an iterable that is not an
 * array; RxJS's `from` pulls it value by value and calls its `return()` once its subscriber has closed), whose
 * `finally` logs `G<k> done` once it has run out (before its subscriber hears the end) or `G<k> return` when it is
 * stopped early;
 * `{ d }`, the deferred promise `D<d>` (one object for the whole program), settled by a `settle` action, heard in a
 * microtask once it has settled and it was subscribed.
 */
export type OtherInput = { p: 'resolve' | 'reject' } | { arr: number } | { gen: number } | { d: number } | ExoticInput;

/**
 * Other `ObservableInput`s still (`OthersSpec.exotic`, drawn last: they take the place of some of the inputs drawn
 * before them): `{ agen: n }`, an `async function*` generator of `n` values `a<k>_0`, … (0–2), which RxJS's `from`
 * pulls through promises (microtasks: two for each value, one for its end) and stops (`return()`, whose `finally`
 * runs a microtask later) only once a value has come to a closed subscriber (the value during which it closed, or
 * the next one: a pending `next()` is not stopped); its `finally` logs `AG<k> done` or `AG<k> return`; `{ then, sync }`, a thenable that is not a native promise (`{ then(onFulfilled, onRejected) }`, a
 * new one for each use), whose `then` logs `H<k> then` and settles, with `h<k>` or `new Error('I<k>')`, inside the
 * call (`sync`) or in a microtask queued by it, returning a native promise of the callback's result (what a
 * `PromiseLike` returns); the package never calls its `then` itself; `{ iop: n }`, an interop Observable (an object
 * with `[Symbol.observable]()`, RxJS's `observable` symbol) whose minimal observable logs `O<k> sub`, emits `n`
 * values `a<k>_<j>` and completes synchronously (without looking at its observer's `closed`), and returns
 * `{ unsubscribe }`, which logs `O<k> unsub`.
 */
export type ExoticInput =
  | { agen: number }
  | { then: 'resolve' | 'reject'; sync: boolean; odd?: OddThen; again?: 'resolve' | 'reject'; apart?: boolean }
  | { iop: number }
  | { rs: number; end: 'close' | 'error' | 'open' };

/**
 * How a thenable misbehaves (`OthersSpec.odd`, drawn after `exotic`): `never`, its `then` logs and never calls back
 * (what it returns never settles); `twice`, it calls back as drawn, then again (`again`: fulfil with `h<k>`, or
 * reject with `new Error('I<k>')`), at once, or, `apart` (`OthersSpec.apart`), in a microtask the first call-back
 * queues, which RxJS ignores either way (its subscriber has closed, and stays closed); `throw`, its `then`
 * throws `new Error('Z<k>')`: after calling back inside the call (`sync`; RxJS ignores the throw), or, queuing its
 * call-back in a microtask first, before it (the throw is the subscriber's error, through `_trySubscribe`; the
 * call-back finds it closed).
 *
 * `{ rs: n, end }` (`OthersSpec.odd` too): a `ReadableStream` (Node's global) made with its `n` chunks `a<k>_<j>`
 * enqueued in `start`, then closed, errored with `new Error('S<k>')` (which drops the chunks), or left open; its
 * underlying source's `cancel` records `RS<k> cancel` (compared as a set: Node calls it a microtask or two after
 * RxJS's `return()`, at a depth that differs between Node versions).
 */
export type OddThen = 'never' | 'twice' | 'throw';

/**
 * `q: true`: the consumer's source is the plain Observable `Q<t>` (see `Participant`), not task `t`; `o`: it is that
 * other input (`OtherInput`, made when the consumer subscribes; not for `plain`), given as it is to `detectCancel`,
 * `shield` (form `call`) and `awaitTask`, and as `from(o)` to `cancelWhen` and to the pipe forms.
 */
export type ConsumerSpec =
  | { kind: Mode; t: number; q?: boolean; o?: OtherInput; form?: 'pipe' | 'call'; react?: Reaction }
  | { kind: 'cancelWhen'; t: number; q?: boolean; o?: OtherInput; s: SigRef; react?: Reaction }
  | { kind: 'all' | 'any'; ts: Participant[]; s?: SigRef; react?: Reaction }
  | { kind: 'await'; t: number; q?: boolean; o?: OtherInput; s?: SigRef; shield: boolean };

export type Body =
  /** The task's probe (a Subject-driven Observable) given directly. */
  | { b: 'source' }
  /** A factory returning the probe; it may add an abort listener, throw, or cancel its own task. */
  | { b: 'factory'; listener?: Action; selfCancel: boolean; throws: boolean }
  /** A factory subscribing task `j` (j > own index) through `mode`. */
  | { b: 'child'; j: number; mode: Mode }
  /**
   * Another input (`OtherInput`, `<k>` = `T<i>`): given directly (made when the task is made), or returned by a
   * factory (made when it runs; it logs `T<i> factory`), which may cancel its own task first (then what it returns
   * is never subscribed). No probe: no `P<i>` lines, teardown action or `onAbort`.
   */
  | { b: 'input'; input: OtherInput; factory: boolean; selfCancel: boolean };

export interface TaskSpec {
  /** `options.signal`: a controller, or a task with a lower index. */
  link?: SigRef;
  refCount: boolean;
  body: Body;
  /** The probe emits `s<i>` synchronously when subscribed. */
  syncValue: boolean;
  /** The probe's teardown throws `D<i>`. */
  teardownThrows: boolean;
  /**
   * An action the probe's teardown performs after logging `P<i> teardown`, before it logs `P<i> teardown returns`
   * (or `P<i> teardown throws`, then throws `D<i>` if `teardownThrows`). Only for a probe body (source, factory).
   */
  teardownAct?: Action | undefined;
  /**
   * An abort listener the probe adds on the task's options.signal when it is subscribed, logging `T<i> onAbort`, that
   * errors task i's Subject (an `error` action on task i with a `SourceError`): the body's own reaction to the abort
   * of that signal, which reaches it before the abort reaches the task (docs/semantics.md). Only for a probe body
   * linked to a task's signal or an output, whose abort listeners run before what is linked to them reacts (a
   * controller's run after the package's).
   */
  onAbort?: Action | undefined;
}

/**
 * A task made by a `task` action (raw only): `at`, where `normalize` puts a top-level `task` action for it (before
 * action `at`, all of them taken modulo one past the last action), starting it (`startTask`) with `start`. Any `task`
 * action makes the next task not made yet, whichever that is.
 */
export type LateSpec = TaskSpec & { at?: number; start?: boolean };

/** `linkSignals(...inputs)`, made once `at` tasks exist (after task `at - 1`, before task `at`). */
export interface LinkSpec {
  at: number;
  /** 0–3 inputs: controllers, tasks below `at`, earlier links (normalized; a raw one may point anywhere). */
  inputs: SigRef[];
  /** An abort listener the program adds on the output right after making it, doing one action. */
  listener?: Action;
}

export interface Program {
  /** Per controller: aborted before any task is created. */
  preAborted: boolean[];
  /** The `linkSignals` outputs, in the order they are made (normalized: by `at`). Absent: none. */
  links?: LinkSpec[];
  tasks: TaskSpec[];
  /**
   * Raw only: tasks made by `task` actions, in order, once actions have begun (normalized: appended to `tasks`, their
   * number in `early`); for each with an `at`, `normalize` puts a top-level `task` action before action `at` (modulo
   * the actions and one past them). Absent: none.
   */
  late?: LateSpec[];
  /**
   * Normalized only: the first `early` tasks are made before the actions, the others by `task` actions (in order,
   * each when one runs; one that never runs is never made). Absent: every task is made before the actions.
   */
  early?: number;
  actions: Action[];
  /**
   * Raw only, drawn last (a program without them is drawn as before they were generated): other inputs
   * (`OtherInput`) as task bodies and consumers' sources, and `settle` actions. Absent: none.
   */
  others?: OthersSpec | undefined;
}

/**
 * Raw only: `bodies`, early task `t`'s body replaced by `{ b: 'input' }` (modulo the early tasks; the last one for a
 * task wins); `actions`, top-level actions put before action `at` (modulo the actions and one past them, after the
 * `task` actions put there): consumers of other inputs (`OtherInput`), and `settle` actions. A consumer without an
 * input of its own observes a task over one (`t` modulo those), and is put before action `at % 3`; a `cancel` it
 * reacts with cancels that task.
 */
export interface OthersSpec {
  bodies: { t: number; input: OtherInput; factory: boolean; selfCancel: boolean }[];
  actions: { at: number; act: Action }[];
  /**
   * Drawn last (a program without it is drawn as before it existed): what the `settle` actions that reject without a
   * `how` of their own reject with, the k-th of them in the order `normalize` numbers actions taking entry k modulo
   * their number: with `how`, what an `error` action would use for a task linked to signal `s`; without, `K<id>` as
   * before.
   */
  rejects?: SettleReject[];
  /** Drawn last too: the fetch-like promise `D<FETCH>` and its consumers. Absent: none. */
  fetch?: FetchSpec | undefined;
  /**
   * Drawn last of all: the other inputs drawn above that are not deferred promises (the bodies', then the actions'
   * consumers' sources and participants, then the fetch-like promise's consumers' participants, in that order) take
   * entry k of these, modulo their number, the k-th of them; `null` leaves the input as it was drawn, an
   * `ExoticInput` takes its place. Absent: none.
   */
  exotic?: (ExoticInput | null)[] | undefined;
  /**
   * Drawn after `exotic` (a program without it is drawn as before it existed): misbehaving thenables and
   * `ReadableStream`s, applied as `exotic` is, to the inputs as `exotic` left them. Absent: none.
   */
  odd?: (ExoticInput | null)[] | undefined;
  /**
   * Drawn after `odd` (a program without it is drawn as before it existed): the k-th thenable that calls back twice
   * (`odd: 'twice'`), in the order `exotic` and `odd` are applied, takes entry k modulo their number as its `apart`.
   * Absent: none apart.
   */
  apart?: boolean[] | undefined;
}

/**
 * A promise as `fetch(url, { signal })` gives one: `D<FETCH>`, a deferred promise no `settle` action drawn elsewhere
 * settles, given to an early task (`body`, given to `task()` or returned by its factory: task `body.t` modulo the
 * early tasks whose body `OthersSpec.bodies` left alone; none if there is none) and to `consumers`, each put before
 * action `at` as `OthersSpec.actions`' are (a plain, `detectCancel` or `shield` one without an input of its own
 * observes that task, and is put among the first three actions so that it often starts it, or, without that task,
 * observes `D<FETCH>` through `detectCancel` or `shield`); then rejected by a `settle` action put after the last
 * action, when signals have most likely aborted: with what `how` names, read from signal `s` (`resolveRejectSig`: a
 * task's signal two times in three, that of a task cancelled by then if there is one).
 */
export interface FetchSpec {
  consumers: { at: number; c: ConsumerSpec }[];
  body?: { t: number; factory: boolean } | undefined;
  s: SigRef;
  how: SourceError;
}

/** How a `settle` action rejects (`OthersSpec.rejects`): with a `SourceError` read from signal `s`, or `K<id>`. */
export interface SettleReject {
  s: SigRef;
  how?: SourceError;
}

export const CONTROLLERS = 2;
/** The deferred promises `D0`, `D1` every program has (settled by `settle` actions only), not counting `D<FETCH>`. */
export const DEFERRED = 2;
/** The fetch-like deferred promise `D2` (`FetchSpec`): made for every program, settled only by its own `settle`. */
export const FETCH = DEFERRED;

// ---------------------------------------------------------------- arbitraries

const small = fc.nat({ max: 15 });
/** `true` about one time in six; shrinks to `false`. */
const rare = fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const sigRef: fc.Arbitrary<SigRef> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ c: fc.nat({ max: CONTROLLERS - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ t: small }) },
  // a linkSignals output; a controller when the program has no link it may use
  { weight: 2, arbitrary: fc.record({ l: small }) },
);
/**
 * A task's `options.signal` in the teardown mix: a task's signal or an output more often than a controller (their
 * abort listeners run before what is linked to them reacts: a probe's `onAbort` is heard first).
 */
const taskLink: fc.Arbitrary<SigRef> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ c: fc.nat({ max: CONTROLLERS - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ t: small }) },
  { weight: 2, arbitrary: fc.record({ l: small }) },
);
/**
 * The `options.signal` of a task made by a `task` action: mostly an output (one made before the actions or by an
 * action, resolved when the task is made), else a controller or an earlier task's signal.
 */
const lateLink: fc.Arbitrary<SigRef> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ c: fc.nat({ max: CONTROLLERS - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ t: small }) },
  { weight: 3, arbitrary: fc.record({ l: small }) },
);
/**
 * A `task` action: makes the next task of `Program.late` (normalized: the next one after `early`), and, one time in
 * three, and else starts it at once (`startTask`).
 */
const taskAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ a: fc.constant('task' as const), id: fc.constant(0) }) },
  {
    weight: 2,
    arbitrary: fc.record({ a: fc.constant('task' as const), id: fc.constant(0), start: fc.constant(true) }),
  },
);
const mode = fc.constantFrom<Mode>('plain', 'detect', 'shield');
/**
 * How often plain Observables (`Q<i>`, not tasks) are given to the exports: a consumer's source one time in four and
 * a combinator participant one time in four in the main mixes (where one in four is a promise or an array,
 * `OtherInput`); one time in eight each in the teardown mix (whose kinds of interaction are about tasks' teardowns;
 * `Q<i>`'s teardown only logs). All shrink to a task.
 */
interface PlainSources {
  source: fc.Arbitrary<boolean>;
  participant: fc.Arbitrary<Participant>;
}
const plainSources = (oneIn: { source: number; participant: number }, others = false): PlainSources => ({
  source: fc.oneof(
    { weight: oneIn.source - 1, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  participant: others
    ? // a participant: a task one time in two, `Q<i>` one in four, a promise or an array one in eight each
      fc.oneof(
        { weight: 4, arbitrary: small },
        { weight: 2, arbitrary: fc.record({ q: small }) },
        { weight: 1, arbitrary: fc.record({ p: fc.constantFrom<'resolve' | 'reject'>('resolve', 'reject') }) },
        { weight: 1, arbitrary: fc.record({ arr: fc.nat({ max: 2 }) }) },
      )
    : fc.oneof({ weight: oneIn.participant - 1, arbitrary: small }, { weight: 1, arbitrary: fc.record({ q: small }) }),
});
/** The main mixes: plain Observables, and promise and array participants (`OtherInput`). */
const SOME_PLAIN = plainSources({ source: 4, participant: 3 }, true);
const FEW_PLAIN = plainSources({ source: 8, participant: 8 });

/** 0–3 inputs: mostly one or two; none (an output that never aborts) and three now and then. */
const linkInputs: fc.Arbitrary<SigRef[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(sigRef, { minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.constant<SigRef[]>([]) },
  { weight: 1, arbitrary: fc.array(sigRef, { minLength: 3, maxLength: 3 }) },
);

/** A `link` action: an output made once actions have begun, possibly with an abort listener doing one action. */
function linkAction(): fc.Arbitrary<Action> {
  return fc.record(
    { a: fc.constant('link' as const), id: fc.constant(0), inputs: linkInputs, listener: listenerAction() },
    { requiredKeys: ['a', 'id', 'inputs'] },
  );
}

/**
 * What a probe's teardown may do: mostly cancel a task or abort a controller (what starts a cancellation inside
 * a teardown), else any action an abort listener does, or subscribe a consumer (without a reaction).
 */
const teardownAction = (plain: PlainSources): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ a: fc.constant('cancel' as const), id: fc.constant(0), t: small }) },
    {
      weight: 3,
      arbitrary: fc.record({
        a: fc.constant('abort' as const),
        id: fc.constant(0),
        k: fc.nat({ max: CONTROLLERS - 1 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ a: fc.constant('unlink' as const), id: fc.constant(0), l: small }) },
    { weight: 3, arbitrary: simpleAction() },
    { weight: 1, arbitrary: sourceFailAction },
    { weight: 1, arbitrary: consumerSpec(false, plain).map((c): Action => ({ a: 'sub', id: 0, c })) },
    { weight: 1, arbitrary: linkAction() },
    { weight: 1, arbitrary: taskAction },
  );

/**
 * What an abort listener (a factory's on its task's signal, or one on an output) may do: an action without `sub` or
 * `throw`, or, now and then, make an output (whose own listener does not make one) or a task.
 */
function listenerAction(): fc.Arbitrary<Action> {
  return fc.oneof(
    { weight: 8, arbitrary: simpleAction() },
    { weight: 2, arbitrary: sourceFailAction },
    {
      weight: 1,
      arbitrary: fc.record({ a: fc.constant('link' as const), id: fc.constant(0), inputs: linkInputs }),
    },
    { weight: 1, arbitrary: taskAction },
  );
}

const sourceError = fc.constantFrom<SourceError>('reason', 'abortReason', 'abortOther');
/** An `error` action: with `E<id>` one time in two, else with one of the `SourceError`s; shrinks to `E<id>`. */
const errorAction: fc.Arbitrary<Action> = fc.record(
  { a: fc.constant('error' as const), id: fc.constant(0), t: small, how: sourceError },
  { requiredKeys: ['a', 'id', 't'] },
);
/**
 * An `error` action with a `SourceError`: more of them in abort listeners and teardowns, where `normalize` makes
 * them fail a task linked to the signal that is aborting (`action`).
 */
const sourceFailAction: fc.Arbitrary<Action> = fc.record({
  a: fc.constant('error' as const),
  id: fc.constant(0),
  t: small,
  how: sourceError,
});

/** Actions without `sub`, `throw` or `link`. */
function simpleAction(): fc.Arbitrary<Action> {
  return fc.oneof(
    fc.record({ a: fc.constant('unsub' as const), id: fc.constant(0), x: small }),
    fc.record({ a: fc.constant('cancel' as const), id: fc.constant(0), t: small }),
    fc.record({ a: fc.constant('start' as const), id: fc.constant(0), t: small }),
    fc.record({ a: fc.constant('abort' as const), id: fc.constant(0), k: fc.nat({ max: CONTROLLERS - 1 }) }),
    fc.record({ a: fc.constant('next' as const), id: fc.constant(0), t: small }),
    fc.record({ a: fc.constant('complete' as const), id: fc.constant(0), t: small }),
    errorAction,
    fc.record({ a: fc.constant('unlink' as const), id: fc.constant(0), l: small }),
  );
}

function consumerSpec(withReactions: boolean, plain: PlainSources): fc.Arbitrary<ConsumerSpec> {
  const react: fc.Arbitrary<Reaction | undefined> = withReactions
    ? fc.option(
        fc.record({
          on: fc.constantFrom<Reaction['on']>('next', 'error', 'complete'),
          act: fc.oneof(
            { weight: 6, arbitrary: simpleAction() },
            { weight: 1, arbitrary: fc.record({ a: fc.constant('throw' as const), id: fc.constant(0) }) },
            { weight: 1, arbitrary: consumerSpec(false, plain).map((c): Action => ({ a: 'sub', id: 0, c })) },
            { weight: 1, arbitrary: linkAction() },
            { weight: 1, arbitrary: taskAction },
          ),
        }),
        { nil: undefined, freq: 2 },
      )
    : fc.constant(undefined);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: mode,
        t: small,
        q: plain.source,
        form: fc.constantFrom<'pipe' | 'call'>('pipe', 'call'),
        react,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('cancelWhen' as const), t: small, q: plain.source, s: sigRef, react }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          kind: fc.constantFrom<'all' | 'any'>('all', 'any'),
          ts: fc.array(plain.participant, { minLength: 0, maxLength: 3 }),
          s: sigRef,
          react,
        },
        { requiredKeys: ['kind', 'ts', 'react'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        { kind: fc.constant('await' as const), t: small, q: plain.source, s: sigRef, shield: fc.boolean() },
        { requiredKeys: ['kind', 't', 'q', 'shield'] },
      ),
    },
  );
}

/**
 * Another input (`OtherInput`): mostly a promise (deferred more often than settled), else a generator or an array; a
 * task's body (`othersSpec`) is a generator more often, which its observer may stop early (see `otherConsumer`).
 */
const otherInputs = (gen: number): fc.Arbitrary<OtherInput> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ p: fc.constantFrom<'resolve' | 'reject'>('resolve', 'reject') }) },
    { weight: 1, arbitrary: fc.record({ arr: fc.nat({ max: 2 }) }) },
    { weight: gen, arbitrary: fc.record({ gen: fc.nat({ max: 2 }) }) },
    { weight: 3, arbitrary: fc.record({ d: fc.nat({ max: DEFERRED - 1 }) }) },
  );
const otherInput = otherInputs(2);
/** A `settle` action: resolves or rejects a deferred promise. */
const settleAction: fc.Arbitrary<Action> = fc.record({
  a: fc.constant('settle' as const),
  id: fc.constant(0),
  d: fc.nat({ max: DEFERRED - 1 }),
  ok: fc.boolean(),
});

/**
 * The signal a `settle` action's `SourceError` is read from: a task's two times in three (its reason, once it is
 * cancelled, that task's `CancelledError`: a `fetch` given `task.signal`), else a controller's or an output's.
 */
const rejectSignal: fc.Arbitrary<SigRef> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: small }) },
  { weight: 1, arbitrary: sigRef },
);

/**
 * What a `settle` action that rejects rejects with (`OthersSpec.rejects`): one time in four `K<id>`, else a
 * `SourceError` (the signal's reason, an `AbortError` caused by it, one caused by something else) read from `s`.
 */
const settleReject: fc.Arbitrary<SettleReject> = fc
  .tuple(
    rejectSignal,
    fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: sourceError }),
  )
  .map(([s, how]): SettleReject => ({ s, ...(how && { how }) }));

/**
 * A consumer of other inputs (`Program.others`): `detectCancel`, `shield`, `cancelWhen` or `awaitTask` over one, or a
 * combinator whose participants are mostly such inputs (deferred promises and generators among them); its reaction may
 * also settle a deferred promise.
 */
const otherConsumer: fc.Arbitrary<ConsumerSpec> = (() => {
  const react: fc.Arbitrary<Reaction | undefined> = fc.option(
    fc.record({
      on: fc.constantFrom<Reaction['on']>('next', 'error', 'complete'),
      act: fc.oneof(
        { weight: 3, arbitrary: simpleAction() },
        { weight: 3, arbitrary: settleAction },
        { weight: 1, arbitrary: fc.record({ a: fc.constant('throw' as const), id: fc.constant(0) }) },
      ),
    }),
    { nil: undefined, freq: 2 },
  );
  // a consumer of a task over another input (`normalize` points it at one), whose reaction, mostly to a value, may
  // cancel that task (a generator is then stopped early)
  const reactOnTask: fc.Arbitrary<Reaction> = fc.record({
    on: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Reaction['on']>('next') },
      { weight: 1, arbitrary: fc.constantFrom<Reaction['on']>('error', 'complete') },
    ),
    act: fc.oneof(
      { weight: 5, arbitrary: fc.record({ a: fc.constant('cancel' as const), id: fc.constant(0), t: small }) },
      { weight: 1, arbitrary: simpleAction() },
      { weight: 1, arbitrary: settleAction },
    ),
  });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: mode,
        t: small,
        form: fc.constantFrom<'pipe' | 'call'>('pipe', 'call'),
        react: reactOnTask,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom<Mode>('detect', 'shield'),
        t: fc.constant(0),
        o: otherInput,
        form: fc.constantFrom<'pipe' | 'call'>('call', 'pipe'),
        react,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('cancelWhen' as const),
        t: fc.constant(0),
        o: otherInput,
        s: sigRef,
        react,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          kind: fc.constantFrom<'all' | 'any'>('all', 'any'),
          ts: fc.array(
            fc.oneof(
              { weight: 2, arbitrary: small },
              { weight: 1, arbitrary: fc.record({ q: small }) },
              { weight: 3, arbitrary: otherInput },
            ),
            { minLength: 1, maxLength: 3 },
          ),
          s: sigRef,
          react,
        },
        { requiredKeys: ['kind', 'ts', 'react'] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        { kind: fc.constant('await' as const), t: fc.constant(0), o: otherInput, s: sigRef, shield: fc.boolean() },
        { requiredKeys: ['kind', 't', 'o', 'shield'] },
      ),
    },
  );
})();

/**
 * A consumer of the fetch-like promise (`FetchSpec`): `detectCancel`, `shield`, `cancelWhen`, `awaitTask` or a
 * combinator over `D<FETCH>` (a combinator's other participants as `otherConsumer`'s), or a plain, `detectCancel` or
 * `shield` consumer of the task over it (`normalize` points it there, or at `D<FETCH>` itself when there is none).
 */
const fetchConsumer: fc.Arbitrary<ConsumerSpec> = (() => {
  const o = fc.constant<OtherInput>({ d: FETCH });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ kind: mode, t: fc.constant(0), form: fc.constantFrom<'pipe' | 'call'>('pipe', 'call') }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom<Mode>('detect', 'shield'),
        t: fc.constant(0),
        o,
        form: fc.constantFrom<'pipe' | 'call'>('call', 'pipe'),
      }),
    },
    // given a task's signal mostly: one that has not aborted when the promise rejects with another's reason
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('cancelWhen' as const), t: fc.constant(0), o, s: rejectSignal }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        { kind: fc.constant('await' as const), t: fc.constant(0), o, s: sigRef, shield: fc.boolean() },
        { requiredKeys: ['kind', 't', 'o', 'shield'] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          kind: fc.constantFrom<'all' | 'any'>('all', 'any'),
          ts: fc
            .tuple(
              fc.nat({ max: 2 }),
              fc.array(fc.oneof({ weight: 1, arbitrary: small }, { weight: 1, arbitrary: otherInput }), {
                minLength: 0,
                maxLength: 2,
              }),
            )
            .map(([k, rest]): Participant[] => [...rest.slice(0, k), { d: FETCH }, ...rest.slice(k)]),
          s: sigRef,
        },
        { requiredKeys: ['kind', 'ts'] },
      ),
    },
  );
})();

/** `FetchSpec`: 1–3 consumers, a task over the promise in one program out of two, and how it rejects. */
const fetchSpec = (maxActions: number): fc.Arbitrary<FetchSpec> =>
  fc.record({
    consumers: fc.array(fc.record({ at: fc.nat({ max: maxActions }), c: fetchConsumer }), {
      minLength: 1,
      maxLength: 3,
    }),
    body: fc.option(fc.record({ t: small, factory: fc.boolean() }), { nil: undefined }),
    s: rejectSignal,
    // mostly the reason itself (`fetch`), else an AbortError caused by it (Node's APIs) or by something else
    how: fc.oneof(
      { weight: 3, arbitrary: fc.constant<SourceError>('reason') },
      { weight: 2, arbitrary: fc.constant<SourceError>('abortReason') },
      { weight: 1, arbitrary: fc.constant<SourceError>('abortOther') },
    ),
  });

/**
 * An entry of `OthersSpec.exotic`: mostly `null` (the input drawn stays), else an async generator, a thenable (settled
 * inside its `then` one time in two) or, less often, an interop Observable.
 */
const exoticInput: fc.Arbitrary<ExoticInput | null> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.record({ agen: fc.nat({ max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      then: fc.constantFrom<'resolve' | 'reject'>('resolve', 'reject'),
      sync: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ iop: fc.nat({ max: 2 }) }) },
);

/**
 * An entry of `OthersSpec.odd`: mostly `null`, else a misbehaving thenable (`OddThen`) or a `ReadableStream` of 0–2
 * chunks, closed, errored or left open.
 */
const oddInput: fc.Arbitrary<ExoticInput | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 3,
    arbitrary: fc.record({
      then: fc.constantFrom<'resolve' | 'reject'>('resolve', 'reject'),
      sync: fc.boolean(),
      odd: fc.constantFrom<OddThen>('never', 'twice', 'throw', 'throw'),
      again: fc.constantFrom<'resolve' | 'reject'>('resolve', 'reject'),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      rs: fc.constantFrom(0, 1, 2, 2, 2),
      end: fc.constantFrom<'close' | 'error' | 'open'>('close', 'close', 'error', 'error', 'open', 'open'),
    }),
  },
);

/** `true` one time in four. */
const quarter = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/**
 * `Program.others`: two early tasks (the same one twice, now and then; one in the teardown mix) over other inputs,
 * and 2–5 (2–13 in the large mix) consumers of them and `settle` actions.
 */
const othersSpec = (maxActions: number, bodies = 2): fc.Arbitrary<OthersSpec> =>
  fc.record({
    bodies: fc.array(fc.record({ t: small, input: otherInputs(5), factory: fc.boolean(), selfCancel: quarter }), {
      minLength: bodies,
      maxLength: bodies,
    }),
    actions: fc.array(
      fc.record({
        at: fc.nat({ max: maxActions }),
        act: fc.oneof(
          { weight: 3, arbitrary: otherConsumer.map((c): Action => ({ a: 'sub', id: 0, c })) },
          { weight: 2, arbitrary: settleAction },
        ),
      }),
      { minLength: 2, maxLength: Math.max(5, Math.floor(maxActions / 3)) },
    ),
    // drawn last: the programs drawn before it existed stay as they were, but for what their rejections carry
    rejects: fc.array(settleReject, { minLength: 1, maxLength: 3 }),
    fetch: fetchSpec(maxActions),
    // drawn last of all: async iterables, thenables and interop Observables in place of some inputs drawn above
    exotic: fc.array(exoticInput, { minLength: 1, maxLength: 4 }),
    // drawn after it: misbehaving thenables and ReadableStreams, in place of some inputs as `exotic` left them
    odd: fc.array(oddInput, { minLength: 1, maxLength: 4 }),
    // drawn after it: which thenables that call back twice do it across microtasks
    apart: fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }),
  });

/** How often a probe's teardown acts: in one probe of six (the main mixes), or in every one (the teardown mix). */
export type TeardownActs = 'rare' | 'always';

const taskSpec = (
  teardownActs: TeardownActs,
  plain: PlainSources,
  link: fc.Arbitrary<SigRef> = teardownActs === 'always' ? taskLink : sigRef,
): fc.Arbitrary<TaskSpec> =>
  fc.record(
    {
      link,
      refCount: rare.map((b) => !b), // mostly true
      body: fc.oneof(
        { weight: 3, arbitrary: fc.constant<Body>({ b: 'source' }) },
        {
          weight: 3,
          arbitrary: fc
            .tuple(
              fc.option(listenerAction(), { nil: undefined }),
              // [selfCancel, throws]: mostly neither; each alone, and both (cancelled, then throws), now and then
              fc.oneof(
                { weight: 6, arbitrary: fc.constant([false, false] as const) },
                { weight: 1, arbitrary: fc.constant([true, false] as const) },
                { weight: 1, arbitrary: fc.constant([false, true] as const) },
                { weight: 1, arbitrary: fc.constant([true, true] as const) },
              ),
            )
            .map(([listener, [selfCancel, throws]]): Body => ({
              b: 'factory',
              selfCancel,
              throws,
              ...(listener !== undefined && { listener }),
            })),
        },
        { weight: 3, arbitrary: fc.record({ b: fc.constant('child' as const), j: small, mode }) },
      ),
      syncValue: fc.boolean(),
      teardownThrows: rare,
      // child bodies have no probe: normalize drops theirs
      teardownAct:
        teardownActs === 'always'
          ? teardownAction(plain)
          : fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: teardownAction(plain) }),
      // one probe in three reacts to the abort of options.signal by failing; every one in the teardown mix
      onAbort: (teardownActs === 'always'
        ? sourceError
        : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: sourceError })
      ).map((how): Action | undefined => how && { a: 'error', id: 0, t: 0, how }),
    },
    { requiredKeys: ['refCount', 'body', 'syncValue', 'teardownThrows', 'teardownAct'] },
  );

/**
 * A task made by a top-level `task` action put before action `at`, started at once two times in three; its
 * `options.signal` mostly an output (`lateLink`).
 */
const lateSpec = (teardownActs: TeardownActs, plain: PlainSources, maxActions: number): fc.Arbitrary<LateSpec> =>
  fc
    .tuple(
      taskSpec(teardownActs, plain, lateLink),
      fc.nat({ max: maxActions }),
      fc.oneof({ weight: 1, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) }),
    )
    .map(([spec, at, start]): LateSpec => ({ ...spec, at, ...(start && { start }) }));

const linkSpec: fc.Arbitrary<LinkSpec> = fc.record(
  {
    at: small,
    inputs: linkInputs,
    listener: listenerAction(),
  },
  { requiredKeys: ['at', 'inputs'] },
);

/**
 * Raw programs of 1–`maxTasks` tasks, 0–`maxTasks` links and 1–`maxActions` top-level actions; the teardowns of
 * one probe in six act, or of every probe (`teardownActs: 'always'`).
 */
export function programs({
  maxTasks,
  maxActions,
  teardownActs = 'rare',
}: {
  maxTasks: number;
  maxActions: number;
  teardownActs?: TeardownActs;
}): fc.Arbitrary<Program> {
  const plain = teardownActs === 'always' ? FEW_PLAIN : SOME_PLAIN;
  return fc.record({
    // in the teardown mix, a controller is rarely aborted beforehand: a teardown's abort then has work to do
    preAborted: fc.array(teardownActs === 'always' ? rare : fc.boolean(), {
      minLength: CONTROLLERS,
      maxLength: CONTROLLERS,
    }),
    // no link in about a third of the programs (the mix the suite had before links were generated)
    links: fc.oneof(
      { weight: 1, arbitrary: fc.constant<LinkSpec[]>([]) },
      { weight: 2, arbitrary: fc.array(linkSpec, { minLength: 1, maxLength: maxTasks }) },
    ),
    tasks: fc.array(taskSpec(teardownActs, plain), { minLength: 1, maxLength: maxTasks }),
    // tasks made by `task` actions, in two programs out of three: 1–2 (1–4 in the large mix)
    actions: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: consumerSpec(true, plain).map((c): Action => ({ a: 'sub', id: 0, c })) },
        { weight: 5, arbitrary: simpleAction() },
        { weight: 1, arbitrary: linkAction() },
      ),
      { minLength: 1, maxLength: maxActions },
    ),
    // drawn last: a program without one is drawn as before they were generated
    late: fc.oneof(
      { weight: 1, arbitrary: fc.constant<LateSpec[]>([]) },
      {
        weight: 2,
        arbitrary: fc.array(lateSpec(teardownActs, plain, maxActions), {
          minLength: 1,
          maxLength: Math.max(1, Math.floor(maxTasks / 2)),
        }),
      },
    ),
    // other inputs (promises, settled or deferred, arrays, generators, and in place of some of them async
    // generators, thenables, interop Observables, ReadableStreams) as task bodies and consumers' sources, in one
    // program out of two of every mix; drawn last, as `late` (the teardown mix drew none before the twenty-fourth
    // landing: its programs without them are drawn as before)
    others: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      // the teardown mix replaces one early task's body, not two: a task over another input has no probe, so no
      // teardown that acts (with two, its own kinds of interaction occurred a third less on the CI seed; one, a
      // quarter less, and its teardowns cancelled more tasks over other inputs)
      { weight: 1, arbitrary: othersSpec(maxActions, teardownActs === 'always' ? 1 : 2) },
    ),
  });
}

/** The CI mix: 1–4 tasks, 1–14 top-level actions. */
export const programArbitrary: fc.Arbitrary<Program> = programs({ maxTasks: 4, maxActions: 14 });

/** The teardown mix: the CI mix where every probe's teardown acts, and controllers are seldom aborted beforehand. */
export const teardownArbitrary: fc.Arbitrary<Program> = programs({
  maxTasks: 4,
  maxActions: 14,
  teardownActs: 'always',
});

// ---------------------------------------------------------------- normalization

/**
 * Makes a raw program concrete: indices modulo what exists, link targets
 * below the task, child targets above it, links made in order of `at` with
 * inputs made before them, unique action ids, rare flags kept rare. Apply it
 * once, to a raw program.
 */
export function normalize(raw: Program): Program {
  // the early tasks (made before the actions), then the late ones (made by `task` actions): a task number names
  // either; one not made yet when it is used is read modulo the tasks made by then (`resolveTask`)
  const m = raw.tasks.length;
  const specs: TaskSpec[] = [...raw.tasks, ...(raw.late ?? []).map(({ at: _at, start: _start, ...spec }) => spec)];
  const n = specs.length;
  let nextId = 1;
  const t = (i: number) => i % n;
  const rawOthers = withApart(withExotic(withExotic(raw.others, 'exotic'), 'odd'));
  const rejects = rawOthers?.rejects ?? [];
  let nextReject = 0;
  // `D<FETCH>` only where `Program.others.fetch` names it (the other arbitraries draw D0 and D1)
  const other = (o: OtherInput): OtherInput => ('d' in o ? { d: o.d % (FETCH + 1) } : o);
  // Links are made in order, each once `at` tasks exist; `at` never decreases, so the links task i may use are
  // the first `linksBefore(i)` ones.
  let at = 0;
  const linkAt = (raw.links ?? []).map((l) => (at = Math.max(at, l.at % (m + 1))));
  const linksBefore = (i: number) => linkAt.filter((a) => a <= i).length;
  /** A signal made before task `tasks` and link `links`: a controller in place of what does not exist yet. */
  const sigBefore = (s: SigRef, tasks: number, links: number): SigRef =>
    'c' in s
      ? { c: s.c % CONTROLLERS }
      : 't' in s
        ? tasks > 0
          ? { t: s.t % tasks }
          : { c: s.t % CONTROLLERS }
        : links > 0
          ? { l: s.l % links }
          : { c: s.l % CONTROLLERS };
  // once actions have begun, links can be made at any time (`link` actions, also in reactions and teardowns): an
  // output is named by a number that `resolveSig` reads modulo the links made when it is used
  const dyn = (s: SigRef): SigRef => ('c' in s ? { c: s.c % CONTROLLERS } : 't' in s ? { t: t(s.t) } : { l: s.l });
  const sig = (s: SigRef | undefined): SigRef | undefined => (s === undefined ? undefined : dyn(s));
  /**
   * `linked`: for an abort listener on a task's signal or on an output made before the actions, or a task's probe's
   * teardown, the tasks linked to that signal; an `error` action with a `SourceError` fails one of them, if any
   * (it runs while the abort of that signal is on its way to them, or, for a teardown, may).
   */
  const action = (a: Action, where: 'top' | 'reaction' | 'listener' | 'teardown', linked: number[] = []): Action => {
    const id = nextId++;
    switch (a.a) {
      case 'error':
        return { ...a, id, t: a.how !== undefined && linked.length > 0 ? linked[a.t % linked.length]! : t(a.t) };
      case 'sub':
        return { a: 'sub', id, c: consumer(a.c, where === 'top') };
      case 'unsub':
        return { a: 'unsub', id, x: a.x };
      case 'abort':
        return { a: 'abort', id, k: a.k % CONTROLLERS };
      case 'unlink':
        return { a: 'unlink', id, l: a.l };
      case 'link':
        return {
          a: 'link',
          id,
          inputs: a.inputs.map(dyn),
          ...(a.listener && { listener: action(a.listener, 'listener') }),
        };
      case 'throw':
        // a listener that throws is an uncaught exception (covered by userErrors.spec.ts); a teardown that throws
        // is `teardownThrows`
        return where === 'listener' || where === 'teardown' ? { a: 'cancel', id, t: 0 } : { a: 'throw', id };
      case 'task':
        return { a: 'task', id, ...(a.start === true && { start: true }) };
      case 'settle': {
        // a rejection without a `how` of its own takes the next of `others.rejects` (K<id> if it has none)
        const r: Partial<SettleReject> | undefined = a.ok
          ? undefined
          : a.how !== undefined
            ? a
            : rejects.length > 0
              ? rejects[nextReject++ % rejects.length]
              : undefined;
        const how = r?.how;
        const s = r?.s ?? { c: 0 };
        return { a: 'settle', id, d: a.d % DEFERRED, ok: a.ok, ...(how && { s: dyn(s), how }) };
      }
      default:
        return { ...a, id, t: t(a.t) };
    }
  };
  const consumer = (c: ConsumerSpec, withReaction: boolean): ConsumerSpec => {
    const react =
      withReaction && 'react' in c && c.react !== undefined
        ? { on: c.react.on, act: action(c.react.act, 'reaction') }
        : undefined;
    // a plain subscribe to a plain Observable, or to another input, involves no export: that consumer observes the
    // task; another input (`o`) wins over `q`
    const o = 'o' in c && c.o !== undefined && c.kind !== 'plain' ? { o: other(c.o) } : undefined;
    const q = 'q' in c && c.q === true && c.kind !== 'plain' && o === undefined;
    switch (c.kind) {
      case 'plain':
      case 'detect':
      case 'shield':
        return { kind: c.kind, t: t(c.t), ...(q && { q }), ...o, form: c.form ?? 'pipe', ...(react && { react }) };
      case 'cancelWhen':
        return { kind: 'cancelWhen', t: t(c.t), ...(q && { q }), ...o, s: sig(c.s)!, ...(react && { react }) };
      case 'all':
      case 'any': {
        const ts = c.ts.map((p): Participant => (typeof p === 'number' ? t(p) : 'q' in p ? { q: t(p.q) } : other(p)));
        if (c.kind === 'any' && ts.length === 0) ts.push(0);
        return { kind: c.kind, ts, ...(c.s && { s: sig(c.s) }), ...(react && { react }) };
      }
      case 'await':
        return { kind: 'await', t: t(c.t), ...(q && { q }), ...o, shield: c.shield, ...(c.s && { s: sig(c.s) }) };
    }
  };
  // the bodies `others` replaces with another input (the last one for a task wins)
  const inputBodies = new Map<number, Body>();
  for (const b of rawOthers?.bodies ?? []) {
    inputBodies.set(b.t % m, { b: 'input', input: other(b.input), factory: b.factory, selfCancel: b.selfCancel });
  }
  // the early task over the fetch-like promise, if any: one whose body is not another input already
  const fetch = rawOthers?.fetch;
  const free = [...Array(m).keys()].filter((i) => !inputBodies.has(i));
  const fetchTask = fetch?.body === undefined || free.length === 0 ? undefined : free[fetch.body.t % free.length];
  const fetchBody: Body | undefined =
    fetch?.body === undefined
      ? undefined
      : { b: 'input', input: { d: FETCH }, factory: fetch.body.factory, selfCancel: false };
  const taskLinks = specs.map((spec, i): SigRef | undefined => {
    if (spec.link === undefined) return undefined;
    // an earlier task, a link made before this task; no link at all for the first task's "earlier task"
    if ('t' in spec.link) return i > 0 ? { t: spec.link.t % i } : undefined;
    // a late task: an output made before it, by the actions too, resolved when it is made (`resolveSig`)
    if (i >= m) return dyn(spec.link);
    return sigBefore(spec.link, i, linksBefore(i));
  });
  /**
   * The early tasks linked to task `i`'s signal (`{ t: i }`) or to output `k`'s (`{ l: k }`) (a late task's output
   * is known only when it is made).
   */
  const linkedTo = (s: SigRef): number[] =>
    taskLinks.slice(0, m).flatMap((l, j) => (l !== undefined && JSON.stringify(l) === JSON.stringify(s) ? [j] : []));
  const tasks = specs.map((spec, i): TaskSpec => {
    const link = taskLinks[i];
    let body: Body = (i === fetchTask ? fetchBody : undefined) ?? inputBodies.get(i) ?? spec.body;
    if (body.b === 'input') {
      // no probe: nothing below applies
    } else if (body.b === 'child' && i >= m) {
      // a late task: a task made before it (the waits stay acyclic: no early body waits on a late task)
      body = { b: 'child', j: body.j % i, mode: body.mode };
    } else if (body.b === 'child') {
      // Any other early task; one created earlier only if its own body waits on no task, which keeps the bodies'
      // waits acyclic. An earlier child linked to the same signal as its consumer reacts before it at step 4.
      const j = m > 1 ? (i + 1 + (body.j % (m - 1))) % m : i;
      if (j > i || (j < i && raw.tasks[j]!.body.b !== 'child')) body = { b: 'child', j, mode: body.mode };
      else body = i < m - 1 ? { b: 'child', j: i + 1 + (body.j % (m - i - 1)), mode: body.mode } : { b: 'source' };
    } else if (body.b === 'factory') {
      body = {
        b: 'factory',
        selfCancel: body.selfCancel,
        throws: body.throws,
        ...(body.listener && { listener: action(body.listener, 'listener', i < m ? linkedTo({ t: i }) : []) }),
      };
    }
    // onAbort: an error of the task's own probe, on a task's signal or an output
    const how = spec.onAbort?.a === 'error' ? spec.onAbort.how : undefined;
    const onAbort: Action | undefined =
      spec.onAbort !== undefined &&
      (body.b === 'source' || body.b === 'factory') &&
      link !== undefined &&
      !('c' in link)
        ? { a: 'error', id: nextId++, t: i, ...(how && { how }) }
        : undefined;
    let teardownAct =
      spec.teardownAct !== undefined && (body.b === 'source' || body.b === 'factory')
        ? action(spec.teardownAct, 'teardown', i < m ? linkedTo({ t: i }) : [])
        : undefined;
    // a teardown that cancels or drives its own task does nothing (the task has ended): another task instead
    if (teardownAct !== undefined && 't' in teardownAct && teardownAct.t === i && n > 1) {
      teardownAct = { ...teardownAct, t: (i + 1 + ((spec.teardownAct as { t: number }).t % (n - 1))) % n };
    }
    return {
      ...(link && { link }),
      refCount: spec.refCount,
      body,
      syncValue: spec.syncValue,
      teardownThrows: spec.teardownThrows,
      ...(teardownAct && { teardownAct }),
      ...(onAbort && { onAbort }),
    };
  });
  const links = (raw.links ?? []).map((l, k): LinkSpec => ({
    at: linkAt[k]!,
    inputs: l.inputs.map((s) => sigBefore(s, linkAt[k]!, k)),
    ...(l.listener && { listener: action(l.listener, 'listener', linkedTo({ l: k })) }),
  }));
  // the top-level `task` actions of the late tasks, each before action `at` (one past the last: after them all)
  const late = (raw.late ?? []).filter((l) => l.at !== undefined);
  // a consumer of `others` that observes a task observes one over another input; a `cancel` it reacts with cancels it
  const inputTasks = [...inputBodies.keys()].sort((a, b) => a - b);
  const onInputTask = (a: Action): Action => {
    if (a.a !== 'sub' || 'ts' in a.c || a.c.o !== undefined || inputTasks.length === 0) return a;
    const t = inputTasks[a.c.t % inputTasks.length]!;
    const react =
      'react' in a.c && a.c.react?.act.a === 'cancel' ? { react: { ...a.c.react, act: { ...a.c.react.act, t } } } : {};
    return { ...a, c: { ...a.c, t, ...react } };
  };
  // such a consumer is put among the first three actions, so that it is often the one that starts its task
  const others = (rawOthers?.actions ?? []).map((x) => {
    const act = onInputTask(x.act);
    return { at: act === x.act ? x.at : x.at % 3, act };
  });
  // the fetch-like promise's consumers: one that observes a task observes the task over it, if any
  const fetches = (fetch?.consumers ?? []).map(({ at, c }) => {
    let spec = c;
    let where = at;
    if (c.kind === 'plain' || c.kind === 'detect' || c.kind === 'shield') {
      // one of the task is put among the first three actions, as `onInputTask` does, so that it starts the task
      if (c.o === undefined && fetchTask !== undefined) [spec, where] = [{ ...c, t: fetchTask }, at % 3];
      else if (c.o === undefined) spec = { ...c, kind: c.kind === 'plain' ? 'detect' : c.kind, o: { d: FETCH } };
    }
    return { at: where, act: { a: 'sub', id: 0, c: spec } as Action };
  });
  const before = (j: number): Action[] => [
    ...late
      .filter((l) => l.at! % (raw.actions.length + 1) === j)
      .map((l): Action => ({ a: 'task', id: 0, ...(l.start === true && { start: true }) })),
    ...others.filter((x) => x.at % (raw.actions.length + 1) === j).map((x) => x.act),
    ...fetches.filter((x) => x.at % (raw.actions.length + 1) === j).map((x) => x.act),
  ];
  const actions = [...raw.actions.flatMap((a, j) => [...before(j), a]), ...before(raw.actions.length)].map((a) =>
    action(a, 'top'),
  );
  // the fetch-like promise rejects after the last action (`settle` normalized by hand: `action` keeps D0 and D1)
  if (fetch !== undefined)
    actions.push({ a: 'settle', id: nextId++, d: FETCH, ok: false, s: dyn(fetch.s), how: fetch.how });
  return {
    preAborted: raw.preAborted.slice(0, CONTROLLERS),
    ...(links.length > 0 && { links }),
    tasks,
    ...(n > m && { early: m }),
    actions,
  };
}

/**
 * `OthersSpec.exotic` applied (`normalize`): the k-th input of `others` that is not a deferred promise (the bodies',
 * then the actions' consumers' sources and participants, then the fetch-like promise's consumers' participants)
 * replaced by entry k modulo their number, unless that entry is `null`.
 */
function withExotic(others: OthersSpec | undefined, key: 'exotic' | 'odd'): OthersSpec | undefined {
  const exotic = others?.[key] ?? [];
  if (others === undefined || exotic.length === 0) return others;
  let k = 0;
  // `odd` takes the place of promises settled already and arrays (and a stream that of a consumer's generator): the
  // other inputs are the thinnest drawn
  const kept = (o: OtherInput, body: boolean) =>
    'd' in o ||
    (key === 'odd' &&
      ('agen' in o ||
        'then' in o ||
        'iop' in o ||
        ('gen' in o && (body || !('rs' in (exotic[k % exotic.length] ?? o))))));
  const swap = (o: OtherInput, body = false): OtherInput => (kept(o, body) ? o : (exotic[k++ % exotic.length] ?? o));
  // a task's rejected promise stays: what the package drops (a pending task's, a factory's) is rare enough
  const bodies = others.bodies.map((b) =>
    'p' in b.input && b.input.p === 'reject' ? b : { ...b, input: swap(b.input, true) },
  );
  return withConsumerInputs(others, bodies, (o) => swap(o));
}

/**
 * `OthersSpec.apart` applied (`normalize`, after `withExotic`): the k-th thenable that calls back twice (bodies, then
 * the actions' consumers' sources and participants, then the fetch-like promise's consumers' participants) takes
 * entry k modulo their number as its `apart`.
 */
function withApart(others: OthersSpec | undefined): OthersSpec | undefined {
  const apart = others?.apart ?? [];
  if (others === undefined || apart.length === 0) return others;
  let k = 0;
  const mark = (o: OtherInput): OtherInput =>
    'odd' in o && o.odd === 'twice' && apart[k++ % apart.length]! ? { ...o, apart: true } : o;
  const bodies = others.bodies.map((b) => ({ ...b, input: mark(b.input) }));
  return withConsumerInputs(others, bodies, mark);
}

/**
 * `others` with `bodies`, and every input of its consumers mapped by `input`, in the order `withExotic` and
 * `withApart` count them: the actions' consumers' sources and participants, then the fetch-like promise's consumers'
 * participants.
 */
function withConsumerInputs(
  others: OthersSpec,
  bodies: OthersSpec['bodies'],
  input: (o: OtherInput) => OtherInput,
): OthersSpec {
  const participants = (ts: Participant[]) => ts.map((p) => (typeof p === 'number' || 'q' in p ? p : input(p)));
  const consumer = (c: ConsumerSpec): ConsumerSpec =>
    'ts' in c ? { ...c, ts: participants(c.ts) } : c.o === undefined ? c : { ...c, o: input(c.o) };
  const actions = others.actions.map((x) =>
    x.act.a === 'sub' ? { ...x, act: { ...x.act, c: consumer(x.act.c) } } : x,
  );
  const fetch = others.fetch && {
    ...others.fetch,
    consumers: others.fetch.consumers.map((x) => ('ts' in x.c ? { ...x, c: consumer(x.c) } : x)),
  };
  return { ...others, bodies, actions, ...(fetch && { fetch }) };
}

/**
 * The signal a normalized action's `SigRef` names when it is used, `links` outputs having been made so far: an
 * output modulo those, or a controller while there is none (the rule `normalize` applies to what exists before
 * the actions, applied at run time).
 */
export function resolveSig(ref: SigRef, links: number, tasks: number): SigRef {
  if ('t' in ref) return { t: resolveTask(ref.t, tasks) };
  if (!('l' in ref)) return ref;
  return links > 0 ? { l: ref.l % links } : { c: ref.l % CONTROLLERS };
}

/**
 * The `options.signal` of a task made by a `task` action, `links` outputs and `tasks` tasks having been made so far:
 * as `resolveSig`, but an output is counted from the last one made (`{ l: 0 }` is the newest), so that a task made by
 * an action is often linked to an output made by an action.
 */
export function resolveLateLink(ref: SigRef, links: number, tasks: number): SigRef {
  return 'l' in ref && links > 0 ? { l: links - 1 - (ref.l % links) } : resolveSig(ref, links, tasks);
}

/**
 * What a `task` action makes, `tasks` tasks and `links` outputs having been made so far: the next late task, linked
 * to what its link names now, or `null` once every task is made ("task none"). The runner and the model both read it.
 */
export function nextLateTask(p: Program, tasks: number, links: number): { i: number; link: SigRef | undefined } | null {
  if (tasks === p.tasks.length) return null;
  const ref = p.tasks[tasks]!.link;
  return { i: tasks, link: ref === undefined ? undefined : resolveLateLink(ref, links, tasks) };
}

/**
 * The signal a `settle` action's `SourceError` is read from when it runs (its `s`), `cancelled` telling, for each task
 * made so far, whether it has been cancelled: a task's signal `{ t }` names one of the cancelled tasks (`t` modulo
 * them), if any, as a `fetch` given a task's signal rejects once that signal has aborted; otherwise, and for any other
 * signal, what `resolveSig` resolves.
 */
export function resolveRejectSig(ref: SigRef, links: number, cancelled: readonly boolean[]): SigRef {
  const ready = cancelled.flatMap((c, i) => (c ? [i] : []));
  return 't' in ref && ready.length > 0
    ? { t: ready[ref.t % ready.length]! }
    : resolveSig(ref, links, cancelled.length);
}

/**
 * The task a normalized action's task number names when it is used, `tasks` tasks having been made so far (the
 * early ones, then the late ones in order): itself if it is made, else that number modulo those made.
 */
export function resolveTask(t: number, tasks: number): number {
  return t < tasks ? t : t % tasks;
}

/**
 * A consumer's spec with its signal and its tasks resolved (`resolveSig`, `resolveTask`) when it subscribes; a plain
 * Observable `Q<t>` exists from the start (task t's Subject), whether task t is made or not.
 */
export function resolveConsumer(c: ConsumerSpec, links: number, tasks: number): ConsumerSpec {
  const s = 's' in c && c.s !== undefined ? { s: resolveSig(c.s, links, tasks) } : {};
  if ('ts' in c) {
    const ts = c.ts.map((p): Participant => (typeof p === 'number' ? resolveTask(p, tasks) : p));
    return { ...c, ts, ...s };
  }
  return { ...c, ...(c.q !== true && { t: resolveTask(c.t, tasks) }), ...s };
}
