/**
 * `reportUnhandledError` (src/report.ts), where the public specs cannot put it: a report that cannot set its timer.
 * Past the stack's depth limit the report runs with no stack left, and setting the timer fails too (a `RangeError`;
 * under Jest's VM context on Node 26, the global `setTimeout` looked up then reads as not defined, a
 * `ReferenceError`). Whatever that failure is, the error being reported must not be replaced by it: it is thrown on,
 * so that a frame above, with stack to spare, reports it (docs/semantics.md, "Depth"; `spec/task.spec.ts` › "depth"
 * runs the real case).
 */
import { config } from 'rxjs';
import { reportUnhandledError } from '../src/report';

describe('reportUnhandledError', () => {
  let previous: typeof config.onUnhandledError;
  beforeEach(() => {
    previous = config.onUnhandledError;
  });
  afterEach(() => {
    config.onUnhandledError = previous;
    jest.restoreAllMocks();
  });

  it.each([
    ['with onUnhandledError set', true],
    ['without onUnhandledError', false],
  ])(
    'a report whose timer cannot be set throws the error it was given on, not the timer failure (%s)',
    (_, handled) => {
      const heard: unknown[] = [];
      config.onUnhandledError = handled ? (error) => heard.push(error) : null;
      const timerFailure = new RangeError('no stack left for the timer');
      const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout').mockImplementation(() => {
        throw timerFailure;
      });
      const teardownError = new Error('teardown failed');
      let thrown: unknown = 'nothing';
      try {
        reportUnhandledError(teardownError);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBe(teardownError);
      // RxJS's own report tried first, then the package's fallback: both timers failed, nothing was heard
      expect(setTimeoutSpy).toHaveBeenCalledTimes(2);
      expect(heard).toEqual([]);
    },
  );

  it('a report whose timer can be set returns, and the error is heard once, on that timer', async () => {
    const heard: unknown[] = [];
    config.onUnhandledError = (error) => heard.push(error);
    const error = new Error('teardown failed');
    expect(reportUnhandledError(error)).toBeUndefined();
    expect(heard).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(heard).toEqual([error]);
  });
});
