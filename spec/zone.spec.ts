/**
 * The package under zone.js (docs/recipes.md, "With zone.js"), on zone.js's Node bundle. zone.js patches globals
 * (timers, Promise), so it is never loaded into the jest process: each scenario runs in a Node process of its own
 * (spec/zone/scenario.cjs), which loads `zone.js/node` (and `zone.js/testing` for `fakeAsync`), then rxjs and the
 * built package (`rxjs-cancel` → dist/index.cjs), and prints what it saw as JSON.
 *
 * spec/childProcess.ts runs them, over the rxjs this suite runs; the first test below checks which one the child ran.
 */
import { join } from 'node:path';
import { runChildren, rxjsVersion } from './childProcess';

const script = join(__dirname, 'zone', 'scenario.cjs');

type Shape = { class: string; reason?: unknown; task?: string; message?: string };
type Report = { via: string; error: Shape };
type Output = {
  result: Record<string, unknown>;
  unhandled: Report[];
  rxjs: string;
  oneRxjs: boolean;
  zoneJs: string;
  nativePromiseReplaced: boolean;
};

const names = ['seed', 'promises', 'fakeAsync', 'noErrorCallback', 'zones'] as const;
const outputs = {} as Record<(typeof names)[number], Output>;

beforeAll(async () => {
  // stderr carries zone.js's own console report of the controls' unhandled rejections: not looked at
  const runs = await runChildren<Output>(
    script,
    names.map((name) => [name]),
  );
  names.forEach((name, i) => (outputs[name] = runs[i]));
}, 60_000);

const cancelled = (reason: unknown, task?: string): Shape => ({ class: 'CancelledError', reason, task });
const line = (who: string, error: Shape): string => `${who}: error ${JSON.stringify(error)}`;

describe('under zone.js (Node bundle, in a child process)', () => {
  it('each scenario ran with zone.js 0.16 loaded ahead of the package, over the rxjs this suite runs', () => {
    for (const name of names) {
      const output = outputs[name];
      expect(output.zoneJs).toMatch(/^0\.16\./);
      expect(output.nativePromiseReplaced).toBe(true);
      expect(output.rxjs).toBe(rxjsVersion);
      expect(output.oneRxjs).toBe(true);
    }
  });

  it("1. the seed scenario's who-sees-what is unchanged, in the app's zone", () => {
    const PARENT_CANCELLED =
      'main: parent ended with CancelledError (task "parent" was cancelled: main cancels the parent)';
    const childCancelled = [
      'child: sleeping for an hour',
      'child: teardown (cancelled)',
      'parent: child is cancelled now',
      'parent: teardown',
      'main: parent completed',
      'main: parent is completed, child is cancelled',
    ];
    expect(outputs.seed.result).toEqual({
      // the parent's consumer gets the CancelledError; the body sees its own cancellation only as teardown
      'detectCancel, main cancels the parent': [
        'child: sleeping for an hour',
        'child: teardown (cancelled)',
        'parent: I am cancelled',
        'parent: teardown',
        PARENT_CANCELLED,
        'main: parent is cancelled, child is cancelled',
      ],
      'detectCancel, main cancels the child': childCancelled,
      'awaitTask, main cancels the parent': [
        'child: sleeping for an hour',
        'child: teardown (cancelled)',
        PARENT_CANCELLED,
        'parent: I am cancelled',
        'parent: teardown',
        'main: parent is cancelled, child is cancelled',
      ],
      'awaitTask, main cancels the child': childCancelled,
    });
    expect(outputs.seed.unhandled).toEqual([]);
  });

  it('2. the ZoneAwarePromises the package drops or stops waiting on reject later without being reported', () => {
    const { result, unhandled } = outputs.promises;
    expect(result.zoneAwarePromise).toEqual({ instanceofNative: false, constructor: 'ZoneAwarePromise' });
    expect(result.pendingTask).toBe('cancelled');
    expect(result.log).toEqual([
      line('running task', cancelled('stop', 'running')),
      line('all, signal aborts', cancelled('enough')),
      line('all, aborted before', cancelled('aborted before')),
      line('any, aborted before', cancelled('any')),
      `awaitTask, aborted: rejected ${JSON.stringify(cancelled('aborted before'))}`,
      `awaitTask, aborts while waiting: rejected ${JSON.stringify(cancelled('aborts while waiting'))}`,
      line('all, one rejects', { class: 'Error', message: 'first' }), // 'second' rejects 9 ms later
    ]);
    // nothing through 'unhandledRejection', zone.js's handler, the app zone's onHandleError or rxjs's
    // config.onUnhandledError, whereas one control each, sent after, is heard exactly once
    expect(result.unhandledBeforeControls).toEqual([]);
    expect(unhandled).toEqual([
      { via: 'onHandleError', error: { class: 'Error', message: 'app zone control' } },
      { via: 'unhandled ZoneAwarePromise rejection', error: { class: 'Error', message: 'root zone control' } },
      { via: 'config.onUnhandledError', error: { class: 'Error', message: 'rxjs control' } },
    ]);
  });

  describe('3. fakeAsync', () => {
    it('tick() drives a task over an RxJS timer()', () => {
      expect(outputs.fakeAsync.result.timer).toEqual([
        'after 999 ms: running',
        'timer: next "rang"',
        'timer: complete',
        'after 1000 ms: completed',
      ]);
    });

    it('does not drive AbortSignal.timeout: on Node 20 and later, one made inside fakeAsync throws, one made outside runs on real time', () => {
      const { result } = outputs.fakeAsync;
      // Node 20+'s AbortSignal.timeout calls unref() on what the patched setTimeout returns: a fake timer's number;
      // Node 18's takes a timer zone.js does not patch (docs/recipes.md, "With zone.js")
      const major = Number(process.versions.node.split('.')[0]);
      expect(result.abortSignalTimeoutInside).toEqual(
        major === 18
          ? 'made'
          : { threw: { class: 'TypeError', message: expect.stringMatching(/unref is not a function/) } },
      );
      expect(result.abortSignalTimeoutOutside).toEqual([
        'after a fake 1000 ms: running, signal aborted false',
        line(
          'AbortSignal.timeout',
          cancelled({ class: 'TimeoutError', message: 'The operation was aborted due to timeout' }, 'timeout'),
        ),
        'after a real 50 ms: cancelled, signal aborted true',
      ]);
    });

    it('tick() drives an AbortController aborted from a setTimeout', () => {
      expect(outputs.fakeAsync.result.controllerFromSetTimeout).toEqual([
        'after 999 ms: running',
        line('controller', cancelled('deadline', 'controller')),
        'after 1000 ms: cancelled',
      ]);
      expect(outputs.fakeAsync.unhandled).toEqual([]);
    });
  });

  it("4. a cancelled task's plain subscriber without an error callback: tick() and flush() throw the task's CancelledError; the app's zone hears it once", () => {
    const threw = (task: string) => ({ threw: cancelled('stop', task), theTaskError: true });
    expect(outputs.noErrorCallback.result).toEqual({
      'tick, without an error callback': threw('tick without'),
      'tick, with an error callback': 'did not throw',
      'flush, without an error callback': threw('flush without'),
      'flush, with an error callback': 'did not throw',
      // what NgZone hands to Angular's ErrorHandler: once
      app: [{ via: 'onHandleError', error: cancelled('stop', 'app'), theTaskError: true }],
    });
    expect(outputs.noErrorCallback.unhandled).toEqual([]);
  });

  describe('5. the zone reactions run in', () => {
    it("a task's own signal and a linkSignals output: dependants react in the zone that called cancel()", () => {
      const { result } = outputs.zones;
      expect(result.taskSignal).toEqual([
        'child: CancelledError in x',
        'cancelWhen: CancelledError in x',
        'parent: CancelledError in x',
      ]);
      expect(result.linkSignalsOutput).toEqual([
        'child of the output: CancelledError in x',
        'cancelWhen on the output: CancelledError in x',
      ]);
    });

    it("a controller's signal on Node: EventTarget is not patched, so its listeners run in the zone that called abort()", () => {
      const { result } = outputs.zones;
      expect(result.eventTargetPatched).toBe(false);
      expect(result.controllerSignal).toEqual(['child of the controller: CancelledError in x', 'own listener: in x']);
    });

    it('an async factory continues in the root zone after its first native await', () => {
      expect(outputs.zones.result.asyncFactory).toEqual(['factory: in owner', 'after await: in <root>']);
    });

    it("a task observed through shield() keeps its timer pending in its zone until the task's own end", () => {
      expect(outputs.zones.result.shieldTimers).toEqual([
        'macrotask pending: true',
        'consumer left: task running, macrotask pending true',
        'macrotask pending: false',
        'later: task completed, macrotask pending false',
      ]);
      expect(outputs.zones.unhandled).toEqual([]);
    });
  });
});
