import { config } from 'rxjs';

/**
 * Reports an error that has nobody to go to (a throwing observer, teardown or
 * dependant) the way RxJS does: asynchronously, through
 * `config.onUnhandledError` when set, otherwise by rethrowing it on a timer.
 * Reporting never interrupts the cancellation that ran into the error.
 */
export function reportUnhandledError(error: unknown): void {
  setTimeout(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(error);
    else throw error;
  });
}
