// The harness every scenario uses: tinybench runs the timed calls, this file
// interleaves the sides (baseline and candidates alternate, round after round,
// in one process) and turns the samples into medians, spreads and ratios.
import { Bench } from 'tinybench';

export const gc =
  globalThis.gc ??
  (() => {
    throw new Error('run the benchmarks with `node --expose-gc` (npm run bench does)');
  });

/**
 * The clock: CPU time of this process (user + system, all its threads, so GC
 * helper threads count) by default, because this machine is shared and wall
 * time mostly measures the other processes. `BENCH_CLOCK=wall` uses
 * `performance.now()`.
 */
export const clock = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
/** The current time on that clock, in ms. */
export const now =
  clock === 'wall'
    ? () => performance.now()
    : () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };

/**
 * Measures every side in `sides` (the first one is the baseline) over
 * `rounds` alternating rounds: round 0 runs them in order, round 1 reversed,
 * and so on, so that drift of the machine hits every side alike.
 *
 * A side is `{ key, fn, beforeEach?, afterEach?, iterations?, warmupIterations? }`:
 * `fn` is the timed call, the hooks run outside the timing (setup of a big
 * fixture, checks); a side may set its own iteration counts (a big N needs
 * fewer).
 *
 * Returns, per key, every sample (ms per call) and the per-round medians and means.
 */
export function interleave(sides, options = {}) {
  const result = emptyResult(sides);
  for (const [side, bench] of benches(sides, options, false)) {
    bench.runSync();
    collect(result, side, bench);
  }
  return result;
}

/**
 * `interleave` for sides whose `fn` returns a promise (`awaitTask`, `lastValueFrom`): tinybench's
 * `run()` awaits each call inside the timed window, so a call that awaits its work in a loop is timed
 * with the microtask turns it takes. Same rounds, order and results.
 */
export async function interleaveAsync(sides, options = {}) {
  const result = emptyResult(sides);
  for (const [side, bench] of benches(sides, options, true)) {
    await bench.run();
    collect(result, side, bench);
  }
  return result;
}

function emptyResult(sides) {
  return {
    samples: new Map(sides.map((side) => [side.key, []])),
    roundMedians: new Map(sides.map((side) => [side.key, []])),
    roundMeans: new Map(sides.map((side) => [side.key, []])),
  };
}

/** Every side's `Bench`, round after round, made as the previous one has run. */
function* benches(sides, { rounds = 6, time = 100, iterations = 5, warmupIterations = 3 } = {}, async) {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : sides.slice().reverse();
    for (const side of order) {
      // One Bench per side and round keeps each measurement short and lets
      // the other sides run in between. JIT state outlives a round: warming
      // up in the first one is enough.
      const warmups = round === 0 ? (side.warmupIterations ?? warmupIterations) : 0;
      const bench = new Bench({
        now,
        time,
        iterations: side.iterations ?? iterations,
        warmup: warmups > 0,
        warmupIterations: warmups,
        warmupTime: 0,
        retainSamples: true,
        throws: true,
      });
      bench.add(side.key, side.fn, {
        async,
        beforeEach: side.beforeEach,
        afterEach: side.afterEach,
      });
      yield [side, bench];
    }
  }
}

function collect(result, side, bench) {
  const latency = bench.tasks[0].result.latency;
  result.samples.get(side.key).push(...latency.samples);
  result.roundMedians.get(side.key).push(latency.p50);
  result.roundMeans.get(side.key).push(latency.mean);
}

export function median(values) {
  return quantile(values, 0.5);
}

export function quantile(values, q) {
  const sorted = values.slice().sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median and spread (interquartile range relative to the median, in %) of samples. */
export function summarize(samples, ops = 1) {
  const perOp = samples.map((ms) => ms / ops);
  const med = median(perOp);
  return {
    median: med,
    spread: med === 0 ? 0 : (100 * (quantile(perOp, 0.75) - quantile(perOp, 0.25))) / med,
    samples: perOp.length,
  };
}

/**
 * A comparison row: candidate vs baseline, ratio of the medians of all
 * samples, and the range of the per-round ratios (how much it moved).
 */
export function ratioRow(result, { baseline, candidate, opsBaseline = 1, opsCandidate = opsBaseline, unit = 'ms' }) {
  const base = summarize(result.samples.get(baseline), opsBaseline);
  const cand = summarize(result.samples.get(candidate), opsCandidate);
  const baseRounds = result.roundMedians.get(baseline);
  const candRounds = result.roundMedians.get(candidate);
  const roundRatios = candRounds.map((c, i) => c / opsCandidate / (baseRounds[i] / opsBaseline));
  return {
    baseline: { name: baseline, ...scale(base, unit) },
    candidate: { name: candidate, ...scale(cand, unit) },
    ratio: cand.median / base.median,
    ratioRange: [Math.min(...roundRatios), Math.max(...roundRatios)],
  };
}

const UNIT_FROM_MS = { ms: 1, us: 1e3, ns: 1e6 };

function scale(summary, unit) {
  return { ...summary, median: summary.median * UNIT_FROM_MS[unit], unit };
}

/**
 * How the total time grows from side `small` to side `big`, sides of sizes
 * `n` doing `ops` operations per call (a small N is batched: `ops = n × batch`):
 * the ratio of the time per operation (median over rounds of the round's
 * mean), times big.n / small.n, and the range of the same over rounds.
 *
 * Means, not medians: a call at small N allocates too little to meet a
 * garbage collection most of the time, so its median would leave out the GC
 * work every call at large N pays; the mean spreads it over the calls, as a
 * running application does. (Batching small N keeps that from being rare.)
 */
export function growth(result, small, big) {
  const scale = (big.n / small.n) * (small.ops / big.ops);
  // the median over rounds of each round's mean: GC amortized within a round,
  // one disturbed round (another process, a major GC) does not decide
  const ratio = (median(result.roundMeans.get(big.key)) / median(result.roundMeans.get(small.key))) * scale;
  const smallRounds = result.roundMeans.get(small.key);
  const perRound = result.roundMeans.get(big.key).map((b, i) => (b / smallRounds[i]) * scale);
  return { ratio, range: [Math.min(...perRound), Math.max(...perRound)] };
}

/** A row for "×10 N costs at most ×12 time" (see `growth`). */
export function linearRow(label, result, small, big) {
  const g = growth(result, small, big);
  return {
    case: label,
    measured: `×${g.ratio.toFixed(1)} (×${g.range[0].toFixed(1)}–×${g.range[1].toFixed(1)})`,
    target: '≤ ×12',
    pass: g.ratio <= 12,
  };
}

/** How many fixtures of size `n` one timed call handles: at least `min` items in all. */
export function batchFor(n, min = 1e4) {
  return Math.max(1, Math.ceil(min / n));
}

export function mean(values) {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Settles a freshly built fixture: two young-generation collections move what
 * survives into the old generation, so the timed call does not pay for
 * promoting the fixture (which would charge mid-sized fixtures, built just
 * before, more than tiny or huge ones). A full GC would shrink the young
 * generation instead and make the timed call collect more often than an
 * application does; the fan-out times one size after a full GC as well
 * (BENCHMARKS.md, "Two tasks are kept for good").
 */
export function settle() {
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

/**
 * A `beforeEach` that builds a fixture, then settles it. No full GC: it would
 * shrink the young generation and make small timed calls pay for scavenges.
 */
export function fixture(build) {
  return () => {
    build();
    settle();
  };
}

/** Heap in use right after a full collection. */
export function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** `value <= limit`, with the comparison written out for the table. */
export function atMost(value, limit, suffix = '×') {
  return { target: `≤ ${limit}${suffix}`, pass: value <= limit };
}

export const noop = () => {};

/** An observer that takes everything and counts errors (no unhandled-error reports). */
export function countingObserver() {
  const observer = {
    values: 0,
    errors: 0,
    completes: 0,
    next() {
      observer.values++;
    },
    error() {
      observer.errors++;
    },
    complete() {
      observer.completes++;
    },
  };
  return observer;
}

export function fmtN(n) {
  return n >= 1000 ? `1e${Math.round(Math.log10(n))}` : String(n);
}

/** Asserts a fixture invariant: a benchmark that measured the wrong thing must fail loudly. */
export function check(condition, message) {
  if (!condition) throw new Error(`benchmark check failed: ${message}`);
}
