import { throwError } from 'rxjs';

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
    throwError(() => error).subscribe();
  } catch {
    // `config.useDeprecatedSynchronousErrorHandling` makes RxJS throw it right here, which would stop the
    // cancellation half-way: rethrown on a timer instead
    setTimeout(() => {
      throw error;
    });
  }
}
