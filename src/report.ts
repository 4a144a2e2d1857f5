import { config, noop, Subject } from 'rxjs';
import { tagOf } from './validate';

/**
 * Reports an error that has nobody to go to (a throwing observer, teardown or
 * dependant) the way RxJS does, by RxJS itself: sent to a subscriber without an
 * error handler, it goes to RxJS's own reporting, asynchronously, through
 * `config.onUnhandledError` when set, otherwise rethrown on a timer. That timer
 * is RxJS's, so inside `TestScheduler.run()` the report arrives in virtual time,
 * in order with RxJS's own. Reporting never interrupts the cancellation that ran
 * into the error, but for one case: past the stack's depth limit, where not even
 * the timer can be set, the error is thrown on, to be reported a level up.
 */
export function reportUnhandledError(error: unknown): void {
  // RxJS's deprecated synchronous error handling would throw the error right here, or keep it for the user's
  // enclosing subscribe or next call to throw (only the last one kept): a timer of our own instead, below
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- honoured while RxJS 7 has it
  if (!config.useDeprecatedSynchronousErrorHandling) {
    try {
      const unheard = new Subject<never>();
      unheard.subscribe();
      unheard.error(error); // a Subject, not a subscribe call, which would swallow a RangeError met after the report
      return;
    } catch {
      // out of stack on the way (a RangeError past the stack limit): RxJS may have scheduled its report already,
      // so this one can come twice (docs/semantics.md, "Errors in user code")
    }
  }
  try {
    setTimeout(() => {
      const { onUnhandledError } = config;
      if (onUnhandledError) onUnhandledError(error);
      else throw error;
    });
  } catch {
    // no stack left even for the timer: throw the error on, for a frame above with stack to spare to report, rather
    // than the timer's own failure (under Jest on Node 26, a `ReferenceError` that `setTimeout` is not defined)
    throw error;
  }
}

/**
 * A promise the package will never subscribe (a task cancelled before it subscribed it, a combinator or
 * `awaitTask` whose caller's signal ended it first) is dropped as RxJS drops one whose subscription ended: its
 * rejection goes nowhere and never becomes an unhandled rejection, as `await` would have handled it. Only a
 * native promise: calling `then` on another thenable may start it.
 * @internal
 */
export function dropPromise(value: unknown): void {
  // `then` first: an Observable or an array has none, and is spared the tag, a new string per call (a combinator
  // drops each of its participants: ≈ 24 B and a runtime call each)
  if ((value as { then?: unknown } | null)?.then && tagOf(value) == 'Promise') (value as Promise<unknown>).catch(noop);
}
