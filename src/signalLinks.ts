import { SIGNAL_OWNER } from './brand';
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
 * A task's own signal, and a `linkSignals` output, get no listener at all: their owner fires its hub (a
 * plain Set) itself, at step 4 of its cancellation (after its source, if any, was torn down).
 */

/** Something that reacts when a linked signal aborts. */
export interface AbortDependant {
  /** Called once; the hub has let go of the dependant already, which must not remove itself from it. */
  _abortedBy(reason: unknown): void;
  /**
   * A `linkSignals` output's: aborts it before the other dependants of the same signal react, so that
   * whatever waits on the linked signal sees it aborted when anything else linked to the input reacts (a
   * child task linked earlier than the link, say: "a cancellation that arrives while the signal is
   * aborted is the caller's own"). What is linked to the output reacts in the output's own turn
   * (`_abortedBy`), so a body linked to the input ahead of it is torn down first.
   */
  _abortFirst?(reason: unknown): void;
}

/**
 * Lets the dependants of a hub react in link order, reporting what they throw. A dependant that leaves
 * before its turn (an earlier one's reaction unlinked it) does not react, as an abort listener removed
 * during dispatch is not called; an output that has aborted does not leave before its turn. With
 * `outputsFirst`, only the `linkSignals` outputs among them abort (see AbortDependant#_abortFirst).
 */
export function notifyDependants(hub: SignalHub, reason: unknown, outputsFirst?: true): void {
  for (const dependant of hub) {
    try {
      if (outputsFirst) dependant._abortFirst?.(reason);
      else dependant._abortedBy(reason);
    } catch (error) {
      reportUnhandledError(error);
    }
  }
}

/**
 * The dependants of one signal: what a link is removed from. A task's own
 * hub is a plain `Set` (the task fires it itself); a foreign signal's is a
 * {@link ForeignHub}, which also keeps the signal's one listener.
 */
export type SignalHub = Set<AbortDependant> & {
  /**
   * Set by `linkSignals` once an output joined (it stays set when that one leaves: a hint, not a
   * count), so that a task skips the outputs' walk of its hub at step 4 when it would find nothing.
   */
  _hasFirst?: true;
  /**
   * Set by the tasks that link to a foreign signal (task.ts, `asOneWave`): runs the walk of the hub, so that the
   * tasks it cancels make one wave, whose observers hear of it once all of them are torn down.
   */
  _wave?: (walk: (outputsFirst?: true) => void) => void;
};

/** The hub of a foreign signal: listens to it while it has dependants. */
class ForeignHub extends Set<AbortDependant> {
  constructor(private readonly _signal: AbortSignal) {
    super();
    // A signal that takes no new property (sealed, frozen, made non-extensible, a Proxy whose `set` trap throws
    // or refuses) keeps no hub: each link to it then makes a hub, and a listener, of its own. An assignment, not
    // `Reflect.set`, which V8 does not inline: ≈ 0.1 µs a fresh signal on Node 24, a tenth of a `linkSignals`.
    try {
      (_signal as HubSignal)[HUB] = this;
    } catch {
      // kept per link, see above
    }
  }

  override add(dependant: AbortDependant): this {
    if (!this.size) this._signal.addEventListener('abort', this, { once: true });
    return super.add(dependant);
  }

  override delete(dependant: AbortDependant): boolean {
    if (!super.delete(dependant)) return false;
    if (!this.size) this._signal.removeEventListener('abort', this);
    return true;
  }

  /**
   * The abort listener (EventListener object form): lets each dependant react, `linkSignals` outputs
   * first, then empties the hub. It walks the live set (see notifyDependants), so a dependant that leaves
   * before its turn does not react, as an abort listener removed during dispatch is not called.
   */
  handleEvent(): void {
    const signal = this._signal;
    // Inside a teardown the package runs, the tasks cancelled here join the wave being torn down (task.ts); past
    // MAX_NESTED_RUNS (32) nested loops they wait there, which keeps a chain of tasks linked through plain signals flat.
    this._wave((outputsFirst) => notifyDependants(this, signal.reason, outputsFirst)); // the outputs abort first
    this.clear();
  }

  /** Runs the walk at once; a task linked to the signal sets its own on the hub (see SignalHub). */
  _wave(walk: (outputsFirst?: true) => void): void {
    walk(true);
    walk();
  }
}

/**
 * Where a foreign signal keeps its hub: an own property under a symbol of this copy (each copy keeps its own hub and
 * listener), not a WeakMap, whose ephemeron per short-lived signal (a request's) every garbage collection traces:
 * ≈ 3–4 µs a `linkSignals` of two fresh signals on Node 24, and slower collections for the whole process. A hub that
 * emptied stays there for the next link, listening to nothing and holding nothing (its hints `_hasFirst` and `_wave`
 * stay set: the first only makes a walk look for outputs; the second makes the walk a wave, which changes nothing
 * for dependants that are not nodes, see task.ts `asOneWave`).
 */
const HUB = /* @__PURE__ */ Symbol('rxjs-cancel hub');

type HubSignal = AbortSignal & { [HUB]?: ForeignHub };

/** What a task, or a `linkSignals` link, registers for the signal it created (see task.ts, linkSignals.ts). */
export interface SignalOwner {
  /** The hub to link to, or `null` when the owner ended and its signal can never abort. */
  _hubForLinks(): SignalHub | null;
}

/**
 * A signal made by a task carries its task under `SIGNAL_OWNER` (set by
 * `Task#signal`), a `linkSignals` output its link. Not a WeakMap: one ephemeron per short-lived signal made
 * every garbage collection slower, ≈ 30% of a lifecycle that reads its signal.
 * A registered symbol, shared by every installed copy (brand.ts): a task of
 * another copy linked to this signal then joins its owner's step 4 rather than
 * listening to the abort at step 2, before the task's body is torn down.
 */
type OwnedSignal = AbortSignal & { [SIGNAL_OWNER]?: SignalOwner };

export function setSignalOwner(signal: AbortSignal, owner: SignalOwner): void {
  (signal as OwnedSignal)[SIGNAL_OWNER] = owner;
}

/**
 * Makes `dependant` react when `signal` aborts. Returns the hub to remove it
 * from later, or `null` when the signal can never abort (its task ended
 * without being cancelled). The caller checks `signal.aborted` first.
 */
export function linkToSignal(signal: AbortSignal, dependant: AbortDependant): SignalHub | null {
  const owner = (signal as OwnedSignal)[SIGNAL_OWNER];
  const hub = owner !== undefined ? owner._hubForLinks() : ((signal as HubSignal)[HUB] ?? new ForeignHub(signal));
  hub?.add(dependant);
  return hub;
}
