/**
 * Complexity guards (issue 5, part 4). Counts, never clocks:
 *  - work: while cancelling or ending N linked tasks, every element an Array
 *    method scans (indexOf, splice, shift, …: what a hidden O(N) step inside
 *    an O(N) loop costs) is counted, with abort-listener registrations and
 *    teardown calls. Ten times the tasks may cost at most twelve times the
 *    work, and a foreign signal gets one listener however many links it has.
 *  - depth: the deepest JS stack seen inside teardowns while a chain of
 *    linked tasks is cancelled from its root is the same at depth 10 and at
 *    depth 10,000 (propagation does not recurse once per level).
 *  - reachability: tasks, subscriptions and promises linked to a long-lived
 *    signal, once ended, are collected (WeakRef + a real GC) while the signal
 *    lives on, and its listener count is back at its baseline.
 *
 * GC: `npm run test:unit` runs jest under `node --expose-gc`, which the
 * workers inherit; under a plain `npx jest` the flag is turned on at run time
 * and `gc` taken from a fresh VM context. If neither gives a collector that
 * really collects, the test fails: it never skips.
 */
import { getEventListeners } from 'node:events';
import { config, forkJoin, NEVER, Observable, of, Subject, Subscription, throwError } from 'rxjs';
import {
  awaitTask,
  cancelWhen,
  detectCancel,
  linkSignals,
  startTask,
  task,
  whenAllCancellable,
  whenAnyCancellable,
  type Task,
} from '../src';
import { collect, collector } from './helpers';

// --- counting -------------------------------------------------------------

/** Array methods that visit up to `length` elements per call. */
const SCANNING = [
  'indexOf',
  'lastIndexOf',
  'includes',
  'splice',
  'shift',
  'unshift',
  'find',
  'findIndex',
  'filter',
  'some',
  'every',
] as const;

interface Work {
  /** elements the scanning Array methods could visit */
  scanned: number;
  /** addEventListener calls on any EventTarget (AbortSignals included) */
  listenersAdded: number;
  listenersRemoved: number;
  /** teardowns of the sources made by `counted()` */
  teardowns: number;
}

let current: Work | null = null;

/** Runs `fn` and counts the work it does (see `Work`). */
function measure(fn: () => void): Work {
  const work: Work = { scanned: 0, listenersAdded: 0, listenersRemoved: 0, teardowns: 0 };
  const arrayProto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = SCANNING.map((name) => [name, arrayProto[name]] as const);
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  for (const [name, original] of saved) {
    arrayProto[name] = function (this: unknown[], ...args: unknown[]) {
      work.scanned += this.length;
      return original.apply(this, args);
    };
  }
  EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<typeof addEventListener>) {
    work.listenersAdded++;
    return addEventListener.apply(this, args);
  };
  EventTarget.prototype.removeEventListener = function (
    this: EventTarget,
    ...args: Parameters<typeof removeEventListener>
  ) {
    work.listenersRemoved++;
    return removeEventListener.apply(this, args);
  };
  current = work;
  try {
    fn();
  } finally {
    current = null;
    for (const [name, original] of saved) arrayProto[name] = original;
    EventTarget.prototype.addEventListener = addEventListener;
    EventTarget.prototype.removeEventListener = removeEventListener;
  }
  return work;
}

/** A source that never ends by itself and counts its teardown. */
function counted<T = never>(): Observable<T> {
  return new Observable<T>(() => () => {
    if (current !== null) current.teardowns++;
  });
}

const observer = { next: () => undefined, error: () => undefined, complete: () => undefined };

/** work(10 N) ≤ 12 × work(N), for every counter; and the exact teardown count. */
function expectLinear(scenario: (n: number) => { run: () => void; teardowns?: number }): { small: Work; big: Work } {
  const N = 200;
  const setups = [scenario(N), scenario(10 * N)];
  const [small, big] = setups.map((s) => measure(s.run));
  for (const key of ['scanned', 'listenersAdded', 'listenersRemoved', 'teardowns'] as const) {
    expect({ counter: key, big: big[key] }).toEqual({ counter: key, big: expect.any(Number) });
    if (big[key] > 12 * Math.max(small[key], 1)) {
      throw new Error(`${key}: ${small[key]} at N=${N} but ${big[key]} at N=${10 * N}: grows faster than N`);
    }
  }
  if (setups[0]!.teardowns !== undefined) {
    expect(small.teardowns).toBe(setups[0]!.teardowns);
    expect(big.teardowns).toBe(setups[1]!.teardowns);
  }
  return { small, big };
}

function linkedChildren(n: number, signal: AbortSignal, readSignals = false): Task<never>[] {
  const children: Task<never>[] = [];
  for (let i = 0; i < n; i++) {
    const child = task(readSignals ? (own: AbortSignal) => (own.aborted ? counted() : counted()) : counted(), {
      signal,
    });
    child.subscribe(observer);
    children.push(child);
  }
  return children;
}

describe('complexity: work grows linearly with the number of linked tasks', () => {
  it('guards itself: it sees the quadratic work of forkJoin completing N inners one by one', () => {
    // each inner of forkJoin splices itself out of the parent's finalizers as it completes
    const [small, big] = [200, 2000].map((n) => {
      const subjects = Array.from({ length: n }, () => new Subject<number>());
      return measure(() => {
        forkJoin(subjects).subscribe(observer);
        subjects.forEach((subject, i) => {
          subject.next(i);
          subject.complete();
        });
      });
    });
    expect(big!.scanned).toBeGreaterThan(50 * small!.scanned);
  });

  it('parent.cancel() with N linked running children (signals not read)', () => {
    const { big } = expectLinear((n) => {
      const parent = startTask(counted());
      linkedChildren(n, parent.signal);
      return { run: () => parent.cancel('r'), teardowns: n + 1 };
    });
    expect(big.listenersAdded).toBe(0); // a task's signal is fired by the task, not through listeners
  });

  it('parent.cancel() with N linked running children that read their signals', () => {
    const { big } = expectLinear((n) => {
      const parent = startTask(counted());
      linkedChildren(n, parent.signal, true);
      return { run: () => parent.cancel('r'), teardowns: n + 1 };
    });
    expect(big.listenersAdded).toBe(0);
  });

  it('N tasks linked to a foreign signal: one listener, placed once, removed once', () => {
    const controller = new AbortController();
    const baseline = getEventListeners(controller.signal, 'abort').length;
    const link = measure(() => linkedChildren(2000, controller.signal));
    expect(link.listenersAdded).toBe(1);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(baseline + 1);
    const abort = measure(() => controller.abort('r'));
    expect(abort.teardowns).toBe(2000);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(baseline);
  });

  it('aborting a foreign signal with N linked tasks', () => {
    expectLinear((n) => {
      const controller = new AbortController();
      linkedChildren(n, controller.signal);
      return { run: () => controller.abort('r'), teardowns: n };
    });
  });

  it('N tasks linked to a foreign signal ending one by one (each leaves the link in O(1))', () => {
    const { big } = expectLinear((n) => {
      const controller = new AbortController();
      const children = linkedChildren(n, controller.signal);
      return { run: () => children.forEach((child) => child.cancel()), teardowns: n };
    });
    expect(big.listenersRemoved).toBe(1); // when the last one leaves
  });

  it('N tasks released by their last owner: one Subscription holding N task subscriptions', () => {
    expectLinear((n) => {
      const parent = startTask(counted());
      const group = new Subscription();
      for (let i = 0; i < n; i++) group.add(task(counted(), { signal: parent.signal }).subscribe(observer));
      return { run: () => group.unsubscribe(), teardowns: n };
    });
  });

  it('a chain of N nested linked tasks (each owned by its parent body) cancelled from the root', () => {
    expectLinear((n) => {
      const { tasks } = chain(n, 'nested');
      return { run: () => tasks[0]!.cancel('r'), teardowns: n };
    });
  });

  it('cancelWhen, awaitTask and linkSignals on one signal, N times each, then abort', () => {
    const { big } = expectLinear((n) => {
      const controller = new AbortController();
      for (let i = 0; i < n; i++) {
        counted().pipe(cancelWhen(controller.signal)).subscribe(observer);
        awaitTask(counted(), { signal: controller.signal }).catch(() => undefined);
        linkSignals(controller.signal);
      }
      return { run: () => controller.abort('r'), teardowns: 2 * n };
    });
    expect(big.listenersAdded).toBe(0); // all placed before, as one listener
  });

  it('whenAllCancellable: N participants, one fails', () => {
    expectLinear((n) => {
      const sources = [...Array.from({ length: n - 1 }, () => counted()), throwError(() => new Error('x'))];
      return { run: () => void whenAllCancellable(sources).subscribe(observer), teardowns: n - 1 };
    });
  });

  it('whenAllCancellable: N participants complete one by one', () => {
    expectLinear((n) => {
      const subjects = Array.from({ length: n }, () => new Subject<number>());
      return {
        run: () => {
          whenAllCancellable(subjects).subscribe(observer);
          subjects.forEach((subject, i) => {
            subject.next(i);
            subject.complete();
          });
        },
      };
    });
  });

  it('whenAllCancellable and whenAnyCancellable: N task participants, the caller signal aborts', () => {
    expectLinear((n) => {
      const controller = new AbortController();
      const all = Array.from({ length: n }, () => task(counted()));
      const any = Array.from({ length: n }, () => task(counted()));
      whenAllCancellable(all, { signal: controller.signal }).subscribe(observer);
      whenAnyCancellable(any, { signal: controller.signal }).subscribe(observer);
      return { run: () => controller.abort('r'), teardowns: 2 * n };
    });
  });
});

// --- depth ----------------------------------------------------------------

/** How many frames the JS stack has right here. */
function stackDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  return holder.stack!.split('\n').length - 1;
}

/**
 * tasks[i + 1] is linked to tasks[i].signal. 'nested': tasks[i]'s source also
 * subscribes tasks[i + 1] (it owns it); 'linked': each task runs on its own;
 * 'linked through linkSignals': the same, linked to `linkSignals(tasks[i].signal)`'s output.
 * Built and started from the leaf up, so that building it does not recurse.
 * Teardowns at a few levels record the stack depth.
 */
type ChainKind = 'nested' | 'linked' | 'linked through linkSignals';

function chain(depth: number, kind: ChainKind) {
  const tasks: Task<unknown>[] = new Array(depth);
  const probe = { maxStack: 0, teardowns: 0, sampled: new Set([0, 1, depth >> 1, depth - 2, depth - 1]) };
  const body = (i: number) =>
    new Observable<unknown>((subscriber) => {
      const child = kind === 'nested' && i + 1 < depth ? tasks[i + 1]!.subscribe(subscriber) : undefined;
      return () => {
        probe.teardowns++;
        if (current !== null) current.teardowns++;
        if (probe.sampled.has(i)) probe.maxStack = Math.max(probe.maxStack, stackDepth());
        child?.unsubscribe();
      };
    });
  const parentSignal = (i: number) =>
    kind === 'linked through linkSignals' ? linkSignals(tasks[i - 1]!.signal).signal : tasks[i - 1]!.signal;
  for (let i = 0; i < depth; i++) tasks[i] = task(body(i), i === 0 ? undefined : { signal: parentSignal(i) });
  for (let i = depth - 1; i >= 0; i--) tasks[i]!.start();
  return { tasks, probe };
}

describe('complexity: cancellation does not recurse once per level', () => {
  for (const kind of ['nested', 'linked', 'linked through linkSignals'] as const) {
    const title = kind === 'linked through linkSignals' ? 'chain linked through linkSignals outputs' : `${kind} chain`;
    it(`${title}: the stack inside teardowns is as deep at depth 10,000 as at depth 1,000`, () => {
      const unhandled: unknown[] = [];
      const previous = config.onUnhandledError;
      config.onUnhandledError = (error) => unhandled.push(error);
      try {
        // A teardown that releases a task cancels it in a nested loop, as a call would, up to MAX_NESTED_RUNS
        // loops deep (a nested chain's stack grows that far); past that, on a flat stack.
        const depths = [1_000, 10_000].map((depth) => {
          const { tasks, probe } = chain(depth, kind);
          const errors: unknown[] = [];
          tasks[depth - 1]!.pipe(detectCancel()).subscribe({ error: (e: unknown) => errors.push(e) });
          tasks[0]!.cancel('r');
          expect(tasks.filter((t) => t.state !== 'cancelled')).toHaveLength(0); // nothing stopped part-way
          expect(probe.teardowns).toBe(depth);
          expect(errors).toHaveLength(1);
          return probe.maxStack;
        });
        expect(depths[0]).toBeGreaterThan(0);
        expect(depths[1]! - depths[0]!).toBeLessThanOrEqual(3);
        expect(unhandled).toEqual([]);
      } finally {
        config.onUnhandledError = previous;
      }
    });
  }
});

// --- reachability -----------------------------------------------------------

/** Links tasks, subscriptions, promises and combinators to `signal` and ends each of them. */
function endEverythingLinkedTo(signal: AbortSignal, refs: Map<string, WeakRef<object>>): void {
  const keep = <T extends object>(label: string, value: T): T => {
    refs.set(label, new WeakRef(value));
    return value;
  };
  const subject = new Subject<number>();
  const completes = keep('completed task', task(subject, { signal }));
  keep('its subscription', completes.subscribe(observer));
  const errors = keep(
    'errored task',
    task(
      throwError(() => new Error('x')),
      { signal },
    ),
  );
  errors.subscribe(observer);
  const cancelled = keep('cancelled task', task(counted(), { signal }));
  cancelled.subscribe(observer);
  cancelled.cancel('r');
  const released = keep('released task', task(counted(), { signal }));
  released.subscribe(observer).unsubscribe();
  const pending = keep('pending task, cancelled', task(counted(), { signal }));
  pending.cancel();
  const readsItsSignal = keep(
    'task reading its signal',
    task((own) => (keep('its signal', own), counted()), { signal }),
  );
  readsItsSignal.subscribe(observer).unsubscribe();
  keep('cancelWhen subscription', counted().pipe(cancelWhen(signal)).subscribe(observer)).unsubscribe();
  keep('awaitTask promise', awaitTask(keep('awaited task', task(subject, { signal })), { signal }));
  keep(
    'whenAllCancellable subscription',
    whenAllCancellable([keep('participant', task(subject))], { signal }).subscribe(observer),
  );
  const linked = keep('linkSignals link', linkSignals(signal));
  linked.unlink();
  subject.next(1);
  subject.complete();
  expect([completes.state, errors.state, cancelled.state, released.state, pending.state]).toEqual([
    'completed',
    'errored',
    'cancelled',
    'cancelled',
    'cancelled',
  ]);
}

function retained(refs: Map<string, WeakRef<object>>): string[] {
  return [...refs].filter(([, ref]) => ref.deref() !== undefined).map(([label]) => label);
}

describe('complexity: ended tasks leave nothing reachable from a long-lived signal', () => {
  it('has a garbage collector that really collects', async () => {
    const gc = collector();
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef({ garbage: true });
    })();
    await collect(gc);
    expect(ref!.deref()).toBeUndefined();
  });

  it('a foreign signal: everything ended is collected, its listener count is back at baseline', async () => {
    const gc = collector();
    const controller = new AbortController();
    const baseline = getEventListeners(controller.signal, 'abort').length;
    const refs = new Map<string, WeakRef<object>>();
    endEverythingLinkedTo(controller.signal, refs);
    // control: a task still running and linked is kept by the signal, and is seen as kept
    const alive: WeakRef<object>[] = [];
    alive.push(new WeakRef(task(counted(), { signal: controller.signal }).start()));
    await collect(gc);
    expect(refs.size).toBeGreaterThan(10);
    expect(retained(refs)).toEqual([]);
    expect(alive[0]!.deref()).toBeDefined();
    expect(getEventListeners(controller.signal, 'abort').length).toBe(baseline + 1); // the running one's link
    (alive[0]!.deref() as Task<unknown>).cancel();
    expect(getEventListeners(controller.signal, 'abort').length).toBe(baseline);
    expect(controller.signal.aborted).toBe(false);
  });

  it('a long-lived linkSignals output: everything ended is collected, no listener is left on it or added to its input', async () => {
    const gc = collector();
    const shutdown = new AbortController();
    const output = linkSignals(shutdown.signal).signal;
    const refs = new Map<string, WeakRef<object>>();
    endEverythingLinkedTo(output, refs);
    await collect(gc);
    expect(refs.size).toBeGreaterThan(10);
    expect(retained(refs)).toEqual([]);
    expect(getEventListeners(output, 'abort')).toHaveLength(0);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1); // the link's own, on its input
    expect(output.aborted).toBe(false);
  });

  it('a linkSignals output kept after it aborted or was unlinked keeps none of its inputs', async () => {
    const gc = collector();
    const kept: AbortSignal[] = [];
    const inputs = new Map<string, WeakRef<object>>();
    (() => {
      for (const end of ['aborted', 'unlinked'] as const) {
        const controller = new AbortController();
        const owner = startTask(NEVER, { name: `input of the ${end} output` });
        const link = linkSignals(controller.signal, owner.signal);
        if (end === 'aborted') controller.abort('r');
        else link.unlink();
        kept.push(link.signal); // as fetch or a stream keeps the signal it was given
        inputs.set(`plain input of the ${end} output`, new WeakRef(controller.signal));
        inputs.set(`task input of the ${end} output`, new WeakRef(owner));
      }
    })();
    await collect(gc);
    expect(kept.map((signal) => signal.aborted)).toEqual([true, false]);
    expect(retained(inputs)).toEqual([]);
  });

  it('an ended task kept as a result keeps neither its options.signal nor the task that owns it (completed, errored, cancelled, released)', async () => {
    const gc = collector();
    const kept: Task<unknown>[] = [];
    const parents = new Map<string, WeakRef<object>>();
    (() => {
      const ends: Record<string, (child: Task<unknown>) => void> = {
        completed: (child) => child.start(),
        errored: (child) => (child as Task<never>).subscribe({ error: () => undefined }),
        'cancelled by its own cancel()': (child) => child.cancel('r'),
        'released by its last owner': (child) => child.subscribe().unsubscribe(),
      };
      for (const [end, finish] of Object.entries(ends)) {
        const parent = startTask(NEVER, { name: `parent of the ${end} child` });
        const source = end === 'completed' ? of('value') : end === 'errored' ? throwError(() => 'e') : NEVER;
        const child = task<unknown>(source, { signal: parent.signal, name: `${end} child` });
        finish(child);
        kept.push(child); // a cached result, as `refCount: false` tasks are kept
        parents.set(`parent of the ${end} child`, new WeakRef(parent));
        parents.set(`options.signal of the ${end} child`, new WeakRef(parent.signal));
      }
    })();
    await collect(gc);
    expect(kept.map((child) => child.state)).toEqual(['completed', 'errored', 'cancelled', 'cancelled']);
    expect(retained(parents)).toEqual([]);
  });

  it('the documented exception: a task cancelled through its options.signal names its parent in its reason', async () => {
    const gc = collector();
    let kept: Task<never> | undefined;
    let parentRef: WeakRef<object> | undefined;
    (() => {
      const parent = startTask(NEVER, { name: 'parent' });
      kept = task(NEVER, { signal: parent.signal, name: 'child' }).start();
      parent.cancel('stop');
      parentRef = new WeakRef(parent);
    })();
    await collect(gc);
    expect(kept?.state).toBe('cancelled');
    const reason = (kept?.signal.reason as { reason: { task: unknown } }).reason;
    expect(reason.task).toBe(parentRef?.deref());
    expect(parentRef?.deref()).toBeDefined();
  });

  it("a running task's signal: everything ended is collected, no listener was ever placed", async () => {
    const gc = collector();
    const parent = startTask(counted(), { name: 'long-lived' });
    const refs = new Map<string, WeakRef<object>>();
    endEverythingLinkedTo(parent.signal, refs);
    await collect(gc);
    expect(retained(refs)).toEqual([]);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(parent.state).toBe('running');
  });
});

// Eighteenth landing: the cancellation loop's module state (what it defers, and for whom) lets go when it is done.
describe('a finished cancellation keeps nothing it walked', () => {
  it('a parent and the children cancelled at its step 4 (one of them with a step-2 listener that cancels a third task) are all collected', async () => {
    const gc = collector();
    const refs = new Map<string, WeakRef<object>>();
    const states: string[] = [];
    (() => {
      const parent = startTask(NEVER, { name: 'parent' });
      const child = task(NEVER, { signal: parent.signal, name: 'child' }).start();
      const grandchild = task(NEVER, { signal: child.signal, name: 'grandchild' }).start();
      const bystander = startTask(NEVER, { name: 'bystander' });
      child.signal.addEventListener('abort', () => bystander.cancel('child aborted'));
      parent.cancel('stop');
      states.push(parent.state, child.state, grandchild.state, bystander.state);
      refs.set('parent', new WeakRef(parent));
      refs.set('child', new WeakRef(child));
      refs.set('grandchild', new WeakRef(grandchild));
      refs.set('bystander', new WeakRef(bystander));
    })();
    await collect(gc);
    expect(states).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(retained(refs)).toEqual([]);
  });

  // A review of bug 12's fix (s18): the loop's finally let go of `deferTo`, not of `deferOnly`
  it("a step 4 left by a throw (another copy's task whose cancel() throws) keeps neither that task nor the parent its reason names", async () => {
    let other!: typeof import('../src');
    jest.isolateModules(() => {
      other = jest.requireActual<typeof import('../src')>('../src');
    });
    const gc = collector();
    const refs = new Map<string, WeakRef<object>>();
    const thrown: unknown[] = [];
    (() => {
      const parent = startTask(NEVER, { name: 'parent' });
      const child = other.startTask(NEVER, { signal: parent.signal, name: 'child of the other copy' });
      // a copy whose cancel() throws after doing its work (a bug of its own, or the end of the stack)
      Object.defineProperty(child, 'cancel', {
        value(reason: unknown) {
          other.Task.prototype.cancel.call(child, reason);
          throw new Error('thrown by the other copy');
        },
      });
      try {
        parent.cancel('stop');
      } catch (error) {
        thrown.push((error as Error).message);
      }
      refs.set('parent', new WeakRef(parent));
      refs.set('child', new WeakRef(child));
    })();
    startTask(NEVER).cancel('an unrelated cancellation, which reaches no dependant');
    await collect(gc);
    expect(thrown).toEqual(['thrown by the other copy']);
    expect(retained(refs)).toEqual([]);
  });
});

// From a mutation audit (Task#_finish lets go of its signal's dependants):
describe('an ended task kept as a result lets go of what is still linked to its signal', () => {
  // `after it ended`, from a mutation audit (seventh pass): a task that has completed or errored gives no hub to what
  // links to its signal afterwards (`_hubForLinks`: its signal can no longer abort). Making one anyway (the state
  // check dropped or weakened, 6 mutants) went unseen while everything was linked while the parent ran.
  for (const end of ['completed', 'errored'] as const) {
    for (const linked of ['while it ran', 'after it ended'] as const) {
      it(`${end}: a still-running child linked to its signal, a cancelWhen subscription and a linkSignals output on it (linked ${linked}) are collected`, async () => {
        const gc = collector();
        const kept: Task<unknown>[] = [];
        const refs = new Map<string, WeakRef<object>>();
        const teardowns: string[] = [];
        (() => {
          const subject = new Subject<number>();
          const parent = startTask(subject, { name: 'parent' });
          kept.push(parent); // a cached result
          const finish = () => (end === 'completed' ? subject.complete() : subject.error(new Error('x')));
          if (linked === 'after it ended') finish();
          // reachable from nothing but the parent's signal: an endless source that keeps no reference
          const child = task(new Observable<never>(() => () => teardowns.push('child')), {
            signal: parent.signal,
            name: 'child',
          }).start();
          refs.set('running child', new WeakRef(child));
          const waiting = new Observable<never>(() => () => teardowns.push('cancelWhen source')).pipe(
            cancelWhen(parent.signal),
          );
          refs.set('cancelWhen subscription', new WeakRef(waiting.subscribe({ error: () => undefined })));
          refs.set('linkSignals output', new WeakRef(linkSignals(parent.signal).signal));
          if (linked === 'while it ran') finish();
          expect(child.state).toBe('running');
        })();
        await collect(gc);
        expect(kept.map((t) => t.state)).toEqual([end]);
        expect(kept[0]!.cancel('late')).toBe(false);
        expect([...refs].filter(([, ref]) => ref.deref() !== undefined).map(([label]) => label)).toEqual([]);
        expect(teardowns).toEqual([]); // nothing was cancelled: only let go
      });
    }
  }

  it('control: while the parent runs, the same child is kept alive by the parent', async () => {
    const gc = collector();
    const parent = startTask(NEVER, { name: 'parent' });
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef(task(new Observable<never>(() => undefined), { signal: parent.signal }).start());
    })();
    await collect(gc);
    expect(ref!.deref()).toBeDefined();
    parent.cancel();
    expect((ref!.deref() as Task<unknown>).state).toBe('cancelled');
  });
});

// From a mutation audit (sixteenth landing): unlink() lets go of what is linked to a kept output.
describe('an unlinked linkSignals output that is kept lets go of what is linked to it', () => {
  it('tasks linked to the output before and after unlink() are collected while the output is kept', async () => {
    const gc = collector();
    const kept: AbortSignal[] = [];
    const refs = new Map<string, WeakRef<object>>();
    (() => {
      const input = new AbortController();
      const link = linkSignals(input.signal);
      kept.push(link.signal); // as fetch or a stream keeps the signal it was given
      // reachable from nothing but the output: an endless source that keeps no reference
      const endless = () => new Observable<never>(() => undefined);
      refs.set('linked before unlink', new WeakRef(task(endless(), { signal: link.signal }).start()));
      link.unlink();
      refs.set('linked after unlink', new WeakRef(task(endless(), { signal: link.signal }).start()));
    })();
    await collect(gc);
    expect(kept.map((signal) => signal.aborted)).toEqual([false]);
    expect([...refs].filter(([, ref]) => ref.deref() !== undefined).map(([label]) => label)).toEqual([]);
  });

  it('control: an output still linked keeps the task linked to it', async () => {
    const gc = collector();
    const input = new AbortController();
    const { signal } = linkSignals(input.signal);
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef(task(new Observable<never>(() => undefined), { signal }).start());
    })();
    await collect(gc);
    expect(ref!.deref()).toBeDefined();
    input.abort('stop');
    expect((ref!.deref() as { state: string }).state).toBe('cancelled');
  });
});
