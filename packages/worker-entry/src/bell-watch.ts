/**
 * A worker's watch on one doorbell, kept across its parks.
 *
 * A worker with async tasks in flight parks many times a second, each time until one of two bells
 * rings or one of its tasks settles. An `Atomics.waitAsync` cannot be cancelled: one armed per
 * park and dropped when something else woke the worker stays in V8's waiter list, with its promise
 * and whatever awaited it, until that bell next rings, which for the submission ring may be
 * never (nobody rings a bell nobody counts as waiting). So each bell gets at most one waitAsync,
 * reused until it resolves; a park only counts itself as a waiter (which makes producers ring) and
 * makes sure that one waitAsync is pending.
 */
import { type Bell, watch } from '@routine/core';

export class BellWatch {
  readonly #bell: Bell;
  readonly #onRing: () => void;
  /** A waitAsync on the bell has not resolved yet. */
  #pending = false;
  /** This worker counts in the bell's waiters. */
  #counted = false;

  constructor(bell: Bell, onRing: () => void) {
    this.#bell = bell;
    this.#onRing = onRing;
  }

  /**
   * Counts as a waiter, then makes sure a waitAsync is pending. Re-check what you wait for after
   * this (doorbell.ts). A waitAsync still pending from an earlier park is as good as a new one:
   * every change of the sequence word is followed by a notify, which it would have received.
   */
  arm(): void {
    const { i32, seq, waiters } = this.#bell;
    if (!this.#counted) {
      Atomics.add(i32, waiters, 1);
      this.#counted = true;
    }
    if (this.#pending) {
      // Still waiting on the value read when it was armed: were that stale, the producer that
      // moved it would have notified it. Clearing RUNG again lets the next producer ring.
      Atomics.store(i32, this.#bell.rung, 0);
      return;
    }
    const result = Atomics.waitAsync(i32, seq, watch(this.#bell));
    if (!result.async) {
      this.#onRing(); // the word moved already: that is a ring
      return;
    }
    this.#pending = true;
    void result.value.then(this.#rang);
  }

  /** Stops counting as a waiter; the pending waitAsync, if any, stays for the next park. */
  disarm(): void {
    if (!this.#counted) return;
    this.#counted = false;
    Atomics.sub(this.#bell.i32, this.#bell.waiters, 1);
  }

  readonly #rang = (): void => {
    this.#pending = false;
    this.#onRing();
  };
}
