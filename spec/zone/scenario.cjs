// One scenario of spec/zone.spec.ts, run in a process of its own: zone.js patches globals (timers, Promise),
// so it is never loaded into the jest process. Loads zone.js's Node bundle (and, for the fakeAsync scenarios,
// `zone.js/testing`), then rxjs and the built package as a user would (`rxjs-cancel` → dist/index.cjs), runs
// the scenario named by argv[2] and prints what it saw as one line of JSON.
//
// With RXJS_CANCEL_CHILD_RXJS set (the absolute path of the rxjs the jest process runs, when it is not the dev
// dependency: rxjs 7.4.0 under the `rxjs-min` alias, or a copy of scripts/rxjs-matrix.mjs) every `rxjs` import (the
// package's and this file's) resolves to that copy, as jest.rxjs-min.config.cjs maps it for the jest process.
/* global Zone -- defined by zone.js once it is loaded, below */
'use strict';

const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

const rxjsDir = process.env.RXJS_CANCEL_CHILD_RXJS;
if (rxjsDir) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, /^rxjs(\/|$)/.test(request) ? rxjsDir + request.slice(4) : request, ...rest);
  };
}

const NativePromise = Promise;
const scenario = process.argv[2];
const fakeAsyncScenario = scenario === 'fakeAsync' || scenario === 'noErrorCallback';

require('zone.js/node');
if (fakeAsyncScenario) require('zone.js/testing');
const rx = require('rxjs');
const lib = require('rxjs-cancel');
const { awaitTask, cancelWhen, linkSignals, shield, startTask, task } = lib;
const { whenAllCancellable, whenAnyCancellable } = lib;
const { shape, logger } = require('../childReport.cjs').reporter(lib);

/** Everything reported as unhandled, by any of the four ways it can be (each entry names the way). */
const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push({ via: 'unhandledRejection', error: shape(reason) }));
// zone.js hands a ZoneAwarePromise's unhandled rejection to this handler (its own emits 'unhandledRejection'
// without the reason); a rejection in a zone with onHandleError goes there instead
Zone[Zone.__symbol__('unhandledPromiseRejectionHandler')] = (error) =>
  unhandled.push({ via: 'unhandled ZoneAwarePromise rejection', error: shape(error?.rejection ?? error) });
process.on('uncaughtException', (error) => unhandled.push({ via: 'uncaughtException', error: shape(error) }));
rx.config.onUnhandledError = (error) => unhandled.push({ via: 'config.onUnhandledError', error: shape(error) });
/** The app's zone, as NgZone forks it: an error that reaches it is handled (logged) once, not rethrown. */
const app = Zone.current.fork({
  name: 'app',
  onHandleError(_parent, _current, _target, error) {
    unhandled.push({ via: 'onHandleError', error: shape(error) });
    return false;
  },
});

const noop = () => {};
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A promise that rejects with `new Error(message)` after `ms`, on a timer. */
const rejectsLater = (message, ms = 5) =>
  new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms));
const scenarios = {
  /** The seed scenario (examples/seed-tasks.mjs), run in the app's zone: who sees what is unchanged. */
  async seed() {
    const { seedTasks } = await import(pathToFileURL(join(__dirname, '..', '..', 'examples', 'seed-tasks.mjs')).href);
    const { sleepyChild, parentWithDetectCancel, parentWithAwaitTask } = seedTasks(lib, rx);
    const result = {};
    for (const [variant, makeParent] of [
      ['detectCancel', parentWithDetectCancel],
      ['awaitTask', parentWithAwaitTask],
    ]) {
      for (const whom of ['parent', 'child']) {
        const lines = [];
        const say = (line) => lines.push(line);
        await app.run(async () => {
          const child = sleepyChild(say);
          const parent = makeParent(child, say);
          parent.subscribe({
            error: (error) => say(`main: parent ended with ${error.name} (${error.message})`),
            complete: () => say('main: parent completed'),
          });
          await delay(1);
          if (whom === 'parent') parent.cancel('main cancels the parent');
          else child.cancel('main cancels the child');
          await delay(1);
          say(`main: parent is ${parent.state}, child is ${child.state}`);
        });
        result[`${variant}, main cancels the ${whom}`] = lines;
      }
    }
    await delay(10);
    return { result, unhandled };
  },

  /** Promises the package drops or stops waiting on, each rejecting later: none is reported as unhandled. */
  async promises() {
    const log = [];
    // all made and handled synchronously in the app's zone (code after a native await would run in the root zone)
    const r = app.run(() => {
      const r = {};
      const p = awaitTask(rx.of(1));
      r.zoneAwarePromise = { instanceofNative: p instanceof NativePromise, constructor: p.constructor.name };
      p.then(noop);
      const settles = (wait, who) =>
        wait.then(
          (value) => log.push(`${who}: resolved ${JSON.stringify(value)}`),
          (error) => log.push(`${who}: rejected ${JSON.stringify(shape(error))}`),
        );

      // a pending task over a promise, cancelled before anything subscribed it
      const pending = task(rejectsLater('pending task'), { name: 'pending' });
      pending.cancel('not needed');
      r.pendingTask = pending.state;

      // a running task over a pending promise, cancelled
      const running = task(rejectsLater('running task'), { name: 'running' });
      running.subscribe(logger(log, 'running task'));
      running.cancel('stop');

      // whenAllCancellable over promises, ended early by its signal, by a rejection, by an aborted signal
      const controller = new AbortController();
      const all = [rejectsLater('all 1'), rejectsLater('all 2')];
      whenAllCancellable(all, { signal: controller.signal }).subscribe(logger(log, 'all, signal aborts'));
      controller.abort('enough');
      whenAllCancellable([rejectsLater('first', 1), rejectsLater('second', 10)]).subscribe(
        logger(log, 'all, one rejects'),
      );
      whenAllCancellable([rejectsLater('never subscribed')], { signal: AbortSignal.abort('aborted before') }).subscribe(
        logger(log, 'all, aborted before'),
      );
      whenAnyCancellable([rejectsLater('any 1'), rejectsLater('any 2')], {
        signal: AbortSignal.abort('any'),
      }).subscribe(logger(log, 'any, aborted before'));

      // awaitTask with an aborted signal, and with one that aborts while it waits
      settles(
        awaitTask(rejectsLater('awaited'), { signal: AbortSignal.abort('aborted before') }),
        'awaitTask, aborted',
      );
      const waiting = new AbortController();
      settles(awaitTask(rejectsLater('awaited'), { signal: waiting.signal }), 'awaitTask, aborts while waiting');
      waiting.abort('aborts while waiting');
      return r;
    });
    await delay(30); // every promise above has rejected by now
    r.log = log;
    r.unhandledBeforeControls = [...unhandled];
    // the controls: one error nobody handles through each way, so that the detection above is known to work
    app.run(() => Promise.reject(new Error('app zone control')));
    Promise.reject(new Error('root zone control'));
    rx.throwError(() => new Error('rxjs control')).subscribe();
    await delay(10);
    return { result: r, unhandled };
  },

  /** `fakeAsync` from zone.js/testing drives RxJS timers and setTimeout, not AbortSignal.timeout. */
  async fakeAsync() {
    const { fakeAsync, tick, withProxyZone } = Zone[Zone.__symbol__('fakeAsyncTest')];
    const inFakeAsync = (fn) => withProxyZone(fakeAsync(fn))();
    const r = {};

    inFakeAsync(() => {
      const log = [];
      const t = task(rx.timer(1000).pipe(rx.map(() => 'rang')), { name: 'timer' });
      t.subscribe(logger(log, 'timer'));
      tick(999);
      log.push(`after 999 ms: ${t.state}`);
      tick(1);
      log.push(`after 1000 ms: ${t.state}`);
      r.timer = log;
    });

    // AbortSignal.timeout() made inside fakeAsync: Node's timer code gets zone.js's fake timer id
    inFakeAsync(() => {
      try {
        AbortSignal.timeout(20);
        r.abortSignalTimeoutInside = 'made';
      } catch (error) {
        r.abortSignalTimeoutInside = { threw: shape(error) };
      }
    });
    // one made outside (before the test): tick() does not run its timer, real time does
    const log = [];
    const signal = AbortSignal.timeout(20);
    const timeout = task(rx.NEVER, { name: 'timeout', signal });
    inFakeAsync(() => {
      timeout.subscribe(logger(log, 'AbortSignal.timeout'));
      tick(1000);
      log.push(`after a fake 1000 ms: ${timeout.state}, signal aborted ${signal.aborted}`);
    });
    await delay(50);
    log.push(`after a real 50 ms: ${timeout.state}, signal aborted ${signal.aborted}`);
    r.abortSignalTimeoutOutside = log;

    inFakeAsync(() => {
      const log = [];
      const controller = new AbortController();
      setTimeout(() => controller.abort('deadline'), 1000);
      const t = task(rx.NEVER, { name: 'controller', signal: controller.signal });
      t.subscribe(logger(log, 'controller'));
      tick(999);
      log.push(`after 999 ms: ${t.state}`);
      tick(1);
      log.push(`after 1000 ms: ${t.state}`);
      r.controllerFromSetTimeout = log;
    });
    return { result: r, unhandled };
  },

  /** A cancelled task's plain subscriber without an `error` callback: `tick()` and `flush()` throw its error. */
  async noErrorCallback() {
    const { fakeAsync, tick, flush, withProxyZone } = Zone[Zone.__symbol__('fakeAsyncTest')];
    const inFakeAsync = (fn) => withProxyZone(fakeAsync(fn))();
    // RxJS reports an error nobody hears through config.onUnhandledError when it is set; Angular leaves it unset
    rx.config.onUnhandledError = null;
    const r = {};
    for (const [name, drive] of [
      ['tick', () => tick()],
      ['flush', () => flush()],
    ]) {
      for (const callback of ['without', 'with']) {
        inFakeAsync(() => {
          const t = task(rx.NEVER, { name: `${name} ${callback}` });
          t.subscribe(callback === 'with' ? { error: () => {} } : {});
          t.cancel('stop');
          try {
            drive();
            r[`${name}, ${callback} an error callback`] = 'did not throw';
          } catch (error) {
            r[`${name}, ${callback} an error callback`] = {
              threw: shape(error),
              theTaskError: error === t.signal.reason,
            };
          }
        });
      }
    }
    // the same outside fakeAsync, in the app's zone: its onHandleError hears the error once
    const t = app.run(() => {
      const t = task(rx.NEVER, { name: 'app' });
      t.subscribe({ next: () => {} });
      t.cancel('stop');
      return t;
    });
    await delay(20);
    r.app = unhandled.map(({ via, error }) => ({ via, error, theTaskError: error.task === t.name }));
    unhandled.length = 0;
    return { result: r, unhandled };
  },

  /** Which zone a dependant's reaction runs in: that of whoever called cancel() or abort(). */
  async zones() {
    const owner = Zone.current.fork({ name: 'owner' });
    const x = Zone.current.fork({ name: 'x' });
    const r = {};
    const where = (log, who) => ({
      next: () => log.push(`${who}: next in ${Zone.current.name}`),
      error: (error) => log.push(`${who}: ${error.name} in ${Zone.current.name}`),
      complete: () => log.push(`${who}: complete in ${Zone.current.name}`),
    });

    {
      // a task's own signal: a child linked to it, and consumers through cancelWhen and awaitTask
      const log = [];
      const parent = task(rx.NEVER, { name: 'parent' });
      owner.run(() => {
        const child = task(rx.NEVER, { name: 'child', signal: parent.signal });
        child.subscribe(where(log, 'child'));
        rx.NEVER.pipe(cancelWhen(parent.signal)).subscribe(where(log, 'cancelWhen'));
        parent.subscribe(where(log, 'parent'));
      });
      x.run(() => parent.cancel('from x'));
      r.taskSignal = log;
    }

    {
      // a linkSignals output of a task's signal
      const log = [];
      const parent = task(rx.NEVER, { name: 'parent' });
      owner.run(() => {
        const { signal } = linkSignals(parent.signal);
        task(rx.NEVER, { name: 'child', signal }).subscribe(where(log, 'child of the output'));
        rx.NEVER.pipe(cancelWhen(signal)).subscribe(where(log, 'cancelWhen on the output'));
        parent.start();
      });
      x.run(() => parent.cancel('from x'));
      r.linkSignalsOutput = log;
    }

    {
      // an AbortController's signal: the package's one listener on it, added in 'owner', runs where abort() runs
      const log = [];
      const controller = new AbortController();
      owner.run(() => {
        task(rx.NEVER, { name: 'child', signal: controller.signal }).subscribe(where(log, 'child of the controller'));
        controller.signal.addEventListener('abort', () => log.push(`own listener: in ${Zone.current.name}`));
      });
      x.run(() => controller.abort('from x'));
      r.controllerSignal = log;
      r.eventTargetPatched = typeof EventTarget.prototype[Zone.__symbol__('addEventListener')] === 'function';
    }

    {
      // an async factory started in 'owner': it continues after its first native await in the root zone
      const log = [];
      const t = owner.run(() =>
        startTask(async () => {
          log.push(`factory: in ${Zone.current.name}`);
          await null;
          log.push(`after await: in ${Zone.current.name}`);
          return 1;
        }),
      );
      await awaitTask(t);
      r.asyncFactory = log;
    }

    {
      // a task observed through shield() keeps its timer, so the zone it started in still has a macrotask
      const log = [];
      let pending = false;
      const stable = Zone.current.fork({
        name: 'stable',
        onHasTask(parentDelegate, current, target, hasTask) {
          pending = hasTask.macroTask;
          log.push(`macrotask pending: ${pending}`);
          return parentDelegate.hasTask(target, hasTask);
        },
      });
      const t = task(rx.timer(10), { name: 'shielded' });
      stable.run(() => t.pipe(shield()).subscribe().unsubscribe());
      log.push(`consumer left: task ${t.state}, macrotask pending ${pending}`);
      await delay(30);
      log.push(`later: task ${t.state}, macrotask pending ${pending}`);
      r.shieldTimers = log;
    }
    return { result: r, unhandled };
  },
};

if (!scenarios[scenario]) throw new Error(`no scenario ${scenario}`);
scenarios[scenario]().then(
  (output) =>
    process.stdout.write(
      JSON.stringify({
        ...output,
        rxjs: require('rxjs/package.json').version,
        // the package's tasks are Observables of the rxjs loaded here: one copy for both
        oneRxjs: task(rx.NEVER) instanceof rx.Observable,
        zoneJs: require('zone.js/package.json').version,
        nativePromiseReplaced: Promise !== NativePromise && Promise.name === 'ZoneAwarePromise',
      }) + '\n',
    ),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
