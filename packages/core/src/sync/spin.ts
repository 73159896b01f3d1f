/**
 * Spinning before parking. A hand-off that arrives within a few microseconds is caught without a
 * futex wake-up (tens of microseconds and a context switch on each side). The budget adapts as an
 * adaptive mutex's does: it doubles each time a spin found what it waited for and halves each time
 * it ran out, so a thread whose work comes slower than the budget soon stops burning a core it may
 * share with the thread it waits for, and one whose work comes back at once keeps catching it.
 * A park that ends soon after the spin gave up (`parked`) doubles it too: the work came just too
 * late, and without that a budget halved once would never again spin long enough to find out.
 */

/**
 * Atomics.pause (newer V8: Node 24 and later) tells the core this is a spin-wait, which frees
 * execution resources for a sibling hyperthread and saves power; where it is missing, a plain
 * loop does the same job a little more greedily.
 */
const pause: () => void = typeof (Atomics as { pause?: () => void }).pause === 'function'
  ? (Atomics as unknown as { pause: () => void }).pause
  : () => {};

export class SpinBudget {
  #rounds: number;

  /** `min` stays above zero so that a spin can succeed, and the budget grow back, after a lull. */
  constructor(
    readonly min: number,
    readonly max: number,
    /** A park shorter than this counts as a spin that gave up just too soon. */
    readonly shortParkMs = 0.1,
  ) {
    this.#rounds = max;
  }

  /** After a park (a spin that ran out) of `ms`: a short one grows the budget. */
  parked(ms: number): void {
    if (ms < this.shortParkMs) this.#rounds = Math.min(this.max, this.#rounds * 2);
  }

  get rounds(): number {
    return this.#rounds;
  }

  /** Polls `ready` for up to the budget; true as soon as it holds. */
  spin(ready: () => boolean): boolean {
    const rounds = this.#rounds;
    for (let i = 0; i < rounds; i++) {
      if (ready()) {
        this.#rounds = Math.min(this.max, rounds * 2);
        return true;
      }
      pause();
    }
    this.#rounds = Math.max(this.min, rounds >> 1);
    return false;
  }
}
