/**
 * The one timer for every delay a user gives: task timeouts, group.waitTimeout, sleep, scheduler
 * jobs, background restart backoff, close's grace. setTimeout takes at most 2^31 - 1 ms and fires
 * a longer delay after 1 ms, so a longer one runs as a chain of timers no longer than that. A
 * delay within range is the plain Timeout itself: nothing allocated beyond what setTimeout makes,
 * which matters on the task path.
 */

/** setTimeout's longest delay, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type Delay = NodeJS.Timeout | ChainedDelay;

/**
 * Calls `fire(arg)` after `ms`. `maxChunkMs` is the longest single timer (tests shorten it).
 * Cancel with clearDelay; `unref()` works as on a Timeout.
 */
export function delay<A>(ms: number, fire: (arg: A) => void, arg?: A, maxChunkMs = MAX_TIMER_MS): Delay {
  if (ms <= maxChunkMs) return setTimeout(fire, ms, arg as A);
  return new ChainedDelay(ms, fire as (arg: unknown) => void, arg, maxChunkMs);
}

export function clearDelay(timer: Delay | undefined): void {
  if (timer instanceof ChainedDelay) timer.clear();
  else clearTimeout(timer);
}

/**
 * A delay longer than one timer. It counts down the chunks rather than reading a clock: a timer
 * never fires early, so their sum is at least `ms`, and a fake clock drives it like any timer.
 */
class ChainedDelay {
  #left: number;
  #timer: NodeJS.Timeout;
  #unref = false;
  readonly #fire: (arg: unknown) => void;
  readonly #arg: unknown;
  readonly #maxChunkMs: number;

  constructor(ms: number, fire: (arg: unknown) => void, arg: unknown, maxChunkMs: number) {
    this.#left = ms;
    this.#fire = fire;
    this.#arg = arg;
    this.#maxChunkMs = maxChunkMs;
    this.#timer = this.#arm();
  }

  unref(): this {
    this.#unref = true;
    this.#timer.unref();
    return this;
  }

  ref(): this {
    this.#unref = false;
    this.#timer.ref();
    return this;
  }

  hasRef(): boolean {
    return !this.#unref;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  #arm(): NodeJS.Timeout {
    const chunk = Math.min(this.#left, this.#maxChunkMs);
    this.#left -= chunk;
    const timer = this.#left > 0 ? setTimeout(() => (this.#timer = this.#arm()), chunk) : setTimeout(this.#fire, chunk, this.#arg);
    if (this.#unref) timer.unref();
    return timer;
  }
}
