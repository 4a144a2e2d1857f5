/**
 * docs/recipes.md's Angular recipes ("A component's lifetime": `UserPage`, `userWithRetry`, and the signal recipes
 * `UserName` (toSignal) and `UserCard` (resource), scenarios 11 and 12) run on
 * real Angular 21, and the section's claims checked. Angular's packages are ES modules and Angular is loaded with
 * zone.js in one app and without it in another, so none of it is loaded into the jest process: spec/childProcess.ts
 * runs spec/angular/scenario.mjs twice at once, once with zone.js 0.16 and `provideZoneChangeDetection()` (NgZone),
 * once with `provideZonelessChangeDetection()`, each on Angular's server platform with `provideHttpClient()` and
 * `provideHttpClientTesting()` (whose `TestRequest.cancelled` tells whether a request was aborted), and once more with
 * HttpClient's own XHR and fetch backends against a local server that never answers (it tells when a connection
 * closes). Scenario 9 calls `ApplicationRef.whenStable()` as a component that observed a task over a `timer()`
 * (through `shield()` or not) is destroyed, and logs whether it resolves before or after the task's end; another does
 * the same with a task over a real request (XHR, then fetch) to a local server that answers only when told to.
 *
 * The code run is the recipes' own (and the "With zone.js" section's `startPendingTask`): their fences are taken from
 * docs/recipes.md (spec/docExamples.ts, as spec/examples.spec.ts does), compiled here with TypeScript's
 * transpileModule (experimentalDecorators, as Angular builds do) and passed to the child, so the doc and this test
 * cannot drift.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { runChildren, rxjsVersion } from './childProcess';
import { examplesIn } from './docExamples';

const script = join(__dirname, 'angular', 'scenario.mjs');

type Shape = { class: string; reason?: unknown; task?: string; message?: string };
type Report = { via: string; error: Shape };
type Output = {
  setup: { mode: string; angular: string; ngZone: string; zoneJs: string | null; rxjs: string; oneRxjs: boolean };
  results: Record<string, Record<string, unknown>> & Record<string, unknown>;
  heard: Record<string, Report[]>;
  leftOpen: Record<string, string[]>;
};

/** The recipe whose fence exports `name`, as an ES module of JavaScript. */
function recipe(name: string): string {
  const found = examplesIn('docs/recipes.md').filter(({ code }) =>
    new RegExp(`^export (?:class|const) ${name}\\b`, 'm').test(code),
  );
  expect(found).toHaveLength(1);
  return ts.transpileModule(found[0].code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, experimentalDecorators: true },
  }).outputText;
}

const modes = ['zone', 'zoneless'] as const;
const outputs = {} as Record<(typeof modes)[number], Output>;

beforeAll(async () => {
  const recipes = JSON.stringify({
    UserPage: recipe('UserPage'),
    userWithRetry: recipe('userWithRetry'),
    startPendingTask: recipe('startPendingTask'),
    UserName: recipe('UserName'),
    UserCard: recipe('UserCard'),
  });
  const runs = await runChildren<Output>(
    script,
    modes.map((mode) => [mode]),
    { RXJS_CANCEL_ANGULAR_RECIPES: recipes },
  );
  modes.forEach((mode, i) => (outputs[mode] = runs[i]));
}, 60_000);

const shape = (kind: string, reason: unknown, task?: string): Shape => ({ class: kind, reason, task });
const line = (who: string, error: Shape): string => `${who}: error ${JSON.stringify(error)}`;
const rejected = (who: string, error: Shape): string => `${who}: rejected ${JSON.stringify(error)}`;
const ADA = JSON.stringify({ name: 'Ada' });
/** What scenario 9 logs when whenStable() waits for the shielded task's end (its timer fires after the reference). */
const waited = [
  'component: complete',
  'destroyed: task running',
  'reference timer fired',
  'timer fired',
  'stable: task completed',
];
/** What it logs when whenStable() resolves while the shielded task still runs. */
const notWaited = [
  'component: complete',
  'destroyed: task running',
  'stable: task running',
  'reference timer fired',
  'timer fired',
];

describe("docs/recipes.md's Angular component on Angular 21 (in child processes)", () => {
  it('one app ran with zone.js 0.16 and NgZone, one zoneless, both on Angular 21.2 over the rxjs this suite runs, the one Angular and the package share', () => {
    expect(outputs.zone.setup).toEqual({
      mode: 'zone',
      angular: expect.stringMatching(/^21\.2\./),
      ngZone: 'NgZone',
      zoneJs: expect.stringMatching(/^0\.16\./),
      rxjs: rxjsVersion,
      oneRxjs: true,
    });
    expect(outputs.zoneless.setup).toEqual({
      mode: 'zoneless',
      angular: expect.stringMatching(/^21\.2\./),
      ngZone: 'NoopNgZone',
      zoneJs: null,
      rxjs: rxjsVersion,
      oneRxjs: true,
    });
  });

  describe.each(modes)('%s', (mode) => {
    const results = () => outputs[mode].results;

    it("1. load(id) sends the request, the response is the task's value, and awaitTask resolves with it", () => {
      expect(results().value).toEqual([
        'sent GET /api/users/1, task running',
        `subscriber: next ${ADA}`,
        'subscriber: complete',
        'responded: task completed',
        `awaitTask: resolved ${ADA}`,
        'destroyed: task completed', // a completed task stays completed
      ]);
    });

    it('2. destroying the component aborts its lifetime and cancels the task and its request: an outside awaitTask and detectCancel() see ChildCancelled; awaitTask and cancelWhen on the lifetime their own CancelledError, without a task', () => {
      const destroyed = 'component destroyed';
      expect(results().destroy).toEqual([
        line('detectCancel, cancelWhen', shape('CancelledError', destroyed)),
        line('detectCancel', shape('ChildCancelled', destroyed, 'user 1')),
        `destroyed: lifetime aborted with "${destroyed}", task cancelled, request cancelled true`,
        rejected('awaitTask with the lifetime', shape('CancelledError', destroyed)),
        rejected('awaitTask', shape('ChildCancelled', destroyed, 'user 1')),
      ]);
    });

    it("3. a logout's cancel() cancels the request: detectCancel(), with or without cancelWhen on the lifetime, and awaitTask on the lifetime see ChildCancelled; a plain subscriber the task's CancelledError", () => {
      const logout = (kind: string) => shape(kind, 'logged out', 'user 1');
      expect(results().logout).toEqual([
        line('plain', logout('CancelledError')),
        line('detectCancel', logout('ChildCancelled')),
        line('detectCancel, cancelWhen', logout('ChildCancelled')),
        "cancel('logged out') returned true",
        'task cancelled, request cancelled true, lifetime aborted false',
        rejected('awaitTask with the lifetime', logout('ChildCancelled')),
        'destroyed', // the component's later destroy tells nobody anything more
      ]);
    });

    it('4. one of two async pipes leaving leaves the task and its request running; the last one leaving cancels both', () => {
      expect(results().owners.asyncPipes).toEqual([
        'one async pipe left: task running, request cancelled false',
        'the other left: task cancelled, request cancelled true',
      ]);
    });

    it.each(['firstValueFrom', 'take(1)'])(
      '4. %s as the last owner leaves on the response, before HttpClient completes, and cancels the task: a later plain subscriber gets the response then a CancelledError, lastValueFrom rejects with it, awaitTask with a ChildCancelled',
      (name) => {
        const released = (kind: string) => shape(kind, undefined, 'user 2'); // a release's reason is undefined
        const value =
          name === 'take(1)'
            ? [`take(1): next ${ADA}`, 'take(1): complete', 'responded: task cancelled']
            : ['responded: task cancelled', `firstValueFrom: resolved ${ADA}`];
        expect(results().owners[name]).toEqual([
          ...value,
          `later plain: next ${ADA}`,
          line('later plain', released('CancelledError')),
          rejected('later lastValueFrom', released('CancelledError')),
          rejected('later awaitTask', released('ChildCancelled')),
        ]);
      },
    );

    it("5. a task not linked to the component, observed through shield(), keeps its request when the component is destroyed and ends on its own; shield() does not keep a task linked to the component's lifetime", () => {
      expect(results().shield).toEqual([
        // the lifetime aborts (DestroyRef callback of the constructor) before takeUntilDestroyed() completes
        line('component, linked', shape('ChildCancelled', 'component destroyed', 'linked')),
        'component, save: complete',
        'destroyed: save running, its request cancelled false',
        'destroyed: linked cancelled, its request cancelled true',
        'responded: save completed',
        'later: next {"saved":true}',
        'later: complete',
      ]);
    });

    describe('6. the retry recipe', () => {
      it('a logout with the session renewed before the old one is aborted: the retry sends the request again under the new session', () => {
        expect(results().retry['renewed before']).toEqual([
          'logged out: first request cancelled true, requests sent again: 1',
          `userWithRetry: next ${ADA}`,
          'userWithRetry: complete',
        ]);
      });

      it("renewed after: the retry's task is linked to the aborted signal, sends nothing, and the subscriber gets a ChildCancelled", () => {
        expect(results().retry['renewed after']).toEqual([
          line('userWithRetry', shape('ChildCancelled', 'logged out')), // the recipe's tasks have no name
          'logged out: first request cancelled true, requests sent again: 0',
        ]);
      });

      it('retry(1) on load(id) itself resubscribes to the same task: its cancellation is replayed and nothing is sent', () => {
        expect(results().retry['load(id) with retry(1)']).toEqual([
          line('retry(1)', shape('ChildCancelled', 'invalidated', 'user 1')),
          'request cancelled true, requests sent again: 0',
        ]);
      });
    });

    it("7. the async pipe hands a cancelled task's CancelledError to the ErrorHandler, once; the recipe's catchError before the pipe keeps it away", () => {
      const { errorHandler } = results();
      expect(errorHandler['async pipe']).toEqual([
        { via: 'ErrorHandler', error: shape('CancelledError', 'logged out', 'user 2') },
      ]);
      expect(errorHandler['async pipe after the catchError']).toEqual([]);
    });

    it.each(['xhr', 'fetch'])(
      "HttpClient's %s backend, over a socket to a server that never answers, closes the connection when the component is destroyed",
      (backend) => {
        expect(results().realBackends[backend]).toEqual([
          'server: GET /api/users/1',
          line('subscriber', shape('CancelledError', 'component destroyed', 'user 1')),
          'destroyed: task cancelled',
          'server: closed unanswered',
        ]);
      },
    );

    describe('9. ApplicationRef.whenStable() called as a component that observed a task over a timer is destroyed', () => {
      const whenStable = () => results().whenStable;

      it("without shield(), the component's leaving cancels the task and clears its timer: whenStable() resolves at once", () => {
        expect(whenStable()['plain subscribe']).toEqual([
          'component: complete',
          'task cancelled',
          'destroyed: task cancelled',
          'stable: task cancelled',
          'reference timer fired',
        ]);
      });

      it("a shielded task started with the doc's startPendingTask() (pendingUntilEvent() in its source) keeps the app unstable until it ends", () => {
        expect(whenStable()['shield(), the task started with startPendingTask()']).toEqual(waited);
      });
    });

    describe("10. ApplicationRef.whenStable() called as a component that observed a task over HttpClient's request to a local server is destroyed", () => {
      const httpWhenStable = () => results().httpWhenStable as Record<string, Record<string, string[]>>;

      it.each(['xhr', 'fetch'])(
        "%s backend, without shield(): the component's leaving cancels the task and aborts its request, and whenStable() resolves before the reference timer fires",
        (backend) => {
          expect(httpWhenStable()[backend]['plain subscribe']).toEqual([
            'server: GET /api/users/1',
            'component: complete', // takeUntilDestroyed() completes it, and its unsubscribing cancels the task
            'destroyed: task cancelled',
            'stable: task cancelled',
            'reference timer fired',
            'server: closed unanswered', // logged last, whenever it closed
          ]);
        },
      );

      it.each(['xhr', 'fetch'])(
        '%s backend, through shield(): the request keeps the app unstable (HttpClient registers it with PendingTasks) until the server has answered and the task has completed',
        (backend) => {
          expect(httpWhenStable()[backend]['shield()']).toEqual([
            'server: GET /api/users/1',
            'component: complete',
            'destroyed: task running',
            'reference timer fired',
            'server: answers', // told to only now: whenStable() had not resolved before the response
            `later, through shield(): next ${ADA}`,
            'later, through shield(): complete',
            'stable: task completed',
            'server: answered', // how its connection closed, logged once whenStable() has resolved
          ]);
        },
      );
    });

    describe("11. docs/recipes.md's toSignal() recipe (UserName)", () => {
      const toSignal = () => results().toSignal as Record<string, string[]>;
      const both = (when: string, user: string, orNull = user) => [
        `${when}: user(): ${user}`,
        `${when}: userOrNull(): ${orNull}`,
      ];

      it('the task completes: both signals give undefined, then the user, and keep it after the component is destroyed', () => {
        expect(toSignal().completes).toEqual([
          ...both('sent, task running', 'undefined'),
          ...both('responded, task completed', ADA),
          ...both('destroyed', ADA),
        ]);
      });

      it("the component destroyed while the task runs: toSignal()'s unsubscribing releases the task, cancelled with reason undefined (its last owner left), and its request; nobody hears an error, both signals keep undefined", () => {
        expect(toSignal()['component destroyed']).toEqual([
          ...both('sent, task running', 'undefined'),
          `destroyed: task cancelled with ${JSON.stringify(shape('CancelledError', undefined, 'user 1'))}, request cancelled true`,
          ...both('destroyed', 'undefined'),
        ]);
      });

      it("someone else's cancel(): reading user() throws the task's own CancelledError, the same object at every read, also after the destroy; userOrNull() gives null", () => {
        const thrown = `threw ${JSON.stringify(shape('CancelledError', 'logged out', 'user 1'))}`;
        expect(toSignal()["someone else's cancel()"]).toEqual([
          ...both('sent, task running', 'undefined'),
          "cancel('logged out') returned true",
          'task cancelled, request cancelled true',
          ...both('cancelled', thrown, 'null'),
          "user() read twice throws the task's own CancelledError: true",
          ...both('destroyed', thrown, 'null'),
        ]);
      });
    });

    describe("12. docs/recipes.md's resource() recipe (UserCard): the loader awaits a task linked to its abortSignal", () => {
      const resource = () => results().resource as Record<string, string[]>;
      const state = (when: string, status: string, value: string, error?: Shape) => [
        `${when}: status ${status}, isLoading ${status === 'loading' || status === 'reloading'}, error ${JSON.stringify(error)}`,
        `${when}: value(): ${value}`,
      ];
      const aborted = (name: string) =>
        JSON.stringify({
          class: 'CancelledError',
          reason: { class: 'AbortError', message: 'This operation was aborted' },
          task: name,
        });

      it("params superseded: Angular's abort cancels the old task (reason: the abortSignal's AbortError) and its request; the resource shows no error, stays loading, then resolves with the new load", () => {
        expect(resource().superseded).toEqual([
          ...state('created', 'loading', 'undefined'),
          ...state('detected: task user 1 running', 'loading', 'undefined'),
          `id 2: user 1 cancelled with ${aborted('user 1')}, its request cancelled true`,
          ...state('id 2: user 2 running', 'loading', 'undefined'),
          ...state('settled', 'loading', 'undefined'), // the old load's ChildCancelled was dropped
          ...state('responded: user 2 completed', 'resolved', ADA),
          ...state('destroyed', 'idle', 'undefined'),
        ]);
      });

      it('the component destroyed while loading: the task and its request are cancelled, the resource goes idle without an error', () => {
        expect(resource().destroyed).toEqual([
          `destroyed: user 1 cancelled with ${aborted('user 1')}, request cancelled true`,
          ...state('destroyed', 'idle', 'undefined'),
          ...state('settled', 'idle', 'undefined'),
        ]);
      });

      it("someone else's cancel(): the resource shows status error, error() the ChildCancelled, and value() throws Angular's error with it as cause; reload() loads again (error() keeps the old ChildCancelled while reloading)", () => {
        const child = shape('ChildCancelled', 'logged out', 'user 1');
        const valueError = {
          class: 'Error',
          message:
            'Resource is currently in an error state (see Error.cause for details): child task "user 1" was cancelled: logged out',
        };
        expect(resource()['cancelled by someone else']).toEqual([
          "cancel('logged out') returned true",
          'request cancelled true',
          ...state('cancelled', 'loading', 'undefined'), // the loader's promise has not rejected yet
          ...state('settled', 'error', `threw ${JSON.stringify(valueError)}, cause ${JSON.stringify(child)}`, child),
          'reload() returned true',
          ...state('reloading: user 1 running', 'reloading', 'undefined', child),
          ...state('responded', 'resolved', ADA),
        ]);
      });

      it('a load superseded in the change detection after the one that started it, with no turn of the event loop between: the resource is as above; with zone.js only, the ErrorHandler hears the dropped ChildCancelled', () => {
        const dropped =
          mode === 'zone' ? [`ErrorHandler: ${aborted('user 1').replace('CancelledError', 'ChildCancelled')}`] : [];
        expect(resource()['superseded in the turn it started']).toEqual([
          'id 2: request 1 cancelled true',
          ...state('id 2', 'loading', 'undefined'),
          ...state('settled', 'loading', 'undefined'),
          ...state('responded', 'resolved', ADA),
          ...dropped,
        ]);
      });
    });

    it('nothing else reaches the ErrorHandler or is reported as unhandled, and no request is left open', () => {
      const { heard, leftOpen } = outputs[mode];
      expect(Object.values(leftOpen).flat()).toEqual([]);
      expect(Object.keys(heard)).toEqual([
        'value',
        'destroy',
        'logout',
        'owners',
        'shield',
        'retry',
        'errorHandler',
        'realBackends',
        'whenStable',
        'httpWhenStable',
        'toSignal',
        'resource',
      ]);
      expect(Object.values(heard).flat()).toEqual([]);
    });
  });

  describe('7. a plain subscriber without an error callback on a cancelled task', () => {
    const error = shape('CancelledError', 'logged out', 'user 1');

    it("with zone.js and NgZone: Angular's ErrorHandler hears the task's CancelledError once", () => {
      expect(outputs.zone.results.errorHandler['plain subscribe without an error callback']).toEqual([
        { via: 'ErrorHandler', error },
      ]);
    });

    it("zoneless: the ErrorHandler does not hear it; on Node it is the process's uncaught exception", () => {
      expect(outputs.zoneless.results.errorHandler['plain subscribe without an error callback']).toEqual([
        { via: 'uncaughtException', error },
      ]);
    });
  });

  describe('9. ApplicationRef.whenStable() and a shielded task over a timer, as the component that observed it is destroyed', () => {
    const stable = (mode: (typeof modes)[number]) => outputs[mode].results.whenStable;

    it("with zone.js: whenStable() waits for the task's own end when it was started in Angular's zone (its timer is the zone's pending macrotask), with or without pendingUntilEvent() after the shield()", () => {
      expect(stable('zone')['shield()']).toEqual(waited);
      expect(stable('zone')['shield(), then pendingUntilEvent()']).toEqual(waited);
    });

    it("with zone.js: a task started outside Angular's zone is not waited for", () => {
      expect(stable('zone')["shield(), the task started outside Angular's zone"]).toEqual(notWaited);
    });

    it('zoneless: whenStable() resolves while the shielded task runs (timers are not counted), and a pendingUntilEvent() after the shield() is released with the component', () => {
      expect(stable('zoneless')['shield()']).toEqual(notWaited);
      expect(stable('zoneless')["shield(), the task started outside Angular's zone"]).toEqual(notWaited);
      expect(stable('zoneless')['shield(), then pendingUntilEvent()']).toEqual(notWaited);
    });
  });
});
