/**
 * The first task a copy of the package makes keeps two tasks of its own running for good (src/task.ts,
 * `keptShapes`), so that V8 never forgets the object shapes of a task's life between two bursts of tasks
 * (a fan-out timed after a full GC took twice as long without them). What that costs the user must be nothing:
 * they hold nothing of the user's tasks, never end, touch no event target, and do not change what the first
 * task's checks report.
 * Each test takes a fresh copy of the module, as a new process would.
 */
import { concat, NEVER, of, type Subscription } from 'rxjs';
import { collect, collector } from './helpers';

type TaskModule = typeof import('../src/task');

function freshCopy(): TaskModule {
  let copy: TaskModule | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<TaskModule>('../src/task');
  });
  return copy!;
}

describe('the shapes a copy keeps', () => {
  it('are made by the first task: two running tasks, the second linked to the first, each observed, and an Event', () => {
    const copy = freshCopy();
    expect(copy.keptShapes).toBeNull();
    copy.task(of(1)); // made, never run: that is enough

    const shapes = copy.keptShapes!;
    expect(shapes).toHaveLength(4);
    const [parent, child, childSignal, event] = shapes as [
      InstanceType<TaskModule['Task']>,
      InstanceType<TaskModule['Task']>,
      AbortSignal,
      Event,
    ];
    expect(parent).toBeInstanceOf(copy.Task);
    expect(child).toBeInstanceOf(copy.Task);
    expect([parent.state, child.state]).toEqual(['running', 'running']);
    expect(child._parentSignal).toBe(parent.signal);
    // each with an open subscription (of the copy's own rxjs: isolateModules gives it one), and its signal made
    for (const kept of [parent, child]) {
      expect(kept._observers).toHaveLength(1);
      expect((kept._observers[0]._observer as unknown as Subscription).closed).toBe(false);
      expect(kept._controller?.signal.aborted).toBe(false);
    }
    expect(childSignal).toBe(child.signal);
    expect(event).toBeInstanceOf(Event);
    expect(event.type).toBe('abort');
  });

  it('touch no event target: the first task, its signal unread, adds no listener and aborts nothing', () => {
    const copy = freshCopy();
    const addEventListener = jest.spyOn(EventTarget.prototype, 'addEventListener');
    const abort = jest.spyOn(AbortController.prototype, 'abort');
    try {
      copy.task(NEVER);
      expect(copy.keptShapes).not.toBeNull();
      expect([addEventListener.mock.calls.length, abort.mock.calls.length]).toEqual([0, 0]);
    } finally {
      addEventListener.mockRestore();
      abort.mockRestore();
    }
  });

  it('are made once, and outlive every task of the user, cancelled, failed or ended by their signal', () => {
    const copy = freshCopy();
    const first = copy.startTask(of(1));
    const shapes = copy.keptShapes;
    const [parent, child] = shapes as InstanceType<TaskModule['Task']>[];

    const controller = new AbortController();
    const linked = copy.task(NEVER, { signal: controller.signal }).start();
    const failing = copy.startTask(() => {
      throw new Error('boom');
    });
    const cancelled = copy.startTask(() => NEVER);
    cancelled.cancel('user');
    controller.abort('shutdown');

    expect(copy.keptShapes).toBe(shapes);
    expect([first.state, linked.state, failing.state, cancelled.state]).toEqual([
      'completed',
      'cancelled',
      'errored',
      'cancelled',
    ]);
    expect([parent!.state, child!.state]).toEqual(['running', 'running']);
  });

  it("do not change what the first task's checks report: startTask() is still named", () => {
    const copy = freshCopy();
    expect(() => copy.startTask(42 as never)).toThrow(
      /^startTask\(\): expected an Observable, Promise, iterable or function, got the number 42$/,
    );
    expect(copy.keptShapes).toBeNull(); // refused before anything was kept
    expect(copy.startTask(of(1)).state).toBe('completed');
    expect(copy.keptShapes).not.toBeNull();
    expect(() => copy.startTask(null as never)).toThrow(/^startTask\(\): /);
    expect(() => copy.task(null as never)).toThrow(/^task\(\): /);
  });

  it("hold nothing of the user's tasks: the first task and its value are collected once ended", async () => {
    const gc = collector();
    const copy = freshCopy();
    const refs: WeakRef<object>[] = [];
    (() => {
      const value = { large: new Array(1000).fill(0) };
      const first = copy.startTask(of(value));
      const second = copy.startTask(() => concat(of(value), NEVER));
      second.subscribe({ error: () => undefined });
      expect(second.cancel('dropped')).toBe(true);
      refs.push(new WeakRef(first), new WeakRef(second), new WeakRef(value));
    })();
    expect(copy.keptShapes).not.toBeNull();
    await collect(gc);
    expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
  });

  it("hold nothing of the user's either when the first task is made while stack traces are captured", async () => {
    const gc = collector();
    let copy: TaskModule | undefined;
    let errors: typeof import('../src/errors') | undefined;
    jest.isolateModules(() => {
      copy = jest.requireActual<TaskModule>('../src/task');
      errors = jest.requireActual<typeof import('../src/errors')>('../src/errors'); // the copy's own
    });
    errors!.CancelledError.captureStackTraces = true; // a stack trace holds the receivers of its frames
    const refs: WeakRef<object>[] = [];
    (() => {
      const value = { large: new Array(1000).fill(0) };
      const first = copy!.startTask(of(value));
      refs.push(new WeakRef(first), new WeakRef(value));
    })();
    expect(copy!.keptShapes).not.toBeNull();
    await collect(gc);
    expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true]);
  });
});
