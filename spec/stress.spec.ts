/**
 * Stress and memory (issue 6, part 3): 1,000,000 tasks linked to one
 * long-lived signal, ending at random (source completes, source errors,
 * cancel(), last owner leaves, a second owner's cancelWhen on the same
 * signal), 10,000 alive at a time. Afterwards:
 *   - the heap after GC is within 1 MB of where it started (after a warm-up),
 *     and none of a sample (1 in 1000) of the tasks, their subscriptions and
 *     their signals is still reachable (WeakRef);
 *   - the signal's 'abort' listener count is back to its baseline (and was at
 *     most baseline + 1 at the peak: one listener per signal, not per task);
 *   - nothing reached config.onUnhandledError;
 *   - every task ended in the state its ending implies (counted).
 * The heap is measured with V8's bytecode flushing off (see below), so that the
 * bound holds both ways, and over the spaces that hold objects only: compiled
 * code and its metadata (code and trusted spaces) grow when the JIT finishes a
 * concurrent job late, which a loaded CI machine showed once on Node 24
 * (+2.3 MB, while the same run on an idle machine stays within 0.15 MB). A
 * round whose heap grew by more than 1 MB is run once more from its end: a
 * leak grows again (every one of the 1,000,000 tasks would leave a byte), a
 * one-time allocation of the runtime does not. Counts, not time limits. Size: STRESS_TASKS (default
 * 1,000,000), e.g.
 *   STRESS_TASKS=10000000 npm run test:unit -- spec/stress.spec.ts
 *
 * GC: `npm run test:unit` runs jest under `node --expose-gc`, which jest's
 * workers inherit, so `globalThis.gc` exists (checked below). Under a plain
 * `npx jest`, the test turns the flag on at run time (v8.setFlagsFromString)
 * and takes `gc` from a fresh VM context; if neither gives a collector, the
 * test fails: it is never skipped.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { config, Observable, type Subscriber, type Subscription } from 'rxjs';
import { cancelWhen, detectCancel, startTask, task, type Task } from '../src';
import { abortListeners } from './helpers';

// V8 drops the bytecode of functions unused across many GCs (here: jest's and ts-jest's setup code): ≈ 1.5 MB that
// would leave the heap *below* its start and could mask a leak of the same size. Measure without it.
setFlagsFromString('--no-flush-bytecode');

const TASKS = Number(process.env.STRESS_TASKS ?? 1_000_000);
const BATCH = 10_000;
const HEAP_TOLERANCE = 1024 * 1024;
const SOURCE_ERROR = new Error('source failed');
const EMPTY_SOURCE = new Observable<number>((subscriber) => subscriber.complete());

/** STRESS_REPORT=1 prints the measured margins. */
function report(what: string, values: Record<string, unknown>): void {
  if (process.env.STRESS_REPORT) process.stdout.write(`${what}: ${JSON.stringify(values)}\n`);
}

function collector(): { gc: () => void; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return { gc: exposed, how: 'node --expose-gc' };
  setFlagsFromString('--expose-gc');
  const fromContext = runInNewContext('gc') as unknown;
  if (typeof fromContext === 'function') return { gc: fromContext as () => void, how: 'v8.setFlagsFromString' };
  throw new Error(
    'stress.spec.ts needs a garbage collector and could not get one: run jest as ' +
      '`node --expose-gc node_modules/jest/bin/jest.js` (what `npm run test:unit` does)',
  );
}

/** Deterministic PRNG (mulberry32), so a failing mix can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ending = 'complete' | 'error' | 'cancel' | 'release' | 'cancelWhenRelease';
const ENDINGS: readonly Ending[] = ['complete', 'error', 'cancel', 'release', 'cancelWhenRelease'];
const EXPECTED_STATE: Record<Ending, string> = {
  complete: 'completed',
  error: 'errored',
  cancel: 'cancelled',
  release: 'cancelled',
  cancelWhenRelease: 'cancelled',
};

interface Live {
  task: Task<number>;
  source: Subscriber<number> | null;
  owners: Subscription[];
  ending: Ending;
}

/**
 * Runs `count` task lifecycles against `signal`, `BATCH` alive at a time, and
 * returns what they ended as. Holds nothing once it returns.
 */
function lifecycles(signal: AbortSignal, count: number, seed: number, sample?: WeakRef<object>[]) {
  const rand = random(seed);
  const states: Record<string, number> = {};
  const heard = { values: 0, errors: 0, completes: 0 };
  let peakListeners = 0;
  const observer = {
    next: () => heard.values++,
    error: () => heard.errors++,
    complete: () => heard.completes++,
  };
  for (let done = 0; done < count;) {
    const size = Math.min(BATCH, count - done);
    const live: Live[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const ending = ENDINGS[Math.floor(rand() * ENDINGS.length)]!;
      const entry: Live = { task: null as unknown as Task<number>, source: null, owners: [], ending };
      const source = new Observable<number>((subscriber) => {
        entry.source = subscriber;
        subscriber.next(i);
      });
      // a factory reads task.signal, which costs an AbortController: 1 task in 10
      entry.task =
        rand() < 0.9 ? task(source, { signal }) : task((own) => (own.aborted ? EMPTY_SOURCE : source), { signal });
      entry.owners.push(
        rand() < 0.5 ? entry.task.subscribe(observer) : entry.task.pipe(detectCancel()).subscribe(observer),
      );
      if (ending === 'cancelWhenRelease') entry.owners.push(entry.task.pipe(cancelWhen(signal)).subscribe(observer));
      if (sample !== undefined && (done + i) % 1000 === 0) {
        sample.push(new WeakRef(entry.task), new WeakRef(entry.owners[0]!), new WeakRef(entry.task.signal));
      }
      live[i] = entry;
    }
    peakListeners = Math.max(peakListeners, abortListeners(signal));
    for (const entry of live) {
      switch (entry.ending) {
        case 'complete':
          entry.source!.complete();
          break;
        case 'error':
          entry.source!.error(SOURCE_ERROR); // one Error: under jest each new one captures 100 frames
          break;
        case 'cancel':
          entry.task.cancel('random');
          break;
        case 'release':
        case 'cancelWhenRelease':
          for (const owner of entry.owners) owner.unsubscribe();
          break;
      }
      const state = entry.task.state;
      states[state] = (states[state] ?? 0) + 1;
      if (state !== EXPECTED_STATE[entry.ending]) {
        throw new Error(`a task ended by ${entry.ending} is ${state}, expected ${EXPECTED_STATE[entry.ending]}`);
      }
    }
    done += size;
  }
  return { states, heard, peakListeners };
}

/** How many of the sampled objects are still reachable after a full collection. */
function retainedAfterGc(gc: () => void, sample: readonly WeakRef<object>[]): number {
  for (let i = 0; i < 4; i++) gc();
  return sample.filter((ref) => ref.deref() !== undefined).length;
}

/** Spaces that hold compiled code and its metadata (bytecode and deoptimization data live in V8's trusted spaces). */
const CODE_SPACE = /^(code|trusted|shared_trusted)_/;

/** Bytes used by the heap spaces that hold objects, after full collections, and each space's share. */
function heapAfterGc(gc: () => void): { used: number; spaces: Record<string, number> } {
  for (let i = 0; i < 4; i++) gc();
  const spaces: Record<string, number> = {};
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    spaces[space.space_name] = space.space_used_size;
    if (!CODE_SPACE.test(space.space_name)) used += space.space_used_size;
  }
  return { used, spaces };
}

/** What grew between two measurements, space by space (non-zero only), to say where a failing delta sits. */
function growth(before: ReturnType<typeof heapAfterGc>, after: ReturnType<typeof heapAfterGc>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [name, size] of Object.entries(after.spaces)) {
    if (size !== before.spaces[name]) grown[name] = size - (before.spaces[name] ?? 0);
  }
  return grown;
}

/**
 * Runs `round` (which must hold nothing once it returns) and measures how far the object heap moved. A delta over
 * the tolerance is measured once more over a second round from where the first ended, and the smaller is returned
 * with both rounds' figures: a leak moves the heap by the same amount every round.
 */
async function heapDelta(gc: () => void, round: () => Promise<void>): Promise<{ delta: number; rounds: object[] }> {
  const rounds: object[] = [];
  let delta = Infinity;
  for (let attempt = 0; attempt < 2 && Math.abs(delta) >= HEAP_TOLERANCE; attempt++) {
    const before = heapAfterGc(gc);
    await round();
    const after = heapAfterGc(gc);
    const moved = after.used - before.used;
    rounds.push({ delta: moved, before: before.used, after: after.used, grown: growth(before, after) });
    if (Math.abs(moved) < Math.abs(delta)) delta = moved;
  }
  return { delta, rounds };
}

/** `lifecycles` over `count` tasks as the rounds of `heapDelta`, each round with how many of its sampled objects stayed reachable. */
async function measuredLifecycles(gc: () => void, signal: AbortSignal, count: number, seed: number) {
  const runs: { result: ReturnType<typeof lifecycles>; retained: number; sampled: number }[] = [];
  const { delta, rounds: heap } = await heapDelta(gc, async () => {
    const sample: WeakRef<object>[] = [];
    const result = lifecycles(signal, count, seed, sample);
    await new Promise((resolve) => setTimeout(resolve, 10)); // reports arrive; WeakRefs may be cleared after this job
    const retained = retainedAfterGc(gc, sample);
    const sampled = sample.splice(0).length; // the probes themselves are not part of what is measured
    runs.push({ result, retained, sampled });
  });
  return { delta, heap, runs };
}

describe(`stress: ${TASKS.toLocaleString('en')} tasks linked to one long-lived signal`, () => {
  it('jest workers started with --expose-gc really have global.gc', () => {
    if (process.execArgv.includes('--expose-gc')) expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    expect(typeof collector().gc).toBe('function');
  });

  it('the heap returns to within 1 MB, the listener count to baseline, and nothing is reported as unhandled', async () => {
    const { gc } = collector();
    const unhandled: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => unhandled.push(error);
    try {
      const longLived = new AbortController();
      const baseline = abortListeners(longLived.signal);
      lifecycles(longLived.signal, 50_000, 1); // warm-up: compiled code and inline caches are no leak
      await new Promise((resolve) => setTimeout(resolve, 10));

      const { delta, heap, runs } = await measuredLifecycles(gc, longLived.signal, TASKS, 20251125);
      report('signal', { tasks: TASKS, delta, heap, baseline, runs });
      expect(runs.length).toBe(heap.length);
      for (const { result, retained, sampled } of runs) {
        const { states, heard, peakListeners } = result;
        const total = Object.values(states).reduce((a, b) => a + b, 0);
        expect(total).toBe(TASKS);
        expect(Object.keys(states).sort()).toEqual(['cancelled', 'completed', 'errored']);
        expect(states.cancelled! / TASKS).toBeGreaterThan(0.5); // cancel, release and cancelWhen release: 3 of 5
        expect(heard.values).toBeGreaterThanOrEqual(TASKS); // every first owner saw its task's value
        expect(peakListeners).toBe(baseline + 1); // one listener for all the tasks linked to the signal
        // 1 task in 1000, its first subscription and its signal: none is still reachable
        expect(sampled).toBe(3 * Math.ceil(TASKS / 1000));
        expect(retained).toBe(0);
      }
      expect(abortListeners(longLived.signal)).toBe(baseline);
      expect(longLived.signal.aborted).toBe(false);
      expect(unhandled).toEqual([]);
      // on failure, jest prints each round's figures, space by space
      expect({ withinOneMegabyte: Math.abs(delta) < HEAP_TOLERANCE, heap }).toEqual({ withinOneMegabyte: true, heap });
    } finally {
      config.onUnhandledError = previous;
    }
  }, 600_000);

  it('the same holds when the long-lived signal is a running task signal (no listener at all)', async () => {
    const { gc } = collector();
    const parent = startTask(new Observable<never>(() => undefined), { name: 'long-lived parent' });
    const signal = parent.signal;
    lifecycles(signal, 50_000, 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { delta, heap, runs } = await measuredLifecycles(gc, signal, Math.round(TASKS / 10), 3);
    report('task signal', { tasks: Math.round(TASKS / 10), delta, heap, runs });
    expect(runs.length).toBe(heap.length);
    for (const { result, retained, sampled } of runs) {
      expect(sampled).toBe(3 * Math.ceil(TASKS / 10 / 1000));
      expect(retained).toBe(0);
      expect(Object.values(result.states).reduce((a, b) => a + b, 0)).toBe(Math.round(TASKS / 10));
      expect(result.peakListeners).toBe(0);
    }
    expect(abortListeners(signal)).toBe(0);
    expect(parent.state).toBe('running');
    // on failure, jest prints each round's figures, space by space
    expect({ withinOneMegabyte: Math.abs(delta) < HEAP_TOLERANCE, heap }).toEqual({ withinOneMegabyte: true, heap });
  }, 600_000);

  it('the heap measurement sees a round that keeps 8 MB, in both rounds', async () => {
    const { gc } = collector();
    // last in this file, once the rounds above have settled the heap: the first measurement of a fresh worker
    // once saw 12 MB freed between two collections (rxjs 7.4 run in CI)
    await new Promise((resolve) => setTimeout(resolve, 10));
    const kept: number[][] = [];
    const { delta, rounds } = await heapDelta(gc, async () => {
      kept.push(Array.from({ length: 1024 * 1024 }, (_, i) => i + 0.5)); // 1 Mi doubles: 8 MB of objects
    });
    expect(rounds).toHaveLength(2);
    expect(delta).toBeGreaterThan(4 * HEAP_TOLERANCE); // well above what other suites' workers move
    expect(kept).toHaveLength(2);
  });
});
