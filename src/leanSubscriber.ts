import { Subscriber, UnsubscriptionError, type Observer, type TeardownLogic } from 'rxjs';

/**
 * A `Subscriber` that keeps its first finalizer in a field of its own.
 *
 * The package subscribes one of these per task source and per combinator
 * participant, and nearly every source gives back exactly one teardown (a
 * function, or a `Subscription` as a `Subject` does). RxJS keeps finalizers
 * in an array that the first `push` sizes to 17 slots (≈ 150 B, through a
 * runtime call): with 10⁵ participants that array was half of what a
 * `whenAllCancellable` run kept alive, and its growth a large part of the
 * time (BENCHMARKS.md).
 *
 * Only the public `Subscription` API is used (the array itself is named
 * `_teardowns` in rxjs 7.4 and `_finalizers` in 7.8), and RxJS's behaviour is kept:
 * finalizers run in the order they were added, after `closed` became `true`,
 * and a throwing one surfaces as an `UnsubscriptionError`. As soon as a second
 * finalizer arrives, the first one moves to RxJS's array ahead of it.
 * @internal
 */
export class LeanSubscriber<T> extends Subscriber<T> {
  /**
   * The first finalizer, while it is the only one; the subscriber itself (never a finalizer of its own)
   * once a second one arrived and RxJS's array holds them all, so that they run in order.
   */
  private _onlyFinalizer: Exclude<TeardownLogic, void> | undefined = undefined;

  /**
   * @param destination Forwarded to `Subscriber`. Declared here so that subclasses call a constructor
   * that RxJS has not marked deprecated (it marks `Subscriber`'s, which only subclasses may call).
   */
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- see above
  constructor(destination?: Subscriber<T> | Observer<T>) {
    super(destination);
  }

  override add(teardown: TeardownLogic): void {
    const only = this._onlyFinalizer;
    if (only !== this && !this.closed && teardown && teardown !== this) {
      // A Subscription kept here is not told its parent (an RxJS internal): if it is unsubscribed
      // elsewhere first, it stays here, closed, and unsubscribing it again does nothing.
      if (only === undefined) {
        this._onlyFinalizer = teardown;
        return;
      }
      this._onlyFinalizer = this;
      super.add(only); // ahead of the new one, as it was added first
    }
    super.add(teardown);
  }

  override remove(teardown: Exclude<TeardownLogic, void>): void {
    if (teardown === this._onlyFinalizer) this._onlyFinalizer = undefined;
    else super.remove(teardown);
  }

  override unsubscribe(): void {
    const only = this._onlyFinalizer;
    this._onlyFinalizer = undefined;
    // While `only` is set, RxJS's array is empty and nothing else in super.unsubscribe() can throw.
    super.unsubscribe();
    if (only === undefined || only === this) return;
    try {
      if (typeof only === 'function') only();
      else only.unsubscribe();
    } catch (error) {
      throw new UnsubscriptionError([error]);
    }
  }
}
