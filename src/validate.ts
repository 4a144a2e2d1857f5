import { from, type ObservableInput } from 'rxjs';

/**
 * Argument checks shared by every export. Each failure is a `TypeError`
 * whose message names the function and describes what it got, e.g.
 * `task(): expected an Observable, Promise, iterable or function, got null`.
 */

/**
 * A short description of any value for an error message: `null`,
 * `the number 42`, `the string "abc"` (cut after 40 characters), `a function`, `an array of length 2`,
 * `an object { aborted, reason }`, `an instance of AbortController` or, for an object without a class
 * whose `Symbol.toStringTag` says what it is, `an object tagged Generator`.
 * (Symbols and bigints show as `String()` does: `the symbol Symbol(s)`, `the bigint 10`.) Never throws, and
 * never runs longer than 100 characters and an ellipsis.
 */
export function describe(value: unknown): string {
  try {
    if (value == null) return `${value}`;
    if (typeof value == 'function') return 'a function';
    if (typeof value == 'string')
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a number, boolean, bigint or symbol here
    if (typeof value != 'object') return `the ${typeof value} ${String(value)}`;
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    if (typeof name == 'string' && name != 'Object' && name != '') return `an instance of ${name}`;
    const tag = tagOf(value); // 'Generator' for a generator object
    if (tag != 'Object') return `an object tagged ${tag}`;
    const keys = Object.keys(value);
    return keys.length ? `an object { ${keys.join(', ')} }` : 'an empty object';
  } catch {
    return 'an object'; // a revoked Proxy, a throwing `constructor` or `Symbol.toStringTag` getter (only objects throw)
  }
}

/** What `Object.prototype.toString` names a value: `'Object'`, `'Array'`, `'Null'`, `'AbortSignal'` (from any realm)… */
export const tagOf = (value: unknown): string => Object.prototype.toString.call(value).slice(8, -1);

export function typeError(fn: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${fn}(): expected ${expected}, got ${describe(got)}`);
}

/**
 * True for what RxJS's `from()` accepts (it throws for anything else),
 * except strings: a string given where work is expected is a mistake far
 * more often than a wish to emit its characters (`from('abc')` still works
 * when that is what you mean).
 */
export function isObservableInput(value: unknown): value is ObservableInput<unknown> {
  if (typeof value == 'string') return false;
  try {
    from(value as ObservableInput<unknown>);
    return true;
  } catch {
    return false;
  }
}

export const OBSERVABLE_INPUT = 'an Observable, Promise or iterable';

export function checkObservableInput(fn: string, value: unknown): void {
  if (!isObservableInput(value)) throw typeError(fn, OBSERVABLE_INPUT, value);
}

/**
 * True for an `AbortSignal`, also one made by another realm (an iframe, jsdom): that one has the tag,
 * `addEventListener` and `removeEventListener` (an object that only claims the tag is refused up front, rather
 * than failing once half linked or half cancelled).
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    value instanceof AbortSignal ||
    (tagOf(value) == 'AbortSignal' &&
      typeof (value as AbortSignal).addEventListener == 'function' &&
      typeof (value as AbortSignal).removeEventListener == 'function')
  );
}

export function checkSignal(fn: string, value: unknown, what = 'an AbortSignal'): asserts value is AbortSignal {
  if (!isAbortSignal(value)) throw typeError(fn, what, value);
}

/**
 * Checks an options bag: `undefined` or a plain object whose `signal`, if set, is an `AbortSignal`
 * (every export that takes options takes a signal), and returns that signal, read once: a getter that
 * answers differently the second time cannot slip past the check. An object of a built-in kind (an
 * `AbortSignal`, a `Date`, a `Map`…) or an Observable (a task, a Subject) is refused:
 * `awaitTask(child, signal)` or `task(source, parent)` instead of `{ signal }` would otherwise drop the
 * caller's cancellation without a word. Unknown keys are ignored, as RxJS's own config objects ignore them.
 *
 * The combinators take nothing but a signal, so they call this alone and leave the typed loop of
 * `checkOptions` out of their bundles.
 */
export function checkSignalOption(fn: string, options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  // also refuses null, primitives, functions and arrays ('[object Null]', '[object Array]', …)
  if (tagOf(options) != 'Object' || typeof (options as { subscribe?: unknown }).subscribe == 'function') {
    throw typeError(fn, 'an options object or undefined', options);
  }
  const signal = (options as { signal?: unknown }).signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw typeError(fn, 'options.signal to be an AbortSignal', signal);
  }
  return signal;
}

/**
 * {@link checkSignalOption}, then the other known keys, in order. Returns what it checked, each key read
 * once; each must be `undefined` or of the given `typeof`.
 */
export function checkOptions<K extends string>(
  fn: string,
  options: unknown,
  keys: Record<K, 'string' | 'boolean'>,
): { signal?: AbortSignal | undefined } & Partial<Record<K, unknown>> {
  // no options, nothing to check: `task(source)` is the lifecycle hot path (the loop over the empty bag ≈ 20 ns)
  if (options === undefined) return NO_OPTIONS;
  const checked: Record<string, unknown> = { signal: checkSignalOption(fn, options) };
  for (const key in keys) {
    const value = (options as Partial<Record<K, unknown>>)[key];
    if (value !== undefined && typeof value != keys[key]) {
      throw typeError(fn, `options.${key} to be a ${keys[key]}`, value);
    }
    checked[key] = value;
  }
  return checked as { signal?: AbortSignal } & Partial<Record<K, unknown>>;
}

/** `#__PURE__`: a bundler may drop it where no options are checked. */
const NO_OPTIONS = /* @__PURE__ */ Object.freeze({});

/**
 * Checks a combinator's participant list, a dense array of ObservableInputs, and returns the copy it checked
 * (each element read once; the caller's array may change afterwards).
 */
export function checkSources(fn: string, sources: unknown): ObservableInput<unknown>[] {
  if (!Array.isArray(sources)) throw typeError(fn, `an array of sources (${OBSERVABLE_INPUT} each)`, sources);
  // Copied element by element, not with `slice()`, which would run the array's own `constructor[Symbol.species]`
  // (and fail, or make something other than an array) and copy every slot of a huge sparse array before the first
  // is checked. A hole reads as undefined, which is not a source.
  const copy: unknown[] = [];
  for (let i = 0; i < sources.length; i++) {
    if (!isObservableInput((copy[i] = sources[i] as unknown))) {
      throw typeError(fn, `sources[${i}] to be ${OBSERVABLE_INPUT}`, copy[i]);
    }
  }
  return copy as ObservableInput<unknown>[];
}
