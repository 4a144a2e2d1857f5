import { config, NEVER, Observable, tap } from 'rxjs';
import {
  awaitTask,
  CancelledError,
  cancelWhen,
  ChildCancelled,
  detectCancel,
  linkSignals,
  startTask,
  task,
  Task,
  whenAllCancellable,
} from '../src';
import { abortListeners, captureUnhandled, describeError, recorder } from './helpers';

describe('linkSignals', () => {
  it('aborts with the reason of the first input to abort, then removes its listeners', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = linkSignals(a.signal, b.signal);
    expect(abortListeners(a.signal)).toBe(1);
    b.abort('b first');
    expect(abortListeners(a.signal)).toBe(0); // gone from the input that has not aborted, at once
    a.abort('a second');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('b first');
    expect(abortListeners(a.signal)).toBe(0);
    expect(abortListeners(b.signal)).toBe(0);
  });

  it('is already aborted with the first aborted input, in argument order', () => {
    const live = new AbortController().signal;
    const { signal } = linkSignals(live, AbortSignal.abort('second arg'), AbortSignal.abort('third arg'));
    expect(signal.reason).toBe('second arg');
    expect(abortListeners(live)).toBe(0);
  });

  it('unlink() removes every listener it placed', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal, unlink } = linkSignals(a.signal, b.signal);
    unlink();
    expect(abortListeners(a.signal)).toBe(0);
    expect(abortListeners(b.signal)).toBe(0);
    a.abort('after unlink');
    expect(signal.aborted).toBe(false);
  });

  it('10,000 links to one long-lived signal share one listener and leave none once unlinked', () => {
    const longLived = new AbortController().signal;
    const links = Array.from({ length: 10_000 }, () => linkSignals(longLived));
    expect(abortListeners(longLived)).toBe(1);
    links.forEach((link) => link.unlink());
    expect(abortListeners(longLived)).toBe(0);
  });

  it('a plain signal keeps its set of dependants under one symbol of this copy, reused after it emptied, and lets go of what ended', () => {
    const longLived = new AbortController().signal;
    const hubSymbols = () =>
      Object.getOwnPropertySymbols(longLived).filter((symbol) => symbol.description === 'rxjs-cancel hub');
    expect(hubSymbols()).toHaveLength(0);
    const first = linkSignals(longLived);
    const [symbol] = hubSymbols();
    const hub = (longLived as unknown as Record<symbol, Set<unknown>>)[symbol!]!;
    expect([hubSymbols().length, hub.size, abortListeners(longLived)]).toEqual([1, 1, 1]);
    first.unlink();
    expect([hub.size, abortListeners(longLived)]).toEqual([0, 0]); // it holds nothing once its dependants ended
    const second = task(NEVER, { signal: longLived }).start();
    expect((longLived as unknown as Record<symbol, unknown>)[symbol!]).toBe(hub);
    expect([hub.size, abortListeners(longLived)]).toEqual([1, 1]);
    second.cancel();
    expect([hub.size, abortListeners(longLived), hubSymbols().length]).toEqual([0, 0, 1]);
  });

  // From a mutation audit (fifth pass): the hub stays on the signal, so its walk must empty it (dropping the clear()
  // after the walk went unseen: every dependant that reacted stayed reachable from the aborted signal)
  it('a plain signal that aborts keeps its hub empty: nothing that reacted stays reachable from the signal', () => {
    const controller = new AbortController();
    const hubOf = () =>
      Object.getOwnPropertySymbols(controller.signal)
        .filter((symbol) => symbol.description === 'rxjs-cancel hub')
        .map((symbol) => (controller.signal as unknown as Record<symbol, Set<unknown>>)[symbol]!);
    const linked = startTask(NEVER, { name: 'linked', signal: controller.signal });
    NEVER.pipe(cancelWhen(controller.signal)).subscribe({ error: () => undefined });
    const { signal: output } = linkSignals(controller.signal);
    void awaitTask(NEVER, { signal: controller.signal }).catch(() => undefined);
    const [hub] = hubOf();
    expect([hubOf().length, hub!.size]).toEqual([1, 4]);
    controller.abort('stop');
    expect([linked.state, output.aborted]).toEqual(['cancelled', true]);
    expect([hubOf().length, hub!.size, abortListeners(controller.signal)]).toEqual([1, 0, 0]);
  });

  for (const lock of ['seal', 'preventExtensions'] as const) {
    it(`a signal that takes no new property (Object.${lock}) works the same, each link with a listener of its own, none left afterwards`, () => {
      const controller = new AbortController();
      Object[lock](controller.signal);
      const log: string[] = [];
      const linked = task(new Observable<never>(() => () => log.push('teardown')), {
        signal: controller.signal,
        name: 'linked',
      });
      linked.subscribe({ error: (e: unknown) => log.push(describeError(e)) });
      const { signal: output } = linkSignals(controller.signal);
      const waiting = NEVER.pipe(cancelWhen(controller.signal)).subscribe({
        error: (e: unknown) => log.push(`cancelWhen: ${(e as CancelledError).reason}`),
      });
      const dropped = linkSignals(controller.signal);
      dropped.unlink();
      expect(abortListeners(controller.signal)).toBe(3); // linked, output, waiting: one each
      controller.abort('stop');
      expect(log).toEqual(['teardown', describeError(new CancelledError('stop', linked)), 'cancelWhen: stop']);
      expect([linked.state, output.reason, waiting.closed]).toEqual(['cancelled', 'stop', true]);
      expect(abortListeners(controller.signal)).toBe(0);
    });
  }

  it('a Proxy of a signal keeps its hub on the signal', () => {
    const controller = new AbortController();
    linkSignals(new Proxy(controller.signal, {})).unlink();
    const hubs = Object.getOwnPropertySymbols(controller.signal).filter(
      (symbol) => symbol.description === 'rxjs-cancel hub',
    );
    expect(hubs).toHaveLength(1); // set through the proxy, on the signal
  });

  for (const [what, set] of [
    [
      'throws',
      () => {
        throw new Error('read-only');
      },
    ],
    ['refuses (returns false)', () => false],
  ] as const) {
    it(`a Proxy of a signal whose set trap ${what} works like a sealed signal, and no link throws`, () => {
      const controller = new AbortController();
      const other = new AbortController();
      let traps = 0;
      // Only the package's own property is refused: Node 24 sets its own listener bookkeeping on the proxy too.
      const refusing = new Proxy(controller.signal, {
        set(target, key, value) {
          if (typeof key !== 'symbol' || key.description !== 'rxjs-cancel hub') return Reflect.set(target, key, value);
          traps++;
          return set();
        },
      });
      const log: string[] = [];
      const linked = task(new Observable<never>(() => () => log.push('teardown')), {
        signal: refusing,
        name: 'linked',
      });
      linked.subscribe({ error: (e: unknown) => log.push(describeError(e)) });
      // the refusing input comes last: a throw there would leave the link's first input linked for good
      const { signal: output } = linkSignals(other.signal, refusing);
      const waiting = NEVER.pipe(cancelWhen(refusing)).subscribe({
        error: (e: unknown) => log.push(`cancelWhen: ${(e as CancelledError).reason}`),
      });
      expect(traps).toBe(3); // each link tried to keep a hub on the signal
      expect(
        Object.getOwnPropertySymbols(controller.signal).filter((symbol) => symbol.description === 'rxjs-cancel hub'),
      ).toHaveLength(0);
      expect([abortListeners(controller.signal), abortListeners(other.signal)]).toEqual([3, 1]);
      controller.abort('stop');
      expect(log).toEqual(['teardown', describeError(new CancelledError('stop', linked)), 'cancelWhen: stop']);
      expect([linked.state, output.reason, waiting.closed]).toEqual(['cancelled', 'stop', true]);
      expect([abortListeners(controller.signal), abortListeners(other.signal)]).toEqual([0, 0]);
    });
  }

  it('given a task signal, aborts with the task CancelledError when the task is cancelled', () => {
    const t = startTask(NEVER, { name: 't' });
    const { signal } = linkSignals(t.signal);
    t.cancel('r');
    expect(signal.reason).toBeInstanceOf(CancelledError);
    expect(signal.reason).toBe(t.signal.reason);
  });

  it('with no inputs, returns a signal that never aborts', () => {
    const { signal, unlink } = linkSignals();
    unlink();
    expect(signal.aborted).toBe(false);
  });

  it("a link unlinked by an earlier dependant's reaction does not abort, as a removed abort listener is not called", () => {
    for (const make of [
      () => {
        const controller = new AbortController();
        return { input: controller.signal, abort: () => controller.abort('r') };
      },
      () => {
        const owner = startTask(NEVER);
        return { input: owner.signal, abort: () => owner.cancel('r') };
      },
    ]) {
      const { input, abort } = make();
      const first = linkSignals(input);
      const link = linkSignals(input); // linked second
      first.signal.addEventListener('abort', () => link.unlink());
      const log: string[] = [];
      NEVER.pipe(cancelWhen(input)).subscribe({ error: () => log.push(`cancelWhen: first ${first.signal.aborted}`) });
      abort();
      expect(link.signal.aborted).toBe(false);
      expect(log).toEqual(['cancelWhen: first true']); // links react before the other dependants
      expect(abortListeners(input)).toBe(0);
    }
  });

  it("accepts another realm's AbortSignal (an iframe's, jsdom's): its tag and listener methods", () => {
    const inner = new AbortController();
    // what the package sees of a signal made by another realm: not an instance of this realm's class
    const foreign = {
      [Symbol.toStringTag]: 'AbortSignal',
      get aborted() {
        return inner.signal.aborted;
      },
      get reason(): unknown {
        return inner.signal.reason;
      },
      addEventListener: inner.signal.addEventListener.bind(inner.signal),
      removeEventListener: inner.signal.removeEventListener.bind(inner.signal),
    } as unknown as AbortSignal;
    expect(foreign).not.toBeInstanceOf(AbortSignal);
    const { signal } = linkSignals(foreign);
    const t = startTask(NEVER, { signal: foreign });
    inner.abort('from the other realm');
    expect(signal.reason).toBe('from the other realm');
    expect(t.state).toBe('cancelled');
    expect(abortListeners(inner.signal)).toBe(0);
  });

  describe('the first input to abort wins, also when another one is heard first', () => {
    it('an input aborted by a listener of the first one, placed before the link', () => {
      const a = new AbortController();
      const b = new AbortController();
      a.signal.addEventListener('abort', () => b.abort('rb'));
      const { signal } = linkSignals(a.signal, b.signal);
      a.abort('ra'); // (Node 20's AbortSignal.any answers 'rb' here; the DOM standard's algorithm, 'ra')
      expect(signal.reason).toBe('ra');
    });

    it("an input aborted by a task's teardown, before the task's step 4 reaches the link", () => {
      const b = new AbortController();
      const t = startTask(new Observable<never>(() => () => b.abort('rb')));
      const { signal } = linkSignals(b.signal, t.signal);
      t.cancel('rt');
      expect(signal.reason).toBe(t.signal.reason);
      expect((signal.reason as CancelledError).reason).toBe('rt');
    });

    it('two inputs aborted in one go, then heard: the first in argument order', () => {
      const a = new AbortController();
      const b = new AbortController();
      const t = startTask(
        new Observable<never>(() => () => {
          a.abort('ra');
          b.abort('rb');
        }),
      );
      const { signal } = linkSignals(t.signal, b.signal, a.signal);
      t.cancel('rt');
      expect((signal.reason as CancelledError).reason).toBe('rt');
    });
  });

  describe('a linked signal aborts before the other dependants of its input react', () => {
    it('a task body awaiting its child through a linked signal hears its own cancellation, whatever the link order', async () => {
      const other = new AbortController();
      let heard: unknown;
      const parent = task(async (signal) => {
        const child = task(NEVER, { signal, name: 'child' }); // linked to the parent's signal first
        const { signal: both } = linkSignals(signal, other.signal);
        heard = await awaitTask(child, { signal: both }).catch((e: unknown) => e);
      });
      parent.subscribe({ error: () => undefined });
      await Promise.resolve();
      parent.cancel('stop');
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(heard).not.toBeInstanceOf(ChildCancelled);
      expect(heard).toBeInstanceOf(CancelledError);
      expect(((heard as CancelledError).reason as CancelledError).reason).toBe('stop');
    });

    it('the same below a plain AbortController', () => {
      const log: string[] = [];
      const root = new AbortController();
      const other = new AbortController();
      const child = task(NEVER, { signal: root.signal, name: 'child' }); // linked first
      const { signal: both } = linkSignals(root.signal, other.signal);
      whenAllCancellable([child], { signal: both }).subscribe({ error: (e) => log.push(describeError(e)) });
      root.abort('stop');
      expect(log).toEqual(['CancelledError(task=-, reason=stop)']);
    });
  });

  describe("the output is cancelled like a task's signal: its abort listeners, then what the package linked to it", () => {
    /** A task linked to `signal` whose source logs its teardown, observed by a recorder. */
    const linkedTask = (log: string[], name: string, signal: AbortSignal) => {
      const t = task(new Observable<never>(() => () => log.push(`${name} teardown`)), { signal, name });
      t.subscribe(recorder(log, `${name} observer`));
      return t;
    };

    for (const [input, make] of [
      ["a task's signal", () => startTask(NEVER, { name: 'root' })],
      ['a plain signal', () => new AbortController()],
    ] as const) {
      it(`below ${input}: a listener added after a linked task still runs before that task is torn down`, () => {
        const log: string[] = [];
        const root = make();
        const output = linkSignals(root.signal).signal;
        linkedTask(log, 'first', output);
        output.addEventListener('abort', () => log.push('listener'));
        linkedTask(log, 'second', output);
        if ('cancel' in root) root.cancel('stop');
        else root.abort('stop');
        expect(log).toEqual([
          'listener',
          'first teardown',
          expect.stringMatching(/^first observer: error CancelledError\(task=first, reason=/),
          'second teardown',
          expect.stringMatching(/^second observer: error CancelledError\(task=second, reason=/),
        ]);
      });
    }

    for (const [input, make] of [
      ["a task's signal", () => startTask(NEVER, { name: 'root' })],
      ['a plain signal', () => new AbortController()],
    ] as const) {
      it(`below ${input}: every output aborts before any dependant reacts; then each reacts in link order`, () => {
        const log: string[] = [];
        const root = make();
        const first = linkSignals(root.signal);
        const second = linkSignals(root.signal);
        first.signal.addEventListener('abort', () => log.push('first output aborted'));
        second.signal.addEventListener('abort', () => log.push('second output aborted'));
        task(
          new Observable<never>(() => () => {
            log.push(`teardown of a task on the first output (second aborted: ${String(second.signal.aborted)})`);
            second.unlink(); // too late: it has aborted, and what is linked to it still reacts in its turn
          }),
          { signal: first.signal },
        ).start();
        const onSecond = linkedTask(log, 'on the second', second.signal);
        if ('cancel' in root) root.cancel('stop');
        else root.abort('stop');
        expect(log).toEqual([
          'first output aborted',
          'second output aborted',
          'teardown of a task on the first output (second aborted: true)',
          'on the second teardown',
          expect.stringMatching(/^on the second observer: error CancelledError\(task=on the second, reason=/),
        ]);
        expect(onSecond.state).toBe('cancelled');
      });

      it(`below ${input}: a task linked to the input ahead of an output is torn down before what is linked to the output reacts`, () => {
        const log: string[] = [];
        const root = make();
        const ahead = task(
          () => {
            // the body waits on an output of the input its task is linked to
            const output = linkSignals(root.signal).signal;
            return new Observable<never>(() => () => log.push('body teardown')).pipe(
              cancelWhen(output),
              tap({ error: (e: unknown) => log.push(`body heard ${describeError(e)}`) }),
            );
          },
          { name: 'ahead', signal: root.signal },
        );
        ahead.subscribe(recorder(log, 'observer'));
        if ('cancel' in root) root.cancel('stop');
        else root.abort('stop');
        expect(ahead.state).toBe('cancelled');
        // the body never heard cancelWhen's CancelledError: it was gone when the output's turn came
        expect(log).toEqual([
          'body teardown',
          expect.stringMatching(/^observer: error CancelledError\(task=ahead, reason=/),
        ]);
      });

      it(`below ${input}: what an output's abort listener cancels is heard of within the same cancellation`, () => {
        const log: string[] = [];
        const root = make();
        const output = linkSignals(root.signal);
        const waited = startTask(NEVER, { name: 'waited' });
        waited.pipe(detectCancel()).subscribe(recorder(log, 'waiting consumer'));
        output.signal.addEventListener('abort', () => waited.cancel('by a listener'));
        if ('cancel' in root) root.cancel('stop');
        else root.abort('stop');
        expect(log).toEqual(['waiting consumer: error ChildCancelled(task=waited, reason=by a listener)']);
      });
    }

    it('unlink() before the output aborts: what was linked to it is let go and never cancelled by it', () => {
      const log: string[] = [];
      const root = startTask(NEVER, { name: 'root' });
      const link = linkSignals(root.signal);
      const before = linkedTask(log, 'before', link.signal);
      link.unlink();
      const after = linkedTask(log, 'after', link.signal);
      root.cancel('stop');
      expect(link.signal.aborted).toBe(false);
      expect([before.state, after.state]).toEqual(['running', 'running']);
      expect(log).toEqual([]);
    });

    it('a chain of 100,000 tasks, each linked to an output linking the level above, is cancelled to its leaf', () => {
      const unhandled = captureUnhandled();
      try {
        const root = startTask(NEVER, { name: 'root' });
        let leaf: Task<never> = root;
        for (let i = 0; i < 100_000; i++) leaf = startTask(NEVER, { signal: linkSignals(leaf.signal).signal });
        const heard: unknown[] = [];
        leaf.pipe(detectCancel()).subscribe({ error: (e: unknown) => heard.push(e) });
        root.cancel('stop');
        expect(leaf.state).toBe('cancelled');
        expect(heard).toHaveLength(1);
        expect(heard[0]).toBeInstanceOf(ChildCancelled);
        expect(unhandled.errors).toEqual([]);
      } finally {
        unhandled.restore();
      }
    });
  });
});

// From a mutation audit: the outputs-first pass on a plain signal (ForeignHub#handleEvent).
describe('linkSignals on a plain signal: outputs abort first', () => {
  it('a task linked before the link already sees the output aborted when it is cancelled', () => {
    const controller = new AbortController();
    const log: string[] = [];
    const child = startTask(NEVER, { signal: controller.signal, name: 'child' }); // linked first
    const { signal } = linkSignals(controller.signal);
    child.subscribe({ error: (e) => log.push(`child: ${describeError(e)}, output aborted ${signal.aborted}`) });
    signal.addEventListener('abort', () => log.push(`output aborts, child ${child.state}`));
    controller.abort('r');
    expect(log).toEqual([
      'output aborts, child running',
      'child: CancelledError(task=child, reason=r), output aborted true',
    ]);
  });

  it("awaitTask on the output, waiting on a child linked before the link: the caller's own cancellation", async () => {
    const controller = new AbortController();
    const child = startTask(NEVER, { signal: controller.signal, name: 'child' });
    const { signal } = linkSignals(controller.signal);
    const settled = awaitTask(child, { signal }).catch((e: unknown) => describeError(e));
    controller.abort('r');
    await expect(settled).resolves.toBe('CancelledError(task=-, reason=r)');
  });
});

// From a mutation audit (sixth pass, StrykerJS): the walk of a plain signal's hub that no task or output ever joined
// (its default `_wave`) lets each dependant react once. Its first pass aborting every dependant (`walk(false)` for
// `walk(true)`) went unseen: the dependants' guards kept the second reaction silent, except `cancelWhen`'s error.
describe("a plain signal's walk of a hub holding only cancelWhen, awaitTask and combinators", () => {
  it('lets each react once: cancelWhen sends no second error to its stopped consumer (onStoppedNotification hears nothing)', async () => {
    const stopped: unknown[] = [];
    config.onStoppedNotification = (notification) => stopped.push(notification);
    try {
      const controller = new AbortController();
      const errors: string[] = [];
      NEVER.pipe(cancelWhen(controller.signal)).subscribe({ error: (e) => errors.push(describeError(e)) });
      controller.abort('stop');
      await new Promise((resolve) => setTimeout(resolve, 5)); // RxJS tells onStoppedNotification on a timer
      expect(errors).toEqual(['CancelledError(task=-, reason=stop)']);
      expect(stopped).toEqual([]);
    } finally {
      config.onStoppedNotification = null;
    }
  });
});
