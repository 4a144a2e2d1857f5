import { reportUnhandledError } from './report';

/**
 * Links between an `AbortSignal` and the things this package made react to
 * it (linked tasks, `cancelWhen`, `awaitTask`, `linkSignals`, combinators).
 *
 * Node's `addEventListener` is linear in the number of listeners already on
 * the target, so N links would cost O(N²). Instead each signal gets at most
 * one listener and a `Set` of dependants (O(1) to add and to remove); the
 * listener is removed as soon as the set empties, so a long-lived signal is
 * left with its baseline listener count once everything linked to it ended.
 *
 * A task's own signal gets no listener at all: the task fires its hub itself,
 * at step 4 of its cancellation (after its source was torn down).
 */

/** Something that reacts when a linked signal aborts. */
export interface AbortDependant {
  _abortedBy(reason: unknown): void;
}

/** The dependants of one signal. */
export class SignalHub {
  readonly _dependants = new Set<AbortDependant>();

  constructor(
    /** `null` for a task's hub, which the task fires itself. */
    private readonly _signal: AbortSignal | null,
  ) {}

  _add(dependant: AbortDependant): void {
    if (this._dependants.size === 0 && this._signal !== null) {
      foreignHubs.set(this._signal, this);
      this._signal.addEventListener('abort', this, { once: true });
    }
    this._dependants.add(dependant);
  }

  _remove(dependant: AbortDependant): void {
    if (this._dependants.delete(dependant) && this._dependants.size === 0 && this._signal !== null) {
      foreignHubs.delete(this._signal);
      this._signal.removeEventListener('abort', this);
    }
  }

  /** Empties the hub and returns who was in it, in link order. */
  _takeAll(): AbortDependant[] {
    const all = Array.from(this._dependants);
    this._dependants.clear();
    return all;
  }

  /** The abort listener of a foreign signal (EventListener object form). */
  handleEvent(): void {
    const signal = this._signal as AbortSignal;
    foreignHubs.delete(signal);
    for (const dependant of this._takeAll()) {
      try {
        dependant._abortedBy(signal.reason);
      } catch (error) {
        reportUnhandledError(error);
      }
    }
  }
}

const foreignHubs = new WeakMap<AbortSignal, SignalHub>();

/** What a task registers for the signal it created (see task.ts). */
export interface SignalOwner {
  /** The hub to link to, or `null` when the owner ended and its signal can never abort. */
  _hubForLinks(): SignalHub | null;
}

/**
 * A signal made by a task carries its task under this private symbol (set by
 * `Task#signal`). Not a WeakMap: one ephemeron per short-lived signal made
 * every garbage collection slower, ≈ 30% of a lifecycle that reads its signal.
 */
const OWNER = Symbol('rxjs-cancel.signalOwner');

type OwnedSignal = AbortSignal & { [OWNER]?: SignalOwner };

export function setSignalOwner(signal: AbortSignal, owner: SignalOwner): void {
  (signal as OwnedSignal)[OWNER] = owner;
}

/**
 * Makes `dependant` react when `signal` aborts. Returns the hub to remove it
 * from later, or `null` when the signal can never abort (its task ended
 * without being cancelled). The caller checks `signal.aborted` first.
 */
export function linkToSignal(signal: AbortSignal, dependant: AbortDependant): SignalHub | null {
  const owner = (signal as OwnedSignal)[OWNER];
  if (owner !== undefined) {
    const taskHub = owner._hubForLinks();
    taskHub?._add(dependant);
    return taskHub;
  }
  const hub = foreignHubs.get(signal) ?? new SignalHub(signal);
  hub._add(dependant);
  return hub;
}
