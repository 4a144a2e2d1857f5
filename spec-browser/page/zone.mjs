// The browser run's second page: the package's ESM build under zone.js's browser bundle (and zone.js/testing),
// loaded before it by zone.html as Angular loads them. Kept apart from index.html because zone.js patches the
// page's globals (timers, Promise, EventTarget, fetch).
//
// 1-4. The seed scenario's who-sees-what, as on the first page.
// 5.   A plain AbortController's signal: a task and cancelWhen link to it first in zone 'linker', cancelWhen again
//      in zone 'late', and zone 'canceller' calls abort(). The package's one listener on the signal was added in
//      'linker', and the browser bundle runs it there: every reaction runs in 'linker'.
// 6.   A task's own signal (and a linkSignals output of it): a child, cancelWhen and the output's dependants are
//      linked in 'linker', 'canceller' calls cancel(). No listener: they react in 'canceller'.
// 7.   fakeAsync: tick() runs RxJS's timer() and a setTimeout that aborts a controller, not AbortSignal.timeout,
//      which runs on the platform's timer (real time).
//
// Results are shown on the page and left in `window.__rxjsCancelZone` for the test to read.
import * as rx from 'rxjs';
import * as lib from 'rxjs-cancel';
import { seedTasks } from '/examples/seed-tasks.mjs';
import { render, seedRows } from '/page/shared.mjs';

const { cancelWhen, linkSignals, task } = lib;
const seed = seedTasks(lib, rx);
const Zone = window.Zone;

// the platform's own setTimeout, so that waiting here makes no zone task
const nativeSetTimeout = window[Zone.__symbol__('setTimeout')] ?? setTimeout;
const delay = (ms) => new Promise((resolve) => nativeSetTimeout(resolve, ms));

/** A subscriber that logs what it hears and the zone it hears it in. */
const where = (log, who) => ({
  next: () => log.push(`${who}: next in ${Zone.current.name}`),
  error: (error) => log.push(`${who}: ${error.name} in ${Zone.current.name}`),
  complete: () => log.push(`${who}: complete in ${Zone.current.name}`),
});

function plainSignalScenario() {
  const linker = Zone.current.fork({ name: 'linker' });
  const late = Zone.current.fork({ name: 'late' });
  const canceller = Zone.current.fork({ name: 'canceller' });
  const log = [];
  const controller = new AbortController();
  linker.run(() => {
    task(rx.NEVER, { name: 'child', signal: controller.signal }).subscribe(where(log, 'task'));
    rx.NEVER.pipe(cancelWhen(controller.signal)).subscribe(where(log, 'cancelWhen'));
  });
  late.run(() => rx.NEVER.pipe(cancelWhen(controller.signal)).subscribe(where(log, 'cancelWhen linked in late')));
  canceller.run(() => controller.abort('from canceller'));
  const patched = typeof EventTarget.prototype[Zone.__symbol__('addEventListener')] === 'function';
  const expected = [
    'task: CancelledError in linker',
    'cancelWhen: CancelledError in linker',
    'cancelWhen linked in late: CancelledError in linker',
  ].join(', ');
  const got = log.join(', ');
  return {
    name: "a plain AbortController's signal: linked in 'linker' (then 'late'), aborted in 'canceller'",
    got,
    expected,
    pass: patched && got === expected,
    detail: `EventTarget patched by zone.js: ${patched}; the reactions run in the zone of whoever linked first`,
  };
}

function taskSignalScenario() {
  const linker = Zone.current.fork({ name: 'linker' });
  const canceller = Zone.current.fork({ name: 'canceller' });
  const log = [];
  const parent = task(rx.NEVER, { name: 'parent' });
  linker.run(() => {
    task(rx.NEVER, { name: 'child', signal: parent.signal }).subscribe(where(log, 'child'));
    rx.NEVER.pipe(cancelWhen(parent.signal)).subscribe(where(log, 'cancelWhen'));
    const output = linkSignals(parent.signal).signal;
    task(rx.NEVER, { name: 'child of the output', signal: output }).subscribe(where(log, 'child of linkSignals'));
    parent.subscribe(where(log, 'parent'));
  });
  canceller.run(() => parent.cancel('from canceller'));
  const expected = [
    'child: CancelledError in canceller',
    'cancelWhen: CancelledError in canceller',
    'child of linkSignals: CancelledError in canceller',
    'parent: CancelledError in canceller',
  ].join(', ');
  const got = log.join(', ');
  return {
    name: "a task's own signal: dependants linked in 'linker', cancel() in 'canceller'",
    got,
    expected,
    pass: got === expected,
    detail: 'no listener on a task’s signal: its dependants react in the zone of whoever called cancel()',
  };
}

async function fakeAsyncScenario() {
  const api = Zone[Zone.__symbol__('fakeAsyncTest')];
  if (api === undefined) throw new Error('zone.js/testing did not load: no fakeAsyncTest');
  const { fakeAsync, tick, withProxyZone } = api;
  const inFakeAsync = (fn) => withProxyZone(fakeAsync(fn))();
  const log = [];
  let timeoutSignal;
  let timeoutTask;
  inFakeAsync(() => {
    timeoutSignal = AbortSignal.timeout(20);
    timeoutTask = task(rx.NEVER, { name: 'timeout', signal: timeoutSignal });
    timeoutTask.subscribe({ error: () => undefined });
    const controller = new AbortController();
    setTimeout(() => controller.abort('deadline'), 1000);
    const byController = task(rx.NEVER, { name: 'controller', signal: controller.signal });
    byController.subscribe({ error: () => undefined });
    const byTimer = task(rx.timer(1000), { name: 'timer' });
    byTimer.subscribe();
    tick(1000);
    log.push(
      `after tick(1000): timer() ${byTimer.state}, setTimeout's abort ${byController.state}, ` +
        `AbortSignal.timeout ${timeoutTask.state}`,
    );
  });
  const started = performance.now();
  while (!timeoutSignal.aborted && performance.now() - started < 2000) await delay(10);
  log.push(`after real time: AbortSignal.timeout ${timeoutTask.state}`);
  const expected = [
    "after tick(1000): timer() completed, setTimeout's abort cancelled, AbortSignal.timeout running",
    'after real time: AbortSignal.timeout cancelled',
  ].join('; ');
  const got = log.join('; ');
  return {
    name: 'fakeAsync: tick(1000) with AbortSignal.timeout(20) made inside',
    got,
    expected,
    pass: got === expected,
    detail: `AbortSignal.timeout(20) aborted after ${Math.round(performance.now() - started)} ms of real time`,
  };
}

const meta = (versions) =>
  `rxjs-cancel <code>dist/index.mjs</code> + rxjs ${versions.rxjs} under zone.js ${versions.zone} ` +
  `(<code>bundles/zone.umd.js</code>, <code>bundles/zone-testing.umd.js</code>)`;

const versionOf = async (name) => (await (await fetch(`/node_modules/${name}/package.json`)).json()).version;

async function main() {
  const versions = { rxjs: await versionOf('rxjs'), zone: await versionOf('zone.js') };
  if (Promise.name !== 'ZoneAwarePromise') throw new Error(`zone.js is not loaded: Promise is ${Promise.name}`);
  const rows = await seedRows(seed, delay);
  rows.push(plainSignalScenario());
  rows.push(taskSignalScenario());
  rows.push(await fakeAsyncScenario());
  const pass = rows.every((row) => row.pass);
  render(rows, pass, undefined, meta(versions));
  window.__rxjsCancelZone = { done: true, pass, rows, userAgent: navigator.userAgent, ...versions };
}

main().catch((error) => {
  render([], false, error?.stack ?? String(error), meta({ rxjs: '?', zone: '?' }));
  window.__rxjsCancelZone = { done: true, pass: false, rows: [], error: String(error?.stack ?? error) };
});
