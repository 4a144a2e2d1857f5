import { linkToSignal, setSignalOwner, type AbortDependant, type SignalHub, type SignalOwner } from './signalLinks';
import {
  abortOwnSignal,
  asOneWave,
  cancelLinked,
  scheduleCancellation,
  swapCarried,
  type CancellationNode,
} from './task';
import { checkSignal } from './validate';

/** What `linkSignals` returns. */
export interface LinkedSignal {
  /** Aborts with the reason of the first input to abort. */
  readonly signal: AbortSignal;
  /** Removes every listener the link placed on its inputs (a function of its own: it may be destructured). */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- `this: void` is what lets it be destructured
  unlink(this: void): void;
}

/**
 * A signal that aborts when any of `signals` does, with that input's reason
 * (if some are already aborted: the first of those, in argument order). Once
 * it aborts, or `unlink()` is called, it removes its listeners from every
 * input, so a long-lived input keeps nothing once the link is unlinked or
 * aborted (a link dropped without `unlink()` stays registered until an input
 * aborts; Node's `AbortSignal.any` keeps memory per call on a long-lived
 * input). The output
 * aborts like a task's signal: its own abort listeners run first, then what
 * this package linked to it (tasks, `cancelWhen`, …) reacts, in the same
 * cancellation and on a flat stack however long a chain of links is.
 *
 * ```text
 * a:        ----------A----      A: a aborts with reason 'ra'
 * b:        ------B--------      B: b aborts with reason 'rb'
 * linked:   ------B              aborts once, with 'rb'; its listeners on a and b are removed
 * ```
 *
 * @see `docs/semantics.md#signals-and-listeners`: how links keep a long-lived signal's listener count.
 *
 * @example
 * ```ts
 * const { signal, unlink } = linkSignals(appShutdown.signal, request.signal);
 * try {
 *   await fetch(url, { signal });
 * } finally {
 *   unlink();
 * }
 * ```
 */
export function linkSignals(...signals: AbortSignal[]): LinkedSignal {
  signals.forEach((signal, i) => checkSignal('linkSignals', signal, `an AbortSignal as argument ${i}`));
  const controller = new AbortController();
  const alreadyAborted = signals.find((signal) => signal.aborted);
  if (alreadyAborted) {
    controller.abort(alreadyAborted.reason);
    return { signal: controller.signal, unlink: () => undefined };
  }
  const link = new SignalLink(controller, signals);
  setSignalOwner(controller.signal, link);
  link._hubs = signals.map((signal) => {
    const hub = linkToSignal(signal, link);
    if (hub) {
      hub._hasFirst = true; // see SignalHub
      hub._wave = asOneWave; // the tasks linked to the output belong to the wave of a plain input's abort
    }
    return hub;
  });
  return { signal: controller.signal, unlink: () => link._unlink() };
}

/**
 * A linked signal's link. It owns the output as a task owns its signal (signalLinks.ts): what the package links
 * to the output joins the link's hub rather than listening to it, and reacts once the output's own abort
 * listeners have run, in the cancellation loop (task.ts), so that a chain of tasks linked through outputs
 * cancels on a flat stack, in one wave.
 */
class SignalLink implements CancellationNode, SignalOwner {
  /** The hubs of its inputs, set by linkSignals() right after the link is made (no initializer: one store fewer). */
  _hubs!: (SignalHub | null)[];
  _phase = 0;
  /** What the package linked to the output. */
  _hub: SignalHub | null = null;
  /** `unlink()` was called before the output aborted: it never will. */
  private _unlinked = false;
  /** Its turn among an input's dependants came (`cancel`): it left its inputs, and what is linked to it reacts. */
  private _reacted = false;
  _dependantsToNotify: Iterator<AbortDependant, undefined> | null = null;
  /**
   * What its abort listeners ended outside any wave of this copy, for its own loop (see swapCarried). Set when it
   * aborts (`_abortFirst`), before its turn can come (unless that abort threw): no initializer, one store fewer.
   */
  private _carried?: CancellationNode[] | null | undefined;

  constructor(
    private readonly _controller: AbortController,
    /** Until the output aborts or is unlinked: then an output someone keeps (given to `fetch`, say) keeps no input. */
    private _inputs: readonly AbortSignal[],
  ) {}

  _abortedBy(reason: unknown): void {
    cancelLinked(this, reason);
  }

  /**
   * Aborts the output (its listeners run now), before the input's other dependants react (see AbortDependant).
   * The input heard first is not always the first to abort: a task's signal reports at its step 4, a plain one
   * after the listeners placed on it before ours, and another input can abort in between (from a teardown, or
   * from such a listener). An input other than the reporting one that has aborted already aborted before it; if
   * there are several, the first in argument order wins.
   */
  _abortFirst(reason: unknown): void {
    if (this._unlinked || this._controller.signal.aborted) return;
    const earlier = this._inputs.find((signal) => signal.aborted && signal.reason !== reason);
    abortOwnSignal(this._controller, earlier === undefined ? reason : earlier.reason, true);
    this._carried = swapCarried(null);
  }

  /** The output's turn among the input's dependants: what is linked to it reacts (now, or in the loop that deferred this). */
  cancel(reason: unknown): boolean {
    if (this._unlinked || this._reacted) return false;
    this._reacted = true;
    this._abortFirst(reason); // aborted already, unless reached by a walk that skipped the outputs' pass
    this._leaveInputs();
    this._carried = swapCarried(this._carried); // none, unless a loop that threw (out of stack) left some
    scheduleCancellation(this);
    return true;
  }

  _hubForLinks(): SignalHub | null {
    return this._unlinked ? null : (this._hub ??= new Set());
  }

  _cancellation(): unknown {
    return this._controller.signal.reason;
  }

  /**
   * `unlink()`: the output can no longer abort, and lets go of what was linked to it. Once it has aborted,
   * nothing: what is linked to it reacts in its turn among the input's dependants (or has).
   */
  _unlink(): void {
    if (this._controller.signal.aborted) return;
    this._leaveInputs();
    this._unlinked = true;
    this._hub = null;
  }

  private _leaveInputs(): void {
    for (const hub of this._hubs) hub?.delete(this);
    this._hubs = this._inputs = [];
  }

  // steps 3 and 5 of a task: the output has no source and no observers
  _teardownSource(): void {}
  _isWaitedOn(): boolean {
    return false;
  }
  _notifyEnd(): void {}
}
