import { linkToSignal, type AbortDependant, type SignalHub } from './signalLinks';
import { checkSignal } from './validate';

/** What `linkSignals` returns. */
export interface LinkedSignal {
  /** Aborts with the reason of the first input to abort. */
  readonly signal: AbortSignal;
  /** Removes every listener the link placed on its inputs. */
  unlink(): void;
}

/**
 * A signal that aborts when any of `signals` does, with that input's reason
 * (if some are already aborted: the first of those, in argument order). Once
 * it aborts, or `unlink()` is called, it removes its listeners from every
 * input, so linking to a long-lived signal leaks nothing (Node's
 * `AbortSignal.any` keeps memory per call on a long-lived input).
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
  if (alreadyAborted !== undefined) {
    controller.abort(alreadyAborted.reason);
    return { signal: controller.signal, unlink: () => undefined };
  }
  const link = new SignalLink(controller, signals);
  link._hubs = signals.map((signal) => {
    const hub = linkToSignal(signal, link);
    if (hub !== null) hub._hasFirst = true; // see SignalHub
    return hub;
  });
  return { signal: controller.signal, unlink: () => link._unlink() };
}

class SignalLink implements AbortDependant {
  _hubs: (SignalHub | null)[] = [];
  /** Reacts before the other dependants of an input (see AbortDependant). */
  readonly _first = true as const;

  constructor(
    private readonly _controller: AbortController,
    private readonly _inputs: readonly AbortSignal[],
  ) {}

  /**
   * The input heard first is not always the first to abort: a task's signal reports at its step 4, a plain
   * one after the listeners placed on it before ours, and another input can abort in between (from a
   * teardown, or from such a listener). An input other than the reporting one that has aborted already
   * aborted before it; if there are several, the first in argument order wins.
   */
  _abortedBy(reason: unknown): void {
    this._unlink();
    const earlier = this._inputs.find((signal) => signal.aborted && signal.reason !== reason);
    this._controller.abort(earlier === undefined ? reason : earlier.reason);
  }

  _unlink(): void {
    for (const hub of this._hubs) hub?.delete(this);
    this._hubs = [];
  }
}
