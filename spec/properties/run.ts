/**
 * Runs a normalized program against the real package and records everything
 * the model predicts (the log, awaitTask outcomes, final states, unhandled
 * errors) plus what the generic invariants need (per-consumer notifications
 * with the state of the world when each arrived, cancel() results, source
 * subscription counts, thrown errors).
 */
import {
  config,
  from,
  Observable,
  observable,
  Subject,
  tap,
  type ObservableInput,
  type Observer,
  type Subscription,
} from 'rxjs';
import {
  awaitTask,
  cancelWhen,
  detectCancel,
  linkSignals,
  shield,
  task,
  Task,
  whenAllCancellable,
  whenAnyCancellable,
  type LinkedSignal,
  type TaskOptions,
} from '../../src';
import { fmtConsumer, fmtErr, fmtLink, fmtReason, fmtTask, fmtTeardownEnd, fmtVal } from './format';
import {
  DEFERRED,
  resolveConsumer,
  resolveRejectSig,
  nextLateTask,
  resolveSig,
  resolveTask,
  type Action,
  type ConsumerSpec,
  type LinkSpec,
  type OddThen,
  type OtherInput,
  type Participant,
  type Program,
  type SigRef,
  type SourceError,
} from './program';

export interface Notification {
  seq: number;
  kind: 'next' | 'error' | 'complete';
  value: unknown;
  /** The consumer's own signal (cancelWhen, combinators) had aborted when this arrived. */
  ownAborted: boolean;
  /** State of the task the consumer observes directly (plain, detect, shield), when this arrived. */
  taskState: string | undefined;
  /** Arrived while `subscribe()` was still running (replay, synchronous start). */
  duringSubscribe: boolean;
  /** Probes whose subscribe function was still running when this arrived. */
  probesSubscribing: number[];
}

export interface RunConsumer {
  idx: number;
  spec: ConsumerSpec;
  signal: AbortSignal | undefined;
  subscription: Subscription | null;
  ready: boolean;
  pendingUnsub: boolean;
  reacted: boolean;
  /** Log position where its unsubscribe() actually ran (Infinity: never). */
  unsubSeq: number;
  /** Whether its signal had aborted when it subscribed, and the tasks that had ended by then. */
  abortedAtSubscribe: boolean;
  endedAtSubscribe: ReadonlySet<Task<string>>;
  notifications: Notification[];
  outcome?: string;
}

export interface CancelCall {
  t: number;
  reason: string;
  result: boolean;
  stateBefore: string;
}

/** An action a probe's teardown performed (`teardownAct`), and the log lines it spans. */
export interface TeardownAct {
  t: number;
  act: Action;
  /** Log position of its first line (the action's own), and of the teardown's `returns`/`throws` line. */
  from: number;
  to: number;
  /** An `abort` action found its controller live. */
  liveAbort: boolean;
}

/** An `error` action with a `SourceError` (program.ts): what it errored the Subject with, and what it found. */
export interface SourceFail {
  t: number;
  how: SourceError;
  /** Task t's options.signal had aborted (the error carries its reason). */
  aborted: boolean;
  /** Task t was running on its probe, subscribed to the Subject: the error reached its body. */
  reached: boolean;
  /** Task t's state once the error was delivered. */
  stateAfter: string;
}

export interface BodyError {
  t: number;
  error: unknown;
  ownState: string;
}

export interface Run {
  program: Program;
  log: string[];
  awaits: Record<number, string>;
  final: string[];
  unhandled: string[];
  // for the invariants
  tasks: Task<string>[];
  controllers: AbortController[];
  /** The `linkSignals` results, in the program's order. */
  links: LinkedSignal[];
  consumers: RunConsumer[];
  cancels: CancelCall[];
  probeSubscriptions: number[];
  probeTeardowns: number[];
  /** Log position of each probe's teardown (-1: none). */
  probeTeardownSeq: number[];
  factoryCalls: number[];
  started: boolean[];
  bodyErrors: BodyError[];
  thrown: string[];
  unhandledRaw: unknown[];
  /** Actions performed re-entrantly: by a consumer's handler, or by an abort listener. */
  reentrant: string[];
  /** Probes whose subscriber was closed before their subscribe function returned. */
  closedWhileSubscribing: number;
  /** `unlink()` calls made while their output had not aborted. */
  liveUnlinks: number;
  /** The actions probes' teardowns performed, in the order they started. */
  teardownActs: TeardownAct[];
  /** How each `linkSignals` output was made, in the program's order. */
  linksMade: LinkMade[];
  /** Per plain Observable `Q<i>`: its subscriptions, each with how many times it was torn down. */
  qSubscriptions: number[][];
  /** The `error` actions with a `SourceError`, in the order they ran. */
  sourceFails: SourceFail[];
  /** The log's length once the program's actions were done; what follows ran in microtasks (promise participants). */
  syncEnd: number;
  /** How each task was made (only those made: `tasks` is as long), in the program's order. */
  tasksMade: TaskMade[];
  /**
   * The promises a run made that nobody handled by its end: Node's `unhandledRejection`s (`Tracked`), sorted. The
   * model predicts them: a rejected promise that no one subscribed and the package did not drop.
   */
  rejections: string[];
  /** Every promise the program made (`D<d>` first, then in the order they were made), and how it was used. */
  promises: MadePromise[];
  /** Every thenable that is not a native promise the program made (`OtherInput`), and how often its `then` ran. */
  thenables: MadeThenable[];
  /** The `ReadableStream`s whose underlying source was cancelled (`RS<k> cancel`), sorted. */
  streams: string[];
}

/** A thenable the program made (`{ then, sync }`): for `k`, whether it rejects, and how many calls its `then` had. */
export interface MadeThenable {
  k: string;
  ok: boolean;
  sync: boolean;
  calls: number;
  /** How it misbehaves, if it does. */
  odd?: OddThen | undefined;
}

/** A promise the program made (`OtherInput`): for `k` (`T<i>`, `X<idx>`, a participant's index, `D<d>`). */
export interface MadePromise {
  k: string;
  promise: { used: boolean; subscribed: boolean };
  /** It rejected (with `rejected`, which may be `undefined`: a signal's reason before it aborts). */
  didReject: boolean;
  rejected: unknown;
}

/** A task: made before the actions, or by a `task` action (top-level, or re-entrantly), linked to `link`. */
export interface TaskMade {
  where: 'before' | 'top' | 'reentrant';
  /** Its `options.signal`, resolved when it was made. */
  link: SigRef | undefined;
  /** Made by `startTask`. */
  start: boolean;
  /** Its `options.signal` had aborted: the task was cancelled when it was made. */
  cancelledAtOnce: boolean;
}

/** A `linkSignals` output: before the actions, or by a `link` action (top-level, or re-entrantly). */
export interface LinkMade {
  where: 'before' | 'top' | 'reentrant';
  inputs: number;
  /** An input had aborted: the output was aborted when it was made. */
  abortedAtOnce: boolean;
  /** Log position of its `link` line (-1: made before the actions). */
  seq: number;
}

export async function execute(program: Program): Promise<Run> {
  const runner = new Runner(program);
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => runner.unhandledRaw.push(error);
  try {
    runner.run();
    runner.syncEnd = runner.log.length;
    // Promise participants are heard in microtasks, and what they cause may report an error; a macrotask first, so
    // that every microtask has run (and scheduled its reports) before the timer that waits for the reports.
    await new Promise((resolve) => setImmediate(resolve));
    // RxJS and the package report asynchronously (setTimeout); awaitTask settles in microtasks.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    config.onUnhandledError = previous;
  }
  return runner.result();
}

/**
 * A native promise (its tag is `Promise`: the package drops it as any other) that records whether anyone called its
 * `then` (RxJS's `from` subscribing it; `catch`, which the package's drop calls, calls `then`). The runner handles
 * its rejection itself from the start, through the intrinsic `then`, so that Node never reports it (under Jest an
 * unhandled rejection fails the test, whatever listens to it); `used` is what Node's rule reads instead: a promise
 * rejected that nobody handled by the end of the run would be an `unhandledRejection` (every handler of the run is
 * added in its one synchronous run or in the microtasks that follow, before Node looks).
 */
class Tracked<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  used = false;
  /** `then` with a fulfilment callback: subscribed (RxJS's `from`); without one: dropped (`catch`). */
  subscribed = false;
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.used = true;
    if (onfulfilled != null) this.subscribed = true;
    return super.then(onfulfilled, onrejected);
  }
}

/** The error Node's APIs reject with when their signal aborts: an `Error` named `AbortError`, the reason its cause. */
function abortError(cause: unknown): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', cause });
}

class Runner {
  readonly log: string[] = [];
  readonly tasks: Task<string>[] = [];
  readonly controllers: AbortController[];
  readonly links: LinkedSignal[] = [];
  readonly subjects: Subject<string>[];
  readonly consumers: RunConsumer[] = [];
  readonly cancels: CancelCall[] = [];
  readonly probeSubscriptions: number[];
  readonly probeTeardowns: number[];
  readonly probeTeardownSeq: number[];
  readonly factoryCalls: number[];
  readonly started: boolean[];
  readonly bodyErrors: BodyError[] = [];
  readonly thrown: string[] = [];
  readonly unhandledRaw: unknown[] = [];
  readonly subscribing: number[] = [];
  readonly reentrant: string[] = [];
  readonly teardownActs: TeardownAct[] = [];
  readonly linksMade: LinkMade[] = [];
  readonly sourceFails: SourceFail[] = [];
  readonly tasksMade: TaskMade[] = [];
  /** Every promise the program made, and whether it rejected (its handling is `Tracked`). */
  readonly promises: (MadePromise & { promise: Tracked<string> })[] = [];
  readonly thenables: MadeThenable[] = [];
  /** `RS<k> cancel` for each `ReadableStream` whose underlying source was cancelled (RxJS's `return()`). */
  readonly streamsCancelled: string[] = [];
  /** The deferred promises `D<d>` (program.ts, `OtherInput`), and what settles each. */
  readonly deferred = Array.from({ length: DEFERRED + 1 }, (_, d) => {
    let resolve!: (value: string) => void;
    let reject!: (error: unknown) => void;
    const promise = this.track(
      new Tracked<string>((res, rej) => {
        resolve = res;
        reject = rej;
      }),
      `D${d}`,
    );
    return { promise, resolve, reject };
  });
  /** Each task's options.signal (undefined: none). */
  readonly linked: (AbortSignal | undefined)[] = [];
  /** The Subjects that have ended (an `error` or `complete` action ran). */
  readonly ended: boolean[];
  /** The plain Observables `Q<i>` (program.ts, `Participant`), and each one's subscriptions' teardown counts. */
  readonly qs: Observable<string>[];
  readonly qSubscriptions: number[][];
  closedWhileSubscribing = 0;
  liveUnlinks = 0;
  /** The log's length once the actions were done (what follows ran in microtasks: promise participants). */
  syncEnd = 0;
  readonly indexOf = (t: unknown): number => this.tasks.indexOf(t as Task<string>);

  constructor(private readonly p: Program) {
    const n = p.tasks.length;
    this.controllers = p.preAborted.map((pre, k) => {
      const c = new AbortController();
      if (pre) c.abort(`pre${k}`);
      return c;
    });
    this.subjects = p.tasks.map(() => new Subject<string>());
    this.ended = p.tasks.map(() => false);
    this.qSubscriptions = p.tasks.map(() => []);
    this.qs = p.tasks.map((_, i) => this.plainSource(i));
    this.probeSubscriptions = new Array<number>(n).fill(0);
    this.probeTeardowns = new Array<number>(n).fill(0);
    this.probeTeardownSeq = new Array<number>(n).fill(-1);
    this.factoryCalls = new Array<number>(n).fill(0);
    this.started = new Array<boolean>(n).fill(false);
    const links = p.links ?? [];
    // the links made once `at` tasks exist, before task `at`
    const makeLinks = (at: number) => {
      while (this.links.length < links.length && links[this.links.length]!.at === at)
        this.makeLink(links[this.links.length]!, 'before');
    };
    makeLinks(0);
    for (let i = 0; i < (p.early ?? n); i++) {
      this.makeTask(p.tasks[i]!.link, 'before');
      makeLinks(i + 1);
    }
  }

  /** Task `tasks.length`, linked to `link` (resolved), by `task()`, then started (`start`: `startTask()`). */
  private makeTask(link: SigRef | undefined, where: TaskMade['where'], start = false): void {
    const i = this.tasks.length;
    const spec = this.p.tasks[i]!;
    const options: TaskOptions = { name: `T${i}`, refCount: spec.refCount };
    if (link !== undefined) options.signal = this.signal(link);
    this.linked.push(options.signal);
    const probe = this.probe(i, link !== undefined && !('c' in link));
    const body = spec.body;
    let t: Task<string>;
    if (body.b === 'source') {
      t = task(probe, options);
    } else if (body.b === 'input' && !body.factory) {
      t = task(this.makeInput(body.input, `T${i}`), options);
    } else if (body.b === 'input') {
      t = task(() => {
        this.log.push(`T${i} factory`);
        this.factoryCalls[i]!++;
        const input = this.makeInput(body.input, `T${i}`);
        if (body.selfCancel) this.doCancel(i, `self${i}`);
        return input;
      }, options);
    } else if (body.b === 'factory') {
      t = task((signal) => {
        this.log.push(`T${i} factory`);
        this.factoryCalls[i]!++;
        const listener = body.listener;
        if (listener !== undefined) {
          signal.addEventListener(
            'abort',
            () => {
              this.log.push(`T${i} listener`);
              this.reentrant.push(`listener:${listener.a}`);
              this.perform(listener);
            },
            { once: true },
          );
        }
        if (body.selfCancel) this.doCancel(i, `self${i}`);
        if (body.throws) {
          // a running task errors with it (consumers hear it); a cancelled one has nobody left: it is reported
          if (this.tasks[i]!.state !== 'running') this.thrown.push(`F${i}`);
          throw new Error(`F${i}`);
        }
        return probe;
      }, options);
    } else {
      t = task(() => {
        this.factoryCalls[i]!++;
        const child = this.tasks[body.j]!;
        const source =
          body.mode === 'plain' ? child : body.mode === 'detect' ? child.pipe(detectCancel()) : child.pipe(shield());
        return source.pipe(
          tap({
            next: (v) => this.log.push(`T${i}.body next ${fmtVal(v)}`),
            error: (e) => {
              this.bodyErrors.push({ t: i, error: e, ownState: this.tasks[i]!.state });
              this.log.push(`T${i}.body error ${fmtErr(e, this.indexOf)}`);
            },
            complete: () => this.log.push(`T${i}.body complete`),
          }),
        );
      }, options);
    }
    this.tasks.push(t);
    this.tasksMade.push({ where, link, start, cancelledAtOnce: t.state === 'cancelled' });
    // what startTask does; the task is known by then to what its start runs (a teardown, a listener, a factory)
    if (start) t.start();
  }

  /** `linkSignals(...inputs)`, and the abort listener the program places on its output. */
  private makeLink(spec: Pick<LinkSpec, 'inputs' | 'listener'>, where: LinkMade['where']): void {
    const k = this.links.length;
    const link = linkSignals(...spec.inputs.map((s) => this.signal(s)));
    this.links.push(link);
    this.linksMade.push({
      where,
      inputs: spec.inputs.length,
      abortedAtOnce: link.signal.aborted,
      seq: where === 'before' ? -1 : this.log.length - 1,
    });
    const listener = spec.listener;
    if (listener !== undefined) {
      link.signal.addEventListener(
        'abort',
        () => {
          this.log.push(`L${k} listener`);
          this.reentrant.push(`output listener:${listener.a}`);
          this.perform(listener);
        },
        { once: true },
      );
    }
  }

  /**
   * Task i's source: a Subject-driven Observable that logs its subscription and teardown; `onAbort`: its task's
   * options.signal is a task's or an output's, where the probe places its `onAbort`, if it has one.
   */
  private probe(i: number, onAbortPlaced: boolean): Observable<string> {
    const spec = this.p.tasks[i]!;
    return new Observable<string>((subscriber) => {
      this.log.push(`P${i} sub`);
      this.started[i] = true;
      this.probeSubscriptions[i]!++;
      this.subscribing.push(i);
      const onAbort = spec.onAbort;
      if (onAbort !== undefined && onAbortPlaced) {
        // on options.signal (normalize keeps it only on a task's signal or an output; a late task's output is a
        // controller while no output exists)
        this.linked[i]!.addEventListener(
          'abort',
          () => {
            this.log.push(`T${i} onAbort`);
            this.reentrant.push(`onAbort:${onAbort.a}`);
            this.perform(onAbort);
          },
          { once: true },
        );
      }
      if (spec.syncValue) subscriber.next(`s${i}`);
      const inner = this.subjects[i]!.subscribe(subscriber);
      this.subscribing.splice(this.subscribing.lastIndexOf(i), 1);
      if (subscriber.closed) this.closedWhileSubscribing++;
      return () => {
        inner.unsubscribe();
        this.probeTeardownSeq[i] = this.log.length;
        this.log.push(`P${i} teardown`);
        this.probeTeardowns[i]!++;
        const act = spec.teardownAct;
        if (act !== undefined) {
          // the action runs first; a teardown that also throws throws once it is done
          const liveAbort = act.a === 'abort' && !this.controllers[act.k]!.signal.aborted;
          const record: TeardownAct = { t: i, act, from: this.log.length, to: -1, liveAbort };
          this.teardownActs.push(record);
          this.reentrant.push(`teardown:${act.a}`);
          this.perform(act);
          record.to = this.log.length;
          this.log.push(fmtTeardownEnd(i, spec.teardownThrows));
        }
        if (spec.teardownThrows) {
          this.thrown.push(`D${i}`);
          throw new Error(`D${i}`);
        }
      };
    });
  }

  /** Handles a promise's rejection for the runner (the intrinsic `then`: not a use), and records it. */
  private track(promise: Tracked<string>, k: string): Tracked<string> {
    const made = { k, promise, didReject: false, rejected: undefined as unknown };
    this.promises.push(made);
    Promise.prototype.then.call(promise, undefined, (e: unknown) => {
      made.didReject = true;
      made.rejected = e;
    });
    return promise;
  }

  /** Another input (program.ts, `OtherInput`), made now; `k` names its values and its error. */
  makeInput(o: OtherInput, k: string): ObservableInput<string> {
    if ('d' in o) return this.deferred[o.d]!.promise;
    if ('p' in o) {
      const promise = o.p === 'resolve' ? Tracked.resolve(`p${k}`) : Tracked.reject(new Error(`J${k}`));
      return this.track(promise as Tracked<string>, k);
    }
    const log = this.log;
    if ('then' in o) return this.thenable(o, k);
    const values = Array.from(
      { length: 'arr' in o ? o.arr : 'gen' in o ? o.gen : 'agen' in o ? o.agen : 'rs' in o ? o.rs : o.iop },
      (_, j) => `a${k}_${j}`,
    );
    if ('arr' in o) return values;
    if ('rs' in o) {
      const { end } = o;
      const cancelled = this.streamsCancelled;
      return new ReadableStream<string>({
        start(controller) {
          for (const v of values) controller.enqueue(v);
          if (end === 'close') controller.close();
          else if (end === 'error') controller.error(new Error(`S${k}`));
        },
        cancel: () => void cancelled.push(`RS${k} cancel`),
      }) as unknown as ObservableInput<string>;
    }
    if ('iop' in o) {
      // a minimal observable, as another library makes one: it does not look at its observer's `closed`
      return {
        [observable]: () => ({
          subscribe(observer: Observer<string>) {
            log.push(`O${k} sub`);
            for (const v of values) observer.next(v);
            observer.complete();
            return { unsubscribe: () => log.push(`O${k} unsub`) };
          },
        }),
      } as unknown as ObservableInput<string>;
    }
    if ('agen' in o) {
      return (async function* generate() {
        let done = false;
        try {
          for (const v of values) yield v;
          done = true;
        } finally {
          log.push(`AG${k} ${done ? 'done' : 'return'}`);
        }
      })();
    }
    return (function* generate() {
      let done = false;
      try {
        yield* values;
        done = true;
      } finally {
        log.push(`G${k} ${done ? 'done' : 'return'}`);
      }
    })();
  }

  /**
   * A thenable that is not a native promise (`H<k>`): a `PromiseLike` whose `then` settles with the callback's result (a
   * callback that throws rejects it), in the call (`sync`) or a microtask later; unless it misbehaves (`OddThen`): it
   * never calls back, calls back twice (the second time at once, or, `apart`, in a microtask the first call-back
   * queues), or its `then` throws `Z<k>` (after calling back inside the call when `sync`; else having queued its
   * call-back in a microtask first).
   */
  private thenable(o: Extract<OtherInput, { then: unknown }>, k: string): ObservableInput<string> {
    const made: MadeThenable = { k, ok: o.then === 'resolve', sync: o.sync, calls: 0, odd: o.odd };
    this.thenables.push(made);
    const log = this.log;
    return {
      then(onFulfilled?: (value: string) => unknown, onRejected?: (error: unknown) => unknown): Promise<unknown> {
        made.calls++;
        log.push(`H${k} then`);
        if (o.odd === 'never') return new Promise(() => {});
        const call = (ok: boolean) => (ok ? onFulfilled?.(`h${k}`) : onRejected?.(new Error(`I${k}`)));
        if (o.odd === 'throw') {
          if (o.sync) call(made.ok);
          else queueMicrotask(() => call(made.ok));
          throw new Error(`Z${k}`);
        }
        return new Promise((resolve, reject) => {
          const settle = () => {
            try {
              resolve(call(made.ok));
              if (o.odd === 'twice' && o.apart === true) queueMicrotask(() => call(o.again === 'resolve'));
              else if (o.odd === 'twice') call(o.again === 'resolve');
            } catch (e) {
              reject(e);
            }
          };
          if (made.sync) settle();
          else queueMicrotask(settle);
        });
      },
    } as PromiseLike<string>;
  }

  /** `Q<i>`: a cold Observable over task i's Subject, given to consumers directly (not a task). */
  private plainSource(i: number): Observable<string> {
    const spec = this.p.tasks[i]!;
    return new Observable<string>((subscriber) => {
      this.log.push(`Q${i} sub`);
      const n = this.qSubscriptions[i]!.push(0) - 1;
      if (spec.syncValue) subscriber.next(`q${i}`);
      const inner = this.subjects[i]!.subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        this.log.push(`Q${i} teardown`);
        this.qSubscriptions[i]![n]!++;
      };
    });
  }

  signal(ref: SigRef): AbortSignal {
    return 'c' in ref
      ? this.controllers[ref.c]!.signal
      : 't' in ref
        ? this.tasks[ref.t]!.signal
        : this.links[ref.l]!.signal;
  }

  run(): void {
    for (const a of this.p.actions) this.perform(a);
  }

  result(): Run {
    const final = this.tasks.map((t, i) => {
      const aborted = t.signal.aborted;
      const state = t.state;
      const cancelled = state === 'cancelled' ? ` ${fmtErr(t.signal.reason, this.indexOf)}` : '';
      const mismatch = aborted !== (state === 'cancelled') ? ' SIGNAL-MISMATCH' : '';
      return `T${i} ${state}${cancelled}${mismatch}`;
    });
    this.links.forEach(({ signal }, k) =>
      final.push(`L${k} ${signal.aborted ? `aborted ${fmtReason(signal.reason, this.indexOf)}` : 'live'}`),
    );
    const awaits: Record<number, string> = {};
    for (const x of this.consumers) if (x.outcome !== undefined) awaits[x.idx] = x.outcome;
    const unhandled: string[] = [];
    for (const e of this.unhandledRaw) {
      const text = fmtErr(e, this.indexOf);
      const m = /^Unsub\[(.*)\]$/.exec(text);
      unhandled.push(...(m ? m[1]!.split(',') : [text]));
    }
    return {
      program: this.p,
      log: this.log,
      awaits,
      final,
      unhandled: unhandled.sort(),
      tasks: this.tasks,
      controllers: this.controllers,
      links: this.links,
      consumers: this.consumers,
      cancels: this.cancels,
      probeSubscriptions: this.probeSubscriptions,
      probeTeardowns: this.probeTeardowns,
      probeTeardownSeq: this.probeTeardownSeq,
      factoryCalls: this.factoryCalls,
      started: this.started,
      bodyErrors: this.bodyErrors,
      thrown: this.thrown.slice().sort(),
      unhandledRaw: this.unhandledRaw,
      reentrant: this.reentrant,
      closedWhileSubscribing: this.closedWhileSubscribing,
      liveUnlinks: this.liveUnlinks,
      teardownActs: this.teardownActs,
      linksMade: this.linksMade,
      qSubscriptions: this.qSubscriptions,
      sourceFails: this.sourceFails,
      tasksMade: this.tasksMade,
      syncEnd: this.syncEnd,
      // a promise rejected that no one subscribed and the package did not drop (docs/semantics.md: it gets a
      // rejection handler only where the package took it and knows it never subscribes it)
      rejections: this.promises
        .filter((m) => m.didReject && !m.promise.used)
        .map((m) => fmtErr(m.rejected, this.indexOf))
        .sort(),
      promises: this.promises,
      thenables: this.thenables,
      streams: this.streamsCancelled.slice().sort(),
    };
  }

  doCancel(i: number, reason: string): void {
    this.log.push(`cancel T${i} ${reason}`);
    const t = this.tasks[i]!;
    const stateBefore = t.state;
    const result = t.cancel(reason);
    this.cancels.push({ t: i, reason, result, stateBefore });
    this.log.push(`cancel T${i} -> ${String(result)}`);
  }

  perform(a: Action): void {
    switch (a.a) {
      case 'sub':
        this.subscribe(a.c);
        return;
      case 'unsub': {
        if (this.consumers.length === 0) {
          this.log.push('unsub none');
          return;
        }
        const x = this.consumers[a.x % this.consumers.length]!;
        this.log.push(`unsub X${x.idx}`);
        if (!x.ready) x.pendingUnsub = true;
        else this.unsubscribe(x);
        return;
      }
      case 'cancel':
        this.doCancel(resolveTask(a.t, this.tasks.length), `r${a.id}`);
        return;
      case 'start': {
        const i = resolveTask(a.t, this.tasks.length);
        this.log.push(`start T${i}`);
        this.tasks[i]!.start();
        return;
      }
      case 'abort':
        this.log.push(`abort C${a.k}`);
        this.controllers[a.k]!.abort(`a${a.id}`);
        return;
      case 'next':
        this.log.push(`next T${a.t} v${a.id}`);
        this.subjects[a.t]!.next(`v${a.id}`);
        return;
      case 'complete':
        this.log.push(`complete T${a.t}`);
        this.ended[a.t] = true;
        this.subjects[a.t]!.complete();
        return;
      case 'error': {
        const signal = this.linked[a.t];
        const error = a.how === undefined ? new Error(`E${a.id}`) : this.sourceError(a.id, signal, a.how);
        this.log.push(`error T${a.t} ${fmtErr(error, this.indexOf)}`);
        // task t may not be made yet: its Subject exists from the start
        const t = this.tasks[a.t] as Task<string> | undefined;
        const body = this.p.tasks[a.t]!.body.b;
        const reached =
          !this.ended[a.t] &&
          t?.state === 'running' &&
          (body === 'source' || body === 'factory') &&
          this.probeSubscriptions[a.t]! > this.probeTeardowns[a.t]!;
        this.ended[a.t] = true;
        this.subjects[a.t]!.error(error);
        if (a.how !== undefined) {
          this.sourceFails.push({
            t: a.t,
            how: a.how,
            aborted: signal?.aborted === true,
            reached,
            stateAfter: t?.state ?? 'not made',
          });
        }
        return;
      }
      case 'unlink': {
        if (this.links.length === 0) {
          this.log.push('unlink none');
          return;
        }
        const l = a.l % this.links.length;
        const link = this.links[l]!;
        this.log.push(`unlink L${l}`);
        if (!link.signal.aborted) this.liveUnlinks++;
        link.unlink();
        return;
      }
      case 'link': {
        const inputs = a.inputs.map((ref) => resolveSig(ref, this.links.length, this.tasks.length));
        this.log.push(fmtLink(this.links.length, inputs));
        this.makeLink(
          { inputs, ...(a.listener && { listener: a.listener }) },
          this.p.actions.includes(a) ? 'top' : 'reentrant',
        );
        return;
      }
      case 'task': {
        const late = nextLateTask(this.p, this.tasks.length, this.links.length);
        if (late === null) {
          this.log.push(fmtTask(null, undefined, a.start === true));
          return;
        }
        const { i, link } = late;
        this.log.push(fmtTask(i, link, a.start === true));
        this.makeTask(link, this.p.actions.includes(a) ? 'top' : 'reentrant', a.start === true);
        return;
      }
      case 'settle': {
        const d = this.deferred[a.d]!;
        if (a.ok) {
          this.log.push(`resolve D${a.d}`);
          d.resolve(`r${a.id}`);
          return;
        }
        // with `how`, what an `error` action errors the Subject of a task linked to signal s with, read now (the line
        // shows it)
        const error =
          a.how === undefined
            ? new Error(`K${a.id}`)
            : this.sourceError(
                a.id,
                this.signal(
                  resolveRejectSig(
                    a.s!,
                    this.links.length,
                    this.tasks.map((t) => t.state === 'cancelled'),
                  ),
                ),
                a.how,
              );
        this.log.push(`reject D${a.d}${a.how === undefined ? '' : ` ${fmtErr(error, this.indexOf)}`}`);
        d.reject(error);
        return;
      }
      case 'throw':
        this.log.push(`throw U${a.id}`);
        this.thrown.push(`U${a.id}`);
        throw new Error(`U${a.id}`);
    }
  }

  /**
   * What a source fails with for a `SourceError` (program.ts), read now from `signal` (none: as one that has not
   * aborted): its reason (`undefined` until it aborts), an `AbortError` caused by it, or one caused by `o<id>`. An
   * `error` action errors task t's Subject with it (`signal`: the one task t is linked to, if it is made), a `settle`
   * action rejects its deferred promise with it (`signal`: its own, `s`).
   */
  private sourceError(id: number, signal: AbortSignal | undefined, how: SourceError): unknown {
    const reason: unknown = signal?.reason;
    return how === 'reason' ? reason : abortError(how === 'abortReason' ? reason : `o${id}`);
  }

  unsubscribe(x: RunConsumer): void {
    const s = x.subscription;
    if (s === null || s.closed) return;
    x.unsubSeq = this.log.length;
    s.unsubscribe();
  }

  subscribe(raw: ConsumerSpec): void {
    const spec = resolveConsumer(raw, this.links.length, this.tasks.length);
    const x: RunConsumer = {
      idx: this.consumers.length,
      spec,
      signal: 's' in spec && spec.s !== undefined ? this.signal(spec.s) : undefined,
      subscription: null,
      ready: false,
      pendingUnsub: false,
      reacted: false,
      unsubSeq: Infinity,
      notifications: [],
      abortedAtSubscribe: false,
      endedAtSubscribe: new Set(this.tasks.filter((t) => t.state !== 'pending' && t.state !== 'running')),
    };
    x.abortedAtSubscribe = x.signal?.aborted === true;
    this.consumers.push(x);
    this.log.push(`sub X${x.idx} ${fmtConsumer(spec)}`);
    const observer: Observer<unknown> = {
      next: (v) => this.notify(x, 'next', v),
      error: (e) => this.notify(x, 'error', e),
      complete: () => this.notify(x, 'complete', undefined),
    };
    const options = x.signal === undefined ? undefined : { signal: x.signal };
    // another input is made for this subscription (program.ts, `OtherInput`)
    const other = 'o' in spec && spec.o !== undefined ? this.makeInput(spec.o, `X${x.idx}`) : undefined;
    // the consumer's source: task t, the plain Observable Q<t>, or `from()` of another input
    const source = (): Observable<string> =>
      other !== undefined
        ? from(other)
        : 'q' in spec && spec.q === true
          ? this.qs[spec.t]!
          : this.tasks[(spec as { t: number }).t]!;
    // given directly to detectCancel(source), shield(source), awaitTask(source)
    const given = (): ObservableInput<string> => other ?? source();
    const participants = (ts: readonly Participant[]) =>
      ts.map((p, k): ObservableInput<string> => {
        if (typeof p === 'number') return this.tasks[p]!;
        if ('q' in p) return this.qs[p.q]!;
        return this.makeInput(p, `${k}`);
      });
    switch (spec.kind) {
      case 'plain':
        x.subscription = this.tasks[spec.t]!.subscribe(observer);
        break;
      case 'detect':
        x.subscription = (spec.form === 'call' ? detectCancel(given()) : source().pipe(detectCancel())).subscribe(
          observer,
        );
        break;
      case 'shield':
        x.subscription = (spec.form === 'call' ? shield(given()) : source().pipe(shield())).subscribe(observer);
        break;
      case 'cancelWhen':
        x.subscription = source().pipe(cancelWhen(x.signal!)).subscribe(observer);
        break;
      case 'all':
        x.subscription = whenAllCancellable(participants(spec.ts), options).subscribe(observer);
        break;
      case 'any':
        x.subscription = whenAnyCancellable(participants(spec.ts), options).subscribe(observer);
        break;
      case 'await':
        awaitTask(given(), { shield: spec.shield, ...options }).then(
          (v) => (x.outcome = `resolve ${fmtVal(v)}`),
          (e: unknown) => (x.outcome = `reject ${fmtErr(e, this.indexOf)}`),
        );
        break;
    }
    x.ready = true;
    if (x.pendingUnsub) this.unsubscribe(x);
  }

  private notify(x: RunConsumer, kind: 'next' | 'error' | 'complete', value: unknown): void {
    const direct =
      (x.spec.kind === 'plain' || x.spec.kind === 'detect' || x.spec.kind === 'shield') &&
      x.spec.q !== true &&
      x.spec.o === undefined;
    x.notifications.push({
      seq: this.log.length,
      kind,
      value,
      ownAborted: x.signal?.aborted === true,
      taskState: direct ? this.tasks[(x.spec as { t: number }).t]!.state : undefined,
      duringSubscribe: !x.ready,
      probesSubscribing: this.subscribing.slice(),
    });
    const shown = kind === 'next' ? ` ${fmtVal(value)}` : kind === 'error' ? ` ${fmtErr(value, this.indexOf)}` : '';
    this.log.push(`X${x.idx} ${kind}${shown}`);
    const r = 'react' in x.spec ? x.spec.react : undefined;
    if (r !== undefined && !x.reacted && r.on === kind) {
      x.reacted = true;
      this.reentrant.push(`${r.on}:${r.act.a}`);
      this.perform(r.act);
    }
  }
}
