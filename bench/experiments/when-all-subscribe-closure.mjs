// Not a scenario (`npm run bench` does not run it): what `Observable#subscribe`'s own closure costs a
// `whenAllCancellable` run (bench/HISTORY.md, twenty-sixth landing).
//
// RxJS 7's `subscribe` runs its work in a closure passed to `errorContext`; where V8 does not remove it, that is
// an allocation per call. This builds a variant of `dist/index.mjs` into `.tmp/` whose `subscribeReporting()` does
// for a plain Observable (not made by `pipe()`, no `source`, `subscribe` not overridden) what the closure does,
// `subscriber.add(observable._trySubscribe(subscriber))`, and calls `subscribe` otherwise. Then, in child
// processes that alternate the two builds, over N participants that never end but the last, which fails:
//   - bytes allocated per participant by one run, young generation large enough that nothing is collected;
//   - median CPU ns per participant at N = 1e4 and 1e5, and the growth from one to the other (target ≤ ×12),
//     with sources that return one shared teardown (as bench/when-all.bench.mjs's) and with sources that return
//     a new one per subscription (as most do).
//
//   npm run build
//   node --expose-gc bench/experiments/when-all-subscribe-closure.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAIRS = Number(process.env.PAIRS ?? 4);

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  main();
}

function main() {
  const original = path.join(root, 'dist/index.mjs');
  const variant = path.join(root, '.tmp/when-all-subscribe-closure/index.mjs');
  const call = '        from(source).subscribe(subscriber);\n';
  const text = readFileSync(original, 'utf8');
  if (!text.includes(call)) throw new Error(`dist/index.mjs no longer subscribes with ${JSON.stringify(call)}`);
  const direct =
    '        const observable = from(source);\n' +
    '        if (observable.subscribe === Observable.prototype.subscribe && !observable.operator && !observable.source &&\n' +
    '            !config.useDeprecatedSynchronousErrorHandling)\n' +
    '            subscriber.add(observable._trySubscribe(subscriber));\n' +
    '        else\n' +
    '            observable.subscribe(subscriber);\n';
  mkdirSync(path.dirname(variant), { recursive: true });
  writeFileSync(variant, text.replace(call, direct));
  const builds = { subscribe: original, direct: variant };
  const results = { subscribe: [], direct: [] };
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 ? ['direct', 'subscribe'] : ['subscribe', 'direct'];
    for (const name of order) {
      const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', builds[name]];
      const bytes = JSON.parse(
        execFileSync(process.execPath, ['--max-semi-space-size=256', ...args, 'bytes'], { encoding: 'utf8' }),
      );
      const times = JSON.parse(execFileSync(process.execPath, [...args, 'time'], { encoding: 'utf8' }));
      results[name].push({ ...bytes, ...times });
    }
  }
  for (const [name, runs] of Object.entries(results)) {
    console.log(`${name.padEnd(9)} (${process.version})`);
    for (const r of runs) {
      const growth = (t) => `${t.ns1e4} ns at 1e4, ${t.ns1e5} ns at 1e5 (×${((10 * t.ns1e5) / t.ns1e4).toFixed(1)})`;
      console.log(
        `  ${r.allocated} B allocated a participant, ${r.live} B live; shared teardown ${growth(r.shared)};` +
          ` new teardowns ${growth(r.fresh)}`,
      );
    }
  }
}

async function child(build, what) {
  const { Observable, throwError } = await import('rxjs');
  const { whenAllCancellable } = await import(build);
  const noop = () => {};
  const never = new Observable(() => noop);
  const neverWithNewTeardown = new Observable(() => () => {});
  const failing = throwError(() => new Error('participant failed'));
  const observer = { next() {}, error() {}, complete() {} };
  const participants = (n, last, source = never) => Array.from({ length: n }, (_, i) => (i === n - 1 ? last : source));
  if (what === 'bytes') {
    const n = 2e4;
    const pending = participants(n, never); // nothing fails: the run stays up to be measured
    for (let r = 0; r < 20; r++) whenAllCancellable(pending).subscribe(observer).unsubscribe();
    gc();
    const before = process.memoryUsage().heapUsed;
    const subscription = whenAllCancellable(pending).subscribe(observer);
    const after = process.memoryUsage().heapUsed;
    gc();
    const live = process.memoryUsage().heapUsed;
    subscription.unsubscribe();
    const perParticipant = (bytes) => Math.round(bytes / n);
    console.log(JSON.stringify({ allocated: perParticipant(after - before), live: perParticipant(live - before) }));
    return;
  }
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) * 1000;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const measure = (source) => {
    const p4 = participants(1e4, failing, source);
    const p5 = participants(1e5, failing, source);
    const at1e4 = () => {
      const start = cpu();
      for (let b = 0; b < 10; b++) whenAllCancellable(p4).subscribe(observer);
      return (cpu() - start) / 1e5;
    };
    const at1e5 = () => {
      const start = cpu();
      whenAllCancellable(p5).subscribe(observer);
      return (cpu() - start) / 1e5;
    };
    const t4 = [];
    const t5 = [];
    for (let r = 0; r < 3; r++) (at1e4(), at1e5());
    for (let r = 0; r < 21; r++) (t4.push(at1e4()), t5.push(at1e5()));
    return { ns1e4: Math.round(median(t4)), ns1e5: Math.round(median(t5)) };
  };
  console.log(JSON.stringify({ shared: measure(never), fresh: measure(neverWithNewTeardown) }));
}
