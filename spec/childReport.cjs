// What a scenario run in a Node process of its own (spec/zone/scenario.cjs, spec/angular/scenario.mjs) reports, as
// JSON its spec compares: an error's shape, and what an observer hears.
'use strict';

/** `shape` and `logger` for the package `lib` the scenario loaded (its error classes). */
function reporter({ CancelledError, ChildCancelled }) {
  /** What a test compares of an error: its class, its reason and the name of the task it names. */
  function shape(error) {
    if (error instanceof CancelledError) {
      const kind = error instanceof ChildCancelled ? 'ChildCancelled' : 'CancelledError';
      return { class: kind, reason: shape(error.reason), task: error.task?.name };
    }
    if (error instanceof Error || error instanceof DOMException) return { class: error.name, message: error.message };
    // an error object of another class (Angular's HttpErrorResponse is not an Error): its class and message
    const prototype = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null;
    return prototype !== null && prototype !== Object.prototype && prototype !== Array.prototype
      ? { class: error.constructor.name, message: error.message }
      : error;
  }
  /** An observer that logs what it hears as `who: …`. */
  const logger = (log, who) => ({
    next: (value) => log.push(`${who}: next ${JSON.stringify(value)}`),
    error: (error) => log.push(`${who}: error ${JSON.stringify(shape(error))}`),
    complete: () => log.push(`${who}: complete`),
  });
  return { shape, logger };
}

module.exports = { reporter };
