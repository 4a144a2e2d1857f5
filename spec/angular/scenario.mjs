// The scenarios of spec/angular.spec.ts, run in a Node process of their own under real Angular: argv[2] is the app's
// change detection, `zone` (zone.js's Node bundle loaded first, `provideZoneChangeDetection()`, NgZone) or
// `zoneless` (`provideZonelessChangeDetection()`, zone.js never loaded). Loads `@angular/compiler` (the recipe's
// component is compiled just in time), then Angular, rxjs and the built package as a user would (`rxjs-cancel` →
// dist/index.mjs), makes an application on Angular's server platform (no browser DOM) with `provideHttpClient()` and
// `provideHttpClientTesting()`, runs every scenario in it and prints what each saw as one line of JSON. Scenario 8
// makes two more applications, as an SSR app's config does (`provideServerRendering()`, `provideHttpClient()`
// with its XHR backend, then `withFetch()`), whose requests go to a local server that does not answer. stderr carries
// Angular's warnings about the XHR backend on the server: not looked at. Scenario 9 calls `whenStable()` on the first
// application as components are destroyed; scenario 10 does it in two more SSR apps (XHR, fetch) whose request the
// local server answers when the scenario tells it to.
//
// The recipe's code is docs/recipes.md's own: the spec extracts its fences, compiles them with TypeScript and passes
// the JavaScript in RXJS_CANCEL_ANGULAR_RECIPES ({ UserPage, userWithRetry, startPendingTask, UserName, UserCard }); it is imported from
// `data:` URLs.
/* global Zone -- defined by zone.js once it is loaded, below */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { register } from 'node:module';

const mode = process.argv[2];
if (mode !== 'zone' && mode !== 'zoneless') throw new Error(`scenario.mjs: expected zone or zoneless, got ${mode}`);
register('./hooks.mjs', import.meta.url, {
  data: { rxjsDir: process.env.RXJS_CANCEL_CHILD_RXJS ?? '', base: import.meta.url },
});

/**
 * While a scenario runs: everything reported as unhandled, and what the app's ErrorHandler hears (each entry names the
 * way). Outside one, an uncaught error ends this process with a non-zero code, as it would without these handlers.
 */
let heard = null;
const hear = (via) => (error) => {
  if (heard === null) {
    console.error(error);
    process.exit(1);
  }
  heard.push({ via, error: shape(error) });
};
process.on('uncaughtException', hear('uncaughtException'));
process.on('unhandledRejection', hear('unhandledRejection'));

if (mode === 'zone') {
  await import('zone.js/node');
  // zone.js hands an unhandled ZoneAwarePromise rejection outside Angular's zone to this handler
  const handler = hear('unhandled ZoneAwarePromise rejection');
  Zone[Zone.__symbol__('unhandledPromiseRejectionHandler')] = (error) => handler(error?.rejection ?? error);
}
await import('@angular/compiler');
const core = await import('@angular/core');
const { AsyncPipe } = await import('@angular/common');
const { HttpClient, provideHttpClient, withFetch } = await import('@angular/common/http');
const { HttpTestingController, provideHttpClientTesting } = await import('@angular/common/http/testing');
const { pendingUntilEvent, takeUntilDestroyed } = await import('@angular/core/rxjs-interop');
const { createApplication } = await import('@angular/platform-browser');
const { INITIAL_CONFIG, platformServer, provideServerRendering } = await import('@angular/platform-server');
const rx = await import('rxjs');
const lib = await import('rxjs-cancel');
const { reporter } = await import('../childReport.cjs');
const { awaitTask, cancelWhen, CancelledError, detectCancel, shield, startTask } = lib;
const { shape, logger } = reporter(lib);
const { version: rxjsVersion } = (await import('rxjs/package.json', { with: { type: 'json' } })).default;

const recipes = JSON.parse(process.env.RXJS_CANCEL_ANGULAR_RECIPES);
const importRecipe = (js) => import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
const { UserPage } = await importRecipe(recipes.UserPage);
const { startPendingTask } = await importRecipe(recipes.startPendingTask);
const { userWithRetry } = await importRecipe(recipes.userWithRetry);
const { UserName } = await importRecipe(recipes.UserName);
const { UserCard } = await importRecipe(recipes.UserCard);

/**
 * A server that answers nobody by itself: it tells when a request arrives (with the response, which scenario 10 ends
 * when it chooses) and when its connection closes, answered or not.
 */
const server = createServer((request, response) => {
  server.emit('arrived', `${request.method} ${request.url}`, response);
  response.on('close', () => server.emit('closed', response.writableEnded ? 'answered' : 'closed unanswered'));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

const { createComponent, DestroyRef, ErrorHandler, NgZone, runInInjectionContext } = core;
const changeDetection = () =>
  mode === 'zone' ? core.provideZoneChangeDetection() : core.provideZonelessChangeDetection();
const platformRef = platformServer([
  { provide: INITIAL_CONFIG, useValue: { document: '<html><body></body></html>', url: `${origin}/` } },
]);
const appRef = await createApplication(
  {
    providers: [
      changeDetection(),
      provideHttpClient(),
      provideHttpClientTesting(),
      {
        provide: ErrorHandler,
        useValue: { handleError: hear('ErrorHandler') },
      },
    ],
  },
  { platformRef },
);
const { injector } = appRef;
const ngZone = injector.get(NgZone);
const http = injector.get(HttpClient);
const backend = injector.get(HttpTestingController);

/** A new UserPage, created in the app's zone (as Angular creates components). */
const newPage = () => ngZone.run(() => createComponent(UserPage, { environmentInjector: injector }));
/** A new UserName (toSignal), and a new UserCard (resource), as newPage() makes a UserPage. */
const newName = () => ngZone.run(() => createComponent(UserName, { environmentInjector: injector }));
const newCard = () => ngZone.run(() => createComponent(UserCard, { environmentInjector: injector }));
/** The requests taken by requestTo() in the scenario that runs. */
const taken = [];
/** The one request sent to `url` since the last look (`expectOne` throws if there is not exactly one). */
const requestTo = (url) => taken[taken.push(backend.expectOne(url)) - 1];
/** Logs how `promise` settles. */
const outcome = (log, who, promise) =>
  promise.then(
    (value) => log.push(`${who}: resolved ${JSON.stringify(value)}`),
    (error) => log.push(`${who}: rejected ${JSON.stringify(shape(error))}`),
  );
/** Two turns of the event loop: promise reactions and RxJS's reports of unhandled errors (on a timer) have run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1)).then(() => new Promise((r) => setTimeout(r, 1)));
/** An AsyncPipe as a template's `{{ task | async }}` makes it. */
const asyncPipe = () => runInInjectionContext(injector, () => new AsyncPipe({ markForCheck() {} }));
const ada = { name: 'Ada' };
/** Logs what reading the signal `read` gives, or what it throws (with the `cause` of an error that has one). */
const reading = (log, who, read) => {
  try {
    log.push(`${who}: ${JSON.stringify(read())}`);
  } catch (error) {
    const cause = error?.cause === undefined ? '' : `, cause ${JSON.stringify(shape(error.cause))}`;
    log.push(`${who}: threw ${JSON.stringify(shape(error))}${cause}`);
  }
};

const scenarios = {
  /** 1. load(id) sends the request; its response is the task's value. */
  async value() {
    const log = [];
    const page = newPage();
    const user = ngZone.run(() => page.instance.load('1'));
    const request = requestTo('/api/users/1');
    log.push(`sent ${request.request.method} ${request.request.url}, task ${user.state}`);
    const done = ngZone.run(() => {
      user.subscribe(logger(log, 'subscriber'));
      return outcome(log, 'awaitTask', awaitTask(user));
    });
    request.flush(ada);
    log.push(`responded: task ${user.state}`);
    await done;
    page.destroy();
    log.push(`destroyed: task ${user.state}`);
    return log;
  },

  /** 2. Destroying the component cancels the task and its request; who sees what. */
  async destroy() {
    const log = [];
    const page = newPage();
    const { lifetime } = page.instance;
    const user = ngZone.run(() => page.instance.load('1'));
    const request = requestTo('/api/users/1');
    ngZone.run(() => {
      outcome(log, 'awaitTask', awaitTask(user));
      outcome(log, 'awaitTask with the lifetime', awaitTask(user, { signal: lifetime.signal }));
      user.pipe(detectCancel()).subscribe(logger(log, 'detectCancel'));
      user.pipe(detectCancel(), cancelWhen(lifetime.signal)).subscribe(logger(log, 'detectCancel, cancelWhen'));
    });
    page.destroy();
    const reason = JSON.stringify(lifetime.signal.reason);
    log.push(`destroyed: lifetime aborted with ${reason}, task ${user.state}, request cancelled ${request.cancelled}`);
    await settle();
    return log;
  },

  /** 3. A logout cancels the task and its request: someone else's cancellation. */
  async logout() {
    const log = [];
    const page = newPage();
    const { lifetime } = page.instance;
    const user = ngZone.run(() => page.instance.load('1'));
    const request = requestTo('/api/users/1');
    ngZone.run(() => {
      user.subscribe(logger(log, 'plain'));
      user.pipe(detectCancel()).subscribe(logger(log, 'detectCancel'));
      user.pipe(detectCancel(), cancelWhen(lifetime.signal)).subscribe(logger(log, 'detectCancel, cancelWhen'));
      outcome(log, 'awaitTask with the lifetime', awaitTask(user, { signal: lifetime.signal }));
      log.push(`cancel('logged out') returned ${user.cancel('logged out')}`);
    });
    log.push(`task ${user.state}, request cancelled ${request.cancelled}, lifetime aborted ${lifetime.signal.aborted}`);
    await settle();
    page.destroy();
    await settle();
    log.push('destroyed');
    return log;
  },

  /** 4. Owners: the async pipe leaving, and firstValueFrom() or take(1) leaving on the value. */
  async owners() {
    const result = {};
    const page = newPage();

    let log = (result.asyncPipes = []);
    const user = ngZone.run(() => page.instance.load('1'));
    const request = requestTo('/api/users/1');
    const [first, second] = [asyncPipe(), asyncPipe()];
    ngZone.run(() => [first, second].forEach((pipe) => pipe.transform(user)));
    first.ngOnDestroy();
    log.push(`one async pipe left: task ${user.state}, request cancelled ${request.cancelled}`);
    second.ngOnDestroy();
    log.push(`the other left: task ${user.state}, request cancelled ${request.cancelled}`);

    for (const [name, leave] of [
      ['firstValueFrom', (task) => outcome(log, 'firstValueFrom', rx.firstValueFrom(task))],
      ['take(1)', (task) => task.pipe(rx.take(1)).subscribe(logger(log, 'take(1)'))],
    ]) {
      log = result[name] = [];
      const task = ngZone.run(() => page.instance.load('2'));
      const request = requestTo('/api/users/2');
      ngZone.run(() => leave(task));
      request.flush(ada);
      log.push(`responded: task ${task.state}`);
      await settle();
      ngZone.run(() => {
        task.subscribe(logger(log, 'later plain'));
        outcome(log, 'later lastValueFrom', rx.lastValueFrom(task));
        outcome(log, 'later awaitTask', awaitTask(task));
      });
      await settle();
    }
    page.destroy();
    return result;
  },

  /** 5. shield(): a task not linked to the component outlives it; one linked to its lifetime does not. */
  async shield() {
    const log = [];
    const page = newPage();
    const destroyRef = page.injector.get(DestroyRef);
    const save = ngZone.run(() => startTask(http.put('/api/save', ada), { name: 'save' }));
    const saveRequest = requestTo('/api/save');
    const linked = ngZone.run(() =>
      startTask(http.put('/api/linked', ada), { signal: page.instance.lifetime.signal, name: 'linked' }),
    );
    const linkedRequest = requestTo('/api/linked');
    ngZone.run(() => {
      save.pipe(shield(), takeUntilDestroyed(destroyRef)).subscribe(logger(log, 'component, save'));
      linked.pipe(shield(), takeUntilDestroyed(destroyRef)).subscribe(logger(log, 'component, linked'));
    });
    page.destroy();
    log.push(`destroyed: save ${save.state}, its request cancelled ${saveRequest.cancelled}`);
    log.push(`destroyed: linked ${linked.state}, its request cancelled ${linkedRequest.cancelled}`);
    saveRequest.flush({ saved: true });
    log.push(`responded: save ${save.state}`);
    save.subscribe(logger(log, 'later'));
    await settle();
    return log;
  },

  /** 6. The retry recipe: a logout, with the session renewed before or after aborting the old one. */
  async retry() {
    const result = {};
    const url = '/api/users/1';
    Object.assign(globalThis, { http, url }); // what the recipe declares
    for (const renew of ['before', 'after']) {
      const log = (result[`renewed ${renew}`] = []);
      globalThis.session = new AbortController();
      ngZone.run(() => userWithRetry.subscribe(logger(log, 'userWithRetry')));
      const request = requestTo(url);
      const old = globalThis.session;
      if (renew === 'before') globalThis.session = new AbortController();
      ngZone.run(() => old.abort('logged out'));
      if (renew === 'after') globalThis.session = new AbortController();
      const again = backend.match(url);
      log.push(`logged out: first request cancelled ${request.cancelled}, requests sent again: ${again.length}`);
      again.forEach((request) => request.flush(ada));
      await settle();
    }
    // retry() on the task itself resubscribes to the same task: its cancellation is replayed
    const log = (result['load(id) with retry(1)'] = []);
    const page = newPage();
    const user = ngZone.run(() => page.instance.load('1'));
    const request = requestTo(url);
    ngZone.run(() => user.pipe(detectCancel(), rx.retry(1)).subscribe(logger(log, 'retry(1)')));
    ngZone.run(() => user.cancel('invalidated'));
    log.push(`request cancelled ${request.cancelled}, requests sent again: ${backend.match(url).length}`);
    page.destroy();
    await settle();
    return result;
  },

  /** 7. What Angular's ErrorHandler hears of a task cancelled under a subscriber without an `error` callback. */
  async errorHandler() {
    const result = {};
    const page = newPage();
    const cases = {
      'plain subscribe without an error callback': (task) => task.subscribe(() => {}),
      'async pipe': (task) => asyncPipe().transform(task),
      'async pipe after the catchError': (task) =>
        asyncPipe().transform(
          task.pipe(rx.catchError((e) => (e instanceof CancelledError ? rx.EMPTY : rx.throwError(() => e)))),
        ),
    };
    let id = 0;
    for (const [name, subscribe] of Object.entries(cases)) {
      heard = [];
      const user = ngZone.run(() => page.instance.load(String(++id)));
      requestTo(`/api/users/${id}`);
      ngZone.run(() => subscribe(user));
      ngZone.run(() => user.cancel('logged out'));
      await settle();
      result[name] = heard;
    }
    heard = [];
    page.destroy();
    return result;
  },
  /** 8. With HttpClient's own backends (XHR, which platform-server provides with xhr2, and fetch) over a socket. */
  async realBackends() {
    const result = {};
    for (const [name, features] of [
      ['xhr', []],
      ['fetch', [withFetch()]],
    ]) {
      const log = (result[name] = []);
      // an SSR app: server rendering (relative URLs resolved against the page's), HttpClient with its own backend
      const app = await createApplication(
        { providers: [changeDetection(), provideServerRendering(), provideHttpClient(...features)] },
        { platformRef },
      );
      const zone = app.injector.get(NgZone);
      const page = zone.run(() => createComponent(UserPage, { environmentInjector: app.injector }));
      const arrived = once(server, 'arrived');
      const user = zone.run(() => page.instance.load('1'));
      zone.run(() => user.subscribe(logger(log, 'subscriber')));
      log.push(`server: ${(await arrived)[0]}`);
      const closed = once(server, 'closed');
      page.destroy();
      log.push(`destroyed: task ${user.state}`);
      // a guard, so that a connection left open fails the test at once rather than at the spec's timeout
      let guard;
      const stillOpen = new Promise((resolve) => (guard = setTimeout(resolve, 5000, 'still open after 5 s')));
      log.push(`server: ${await Promise.race([closed, stillOpen])}`);
      clearTimeout(guard);
      app.destroy();
    }
    return result;
  },

  /**
   * 9. `appRef.whenStable()`, called when a component that observed a task over a timer is destroyed: through shield()
   * the task keeps its timer; without it the task is cancelled and its timer cleared. A timer as long as the task's,
   * set just before it outside Angular's zone (so it fires first), tells whether whenStable() resolved at once.
   */
  async whenStable() {
    const result = {};
    const delay = 20;
    const started = (source) => startTask(source, { name: 'tick' });
    const variants = {
      'plain subscribe': { start: started, observe: (task) => task },
      'shield()': { start: started, observe: (task) => task.pipe(shield()) },
      "shield(), the task started outside Angular's zone": {
        start: (source) => ngZone.runOutsideAngular(() => started(source)),
        observe: (task) => task.pipe(shield()),
      },
      'shield(), then pendingUntilEvent()': {
        start: started,
        observe: (task) => task.pipe(shield(), pendingUntilEvent(injector)),
      },
      'shield(), the task started with startPendingTask()': {
        start: (source) => startPendingTask(source, injector, { name: 'tick' }),
        observe: (task) => task.pipe(shield()),
      },
    };
    await appRef.whenStable();
    for (const [name, { start, observe }] of Object.entries(variants)) {
      const log = (result[name] = []);
      const page = newPage();
      const destroyRef = page.injector.get(DestroyRef);
      const reference = new Promise((resolve) =>
        ngZone.runOutsideAngular(() => setTimeout(() => resolve(log.push('reference timer fired')), delay)),
      );
      const task = ngZone.run(() => {
        const task = start(rx.timer(delay).pipe(rx.tap(() => log.push('timer fired'))));
        task.signal.addEventListener('abort', () => log.push('task cancelled'));
        observe(task).pipe(takeUntilDestroyed(destroyRef)).subscribe(logger(log, 'component'));
        return task;
      });
      page.destroy();
      log.push(`destroyed: task ${task.state}`);
      await appRef.whenStable();
      log.push(`stable: task ${task.state}`);
      await reference;
      await rx.lastValueFrom(task.pipe(shield()), { defaultValue: undefined }).catch(() => {});
      await settle();
    }
    return result;
  },

  /**
   * 10. `whenStable()` and a task over a real request (HttpClient's XHR and fetch backends, in an SSR app as scenario
   * 8's), as the component that observed it through shield() is destroyed: the server answers only when told to, after
   * a reference timer set outside Angular's zone. Without shield() the component's leaving cancels the task and aborts
   * its request: whenStable() resolves before that timer fires, which shows the timer waits long enough.
   */
  async httpWhenStable() {
    const result = {};
    const delay = 20;
    for (const [name, features] of [
      ['xhr', []],
      ['fetch', [withFetch()]],
    ]) {
      const app = await createApplication(
        { providers: [changeDetection(), provideServerRendering(), provideHttpClient(...features)] },
        { platformRef },
      );
      const zone = app.injector.get(NgZone);
      const client = app.injector.get(HttpClient);
      await app.whenStable();
      for (const [variant, observe] of [
        ['plain subscribe', (task) => task],
        ['shield()', (task) => task.pipe(shield())],
      ]) {
        const log = ((result[name] ??= {})[variant] = []);
        const page = zone.run(() => createComponent(UserPage, { environmentInjector: app.injector }));
        const destroyRef = page.injector.get(DestroyRef);
        const arrived = once(server, 'arrived');
        const task = zone.run(() => startTask(client.get('/api/users/1'), { name: 'user 1' }));
        zone.run(() => observe(task).pipe(takeUntilDestroyed(destroyRef)).subscribe(logger(log, 'component')));
        const [request, response] = await arrived;
        log.push(`server: ${request}`);
        const closed = once(server, 'closed');
        page.destroy();
        log.push(`destroyed: task ${task.state}`);
        if (task.state === 'running') task.pipe(shield()).subscribe(logger(log, 'later, through shield()'));
        const stable = app.whenStable().then(() => log.push(`stable: task ${task.state}`));
        await new Promise((resolve) => zone.runOutsideAngular(() => setTimeout(resolve, delay)));
        log.push('reference timer fired');
        if (!response.writableEnded && !response.destroyed) {
          log.push('server: answers');
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify(ada));
        }
        await stable;
        log.push(`server: ${(await closed)[0]}`);
        await settle();
      }
      app.destroy();
    }
    return result;
  },

  /**
   * 11. toSignal() over a task (docs/recipes.md's UserName): the task completes, the component is destroyed while it
   * runs, someone else cancels it. Each signal is read as a template would, and what the read gives or throws is logged.
   */
  async toSignal() {
    const result = {};
    const read = (log, when, name) => {
      reading(log, `${when}: user()`, name.user);
      reading(log, `${when}: userOrNull()`, name.userOrNull);
    };
    for (const ending of ['completes', 'component destroyed', "someone else's cancel()"]) {
      const log = (result[ending] = []);
      const page = newName();
      const name = page.instance; // a destroyed ComponentRef no longer gives its instance
      const { load } = name;
      const request = requestTo('/api/users/1');
      read(log, `sent, task ${load.state}`, name);
      if (ending === 'completes') {
        request.flush(ada);
        read(log, `responded, task ${load.state}`, name);
      } else if (ending === 'component destroyed') {
        page.destroy();
        const reason = JSON.stringify(shape(load.signal.reason));
        log.push(`destroyed: task ${load.state} with ${reason}, request cancelled ${request.cancelled}`);
        read(log, 'destroyed', name);
      } else {
        log.push(`cancel('logged out') returned ${ngZone.run(() => load.cancel('logged out'))}`);
        log.push(`task ${load.state}, request cancelled ${request.cancelled}`);
        read(log, 'cancelled', name);
        const thrown = [];
        for (let i = 0; i < 2; i++) {
          try {
            name.user();
          } catch (error) {
            thrown.push(error);
          }
        }
        log.push(
          `user() read twice throws the task's own CancelledError: ${thrown.length === 2 && thrown.every((e) => e === load.signal.reason)}`,
        );
      }
      await settle();
      if (ending !== 'component destroyed') {
        page.destroy();
        read(log, 'destroyed', name);
      }
    }
    return result;
  },

  /** 12. resource() whose loader awaits a task linked to its abortSignal (docs/recipes.md's UserCard). */
  async resource() {
    const result = {};
    const state = (log, when, card) => {
      const { user } = card;
      log.push(
        `${when}: status ${user.status()}, isLoading ${user.isLoading()}, error ${JSON.stringify(shape(user.error()))}`,
      );
      reading(log, `${when}: value()`, user.value);
    };
    /** A change detection of the card: it runs the resource's effect, which starts a load if one is due. */
    const detect = (page) => ngZone.run(() => page.changeDetectorRef.detectChanges());

    let log = (result.superseded = []);
    let page = newCard();
    let card = page.instance;
    state(log, 'created', card);
    detect(page);
    await settle();
    const first = card.loading;
    const request1 = requestTo('/api/users/1');
    state(log, `detected: task ${first.name} ${first.state}`, card);
    ngZone.run(() => card.id.set('2'));
    detect(page);
    await settle();
    const second = card.loading;
    const request2 = requestTo('/api/users/2');
    const reason = JSON.stringify(shape(first.signal.reason));
    log.push(`id 2: ${first.name} ${first.state} with ${reason}, its request cancelled ${request1.cancelled}`);
    state(log, `id 2: ${second.name} ${second.state}`, card);
    await settle();
    state(log, 'settled', card);
    request2.flush(ada);
    await settle();
    state(log, `responded: ${second.name} ${second.state}`, card);
    page.destroy();
    state(log, 'destroyed', card);

    // the load superseded in the change detection after the one that started it, with no turn of the event loop between
    log = result['superseded in the turn it started'] = [];
    heard = [];
    page = newCard();
    card = page.instance;
    detect(page);
    const same = requestTo('/api/users/1');
    ngZone.run(() => card.id.set('2'));
    detect(page);
    const next = requestTo('/api/users/2');
    log.push(`id 2: request 1 cancelled ${same.cancelled}`);
    state(log, 'id 2', card);
    await settle();
    state(log, 'settled', card);
    next.flush(ada);
    await settle();
    state(log, 'responded', card);
    page.destroy();
    log.push(...heard.map(({ via, error }) => `${via}: ${JSON.stringify(error)}`));
    heard = [];

    log = result.destroyed = [];
    page = newCard();
    card = page.instance;
    detect(page);
    await settle();
    const request = requestTo('/api/users/1');
    page.destroy();
    const destroyedReason = JSON.stringify(shape(card.loading.signal.reason));
    log.push(
      `destroyed: ${card.loading.name} ${card.loading.state} with ${destroyedReason}, request cancelled ${request.cancelled}`,
    );
    state(log, 'destroyed', card);
    await settle();
    state(log, 'settled', card);

    log = result['cancelled by someone else'] = [];
    page = newCard();
    card = page.instance;
    detect(page);
    await settle();
    const cancelled = requestTo('/api/users/1');
    log.push(`cancel('logged out') returned ${ngZone.run(() => card.loading.cancel('logged out'))}`);
    log.push(`request cancelled ${cancelled.cancelled}`);
    state(log, 'cancelled', card);
    await settle();
    state(log, 'settled', card);
    log.push(`reload() returned ${ngZone.run(() => card.user.reload())}`);
    detect(page);
    await settle();
    const again = requestTo('/api/users/1');
    state(log, `reloading: ${card.loading.name} ${card.loading.state}`, card);
    again.flush(ada);
    await settle();
    state(log, 'responded', card);
    page.destroy();
    return result;
  },
};

const results = {};
/** What each scenario left reported as unhandled or heard by the ErrorHandler, beyond what it looked at itself. */
const unheard = {};
/** The requests each scenario left open (neither answered nor cancelled). */
const leftOpen = {};
for (const [name, run] of Object.entries(scenarios)) {
  heard = [];
  try {
    results[name] = await run();
  } catch (error) {
    results[name] = { threw: shape(error) }; // the scenarios after it still run
  }
  unheard[name] = heard;
  heard = null;
  // a TestRequest's `cancelled` is true once it is torn down: cancelled, or answered and completed
  leftOpen[name] = [...taken.splice(0), ...backend.match(() => true)]
    .filter((request) => !request.cancelled)
    .map((request) => request.request.url);
}
const task = startTask(rx.NEVER);
const setup = {
  mode,
  angular: core.VERSION.full,
  ngZone: ngZone.constructor.name,
  zoneJs:
    typeof Zone === 'undefined'
      ? null
      : (await import('zone.js/package.json', { with: { type: 'json' } })).default.version,
  rxjs: rxjsVersion,
  // Angular's rxjs is the package's and this file's: an HttpClient observable and a task are this rxjs's Observables
  oneRxjs: http.get('/api/none') instanceof rx.Observable && task instanceof rx.Observable,
};
task.cancel();
appRef.destroy();
platformRef.destroy();
server.closeAllConnections();
server.close();
console.log(JSON.stringify({ setup, results, heard: unheard, leftOpen }));
