/**
 * Cross-copy identity. Apps often end up with two installed copies of this
 * package; `instanceof` must still recognise a `Task` or a `CancelledError`
 * made by the other copy. Each class stamps a `Symbol.for` brand on its
 * prototype and answers `instanceof` by looking for it.
 */

/** Registers `brand` on `ctor.prototype` and makes `instanceof ctor` test for it. */
export function brandClass(ctor: abstract new (...args: never[]) => unknown, brand: symbol): void {
  Object.defineProperty(ctor.prototype, brand, { value: true });
  Object.defineProperty(ctor, Symbol.hasInstance, {
    value: (value: unknown): boolean =>
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true,
  });
}

/** Brands of the protocol version 1; bump the suffix if the internals change shape. */
export const TASK_BRAND = Symbol.for('rxjs-cancel.Task@1');
export const CANCELLED_ERROR_BRAND = Symbol.for('rxjs-cancel.CancelledError');
export const CHILD_CANCELLED_BRAND = Symbol.for('rxjs-cancel.ChildCancelled');
