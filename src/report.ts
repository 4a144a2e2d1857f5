import { config, Subject } from 'rxjs';

/**
 * Reports an error that has nobody to go to (a throwing observer, teardown or
 * dependant) the way RxJS does, by RxJS itself: a subscriber without an error
 * handler hands it to RxJS's own reporting, asynchronously, through
 * `config.onUnhandledError` when set, otherwise rethrown on a timer. That timer
 * is RxJS's, so inside `TestScheduler.run()` the report arrives in virtual time,
 * in order with RxJS's own. Reporting never interrupts the cancellation that ran
 * into the error.
 */
export function reportUnhandledError(error: unknown): void {
  try {
    const unheard = new Subject<never>();
    unheard.subscribe(); // no error handler: RxJS reports what it is sent (not swallowed, as in a subscribe call)
    unheard.error(error);
  } catch {
    // RxJS threw it back (`config.useDeprecatedSynchronousErrorHandling`), or ran out of stack on the way (a
    // RangeError past the stack limit): reported on a timer of our own, as RxJS would, not into the cancellation
    setTimeout(() => {
      const { onUnhandledError } = config;
      if (onUnhandledError) onUnhandledError(error);
      else throw error;
    });
  }
}
