import { Observable, type ObservableInput } from 'rxjs';

/**
 * Argument checks shared by every export. Each failure is a `TypeError`
 * whose message names the function and describes what it got, e.g.
 * `task(): expected an Observable, Promise, iterable or function, got null`.
 */

/** A short, safe description of any value for an error message. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'bigint':
      return `the bigint ${String(value)}n`;
    case 'symbol':
      return `the symbol ${value.description ?? ''}`.trimEnd();
    case 'function':
      return value.name ? `a function (${value.name})` : 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      return describeObject(value as object);
  }
}

function describeObject(value: object): string {
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor;
  const name = typeof ctor?.name === 'string' ? ctor.name : '';
  if (name === '' || name === 'Object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
    return keys.length === 0 ? 'an empty object' : `an object { ${shown} }`;
  }
  return `an instance of ${name}`;
}

export function typeError(fn: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${fn}(): expected ${expected}, got ${describe(got)}`);
}

/**
 * True for what RxJS's `from()` accepts, except strings: a string given
 * where work is expected is a mistake far more often than a wish to emit its
 * characters (`from('abc')` still works when that is what you mean).
 */
export function isObservableInput(value: unknown): value is ObservableInput<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  if (value instanceof Observable) return true;
  const v = value as Record<PropertyKey, unknown>;
  return (
    typeof v[observableSymbol] === 'function' ||
    typeof v['@@observable'] === 'function' ||
    typeof v.then === 'function' ||
    typeof v[Symbol.asyncIterator] === 'function' ||
    typeof v[Symbol.iterator] === 'function' ||
    typeof v.getReader === 'function' ||
    (typeof value !== 'function' && typeof v.length === 'number')
  );
}

const observableSymbol: PropertyKey =
  (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';

export const OBSERVABLE_INPUT = 'an Observable, Promise or iterable';

export function checkObservableInput(fn: string, value: unknown): void {
  if (!isObservableInput(value)) throw typeError(fn, OBSERVABLE_INPUT, value);
}

/** True for an `AbortSignal`, also one made by another realm (an iframe, jsdom). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal === 'function' && value instanceof AbortSignal) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.toString.call(value) === '[object AbortSignal]' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

export function checkSignal(fn: string, value: unknown, what = 'an AbortSignal'): asserts value is AbortSignal {
  if (!isAbortSignal(value)) throw typeError(fn, what, value);
}

/**
 * Checks an options bag: `undefined` or a plain object whose known keys have
 * the right types. Returns the object (or an empty one) for convenient reads.
 */
export function checkOptions<K extends string>(
  fn: string,
  options: unknown,
  keys: Record<K, 'signal' | 'string' | 'boolean'>,
): Partial<Record<K, unknown>> {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(fn, 'an options object or undefined', options);
  }
  const bag = options as Record<string, unknown>;
  for (const key of Object.keys(keys) as K[]) {
    const value = bag[key];
    if (value === undefined) continue;
    const kind = keys[key];
    const ok = kind === 'signal' ? isAbortSignal(value) : typeof value === kind;
    if (!ok) {
      const expected = kind === 'signal' ? 'an AbortSignal' : `a ${kind}`;
      throw typeError(fn, `options.${key} to be ${expected}`, value);
    }
  }
  return bag as Partial<Record<K, unknown>>;
}

const NO_OPTIONS = Object.freeze({});

/** Checks a combinator's participant list: a dense array of ObservableInputs. */
export function checkSources(fn: string, sources: unknown): asserts sources is readonly ObservableInput<unknown>[] {
  if (!Array.isArray(sources)) throw typeError(fn, `an array of sources (${OBSERVABLE_INPUT} each)`, sources);
  for (let i = 0; i < sources.length; i++) {
    if (!(i in sources)) {
      throw new TypeError(`${fn}(): expected a dense array of sources, got a sparse array with a hole at index ${i}`);
    }
    if (!isObservableInput(sources[i])) throw typeError(fn, `sources[${i}] to be ${OBSERVABLE_INPUT}`, sources[i]);
  }
}
