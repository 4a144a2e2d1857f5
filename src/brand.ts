/**
 * Cross-copy identity. Apps often end up with two installed copies of this
 * package; `instanceof` must still recognise a `Task` or a `CancelledError`
 * made by the other copy. Each class carries a brand on its prototype (a
 * getter named by one of these keys, shared by every copy) and answers
 * `instanceof` by looking for it.
 *
 * The brands are string keys, not symbols, and live in the class bodies:
 * a class whose members have no computed symbol key and no statement after
 * it is side-effect free, so a bundler drops it when it is not imported.
 */

/** Bump the version suffix if the internals that copies share change shape. */
export const TASK_BRAND = '@@rxjs-cancel/Task@1';
// The error classes' brands, '@@rxjs-cancel/CancelledError' and '@@rxjs-cancel/ChildCancelled', are written out in
// errors.ts, where each is used once: a bundler keeps a constant as a variable.
/**
 * The registered symbol a task's signal carries its task under, a `linkSignals` output its link (signalLinks.ts);
 * versioned with the Task brand. The symbol rather than its key: a bundler keeps a key used once as a variable.
 */
export const SIGNAL_OWNER = /* @__PURE__ */ Symbol.for('@@rxjs-cancel/signalOwner@1');

/**
 * `instanceof` for a branded class: the package's own class (`own`) answers by the brand, so that
 * it recognises instances made by another copy; a user's subclass of it answers as any class does,
 * by its prototype chain.
 */
export function isInstance(constructor: unknown, own: unknown, value: unknown, brand: string): boolean {
  return constructor === own
    ? hasBrand(value, brand)
    : Function.prototype[Symbol.hasInstance].call(constructor as new () => unknown, value);
}

/** True if `value` carries `brand` (see above). A primitive has no brand: reading one gives `undefined`. */
export function hasBrand(value: unknown, brand: string): boolean {
  return value != null && (value as Record<string, unknown>)[brand] === true;
}
