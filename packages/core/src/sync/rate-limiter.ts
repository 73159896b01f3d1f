/**
 * A token bucket in shared memory, so one rate holds across every thread it is passed to:
 * `perSecond` tokens a second, up to `burst` saved up (default: one second's worth).
 *
 * `take()` reserves a token at once, going into debt if the bucket is empty, and then waits
 * until that debt is paid: takers are served in the order they asked and the rate is exact, at
 * the price that a token reserved is spent even if its taker gives up. Time is the wall clock at
 * sub-millisecond precision (performance.timeOrigin + now(), the same on every thread).
 *
 *   Int32 0            LOCK (sync/lock.ts)
 *   Float64 16..19     TOKENS (may be negative: debt), LAST (ms), PER_MS, BURST   (own line)
 */
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { locked } from './lock.js';

export const RATE_LIMITER_BRAND = 'RateLimiter';

const LOCK = 0;
const TOKENS = 16;
const LAST = 17;
const PER_MS = 18;
const BURST = 19;

const nowMs = (): number => performance.timeOrigin + performance.now();

/** Sleeps a worker's thread or, on the main thread, only this caller. */
const NOBODY = new Int32Array(new SharedArrayBuffer(4));

export interface RateLimiterOptions {
  perSecond: number;
  burst?: number;
}

export class RateLimiter {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type' = RATE_LIMITER_BRAND;
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer);
  }

  get perSecond(): number {
    return this.#f64[PER_MS] * 1000;
  }

  get burst(): number {
    return this.#f64[BURST];
  }

  /** Takes a token, waiting (without blocking the thread) for its turn. */
  async take(): Promise<void> {
    const waitMs = this.#reserve();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }

  /** Takes a token, blocking this thread until its turn: for synchronous code in a task. */
  takeSync(): void {
    const waitMs = this.#reserve();
    if (waitMs > 0) Atomics.wait(NOBODY, 0, 0, waitMs);
  }

  /** Takes a token if one is there now; never waits, never goes into debt. */
  tryTake(): boolean {
    return locked(this.#i32, LOCK, () => {
      this.#refill();
      if (this.#f64[TOKENS] < 1) return false;
      this.#f64[TOKENS] -= 1;
      return true;
    });
  }

  /** Milliseconds until the token just reserved is ours. */
  #reserve(): number {
    return locked(this.#i32, LOCK, () => {
      this.#refill();
      const tokens = (this.#f64[TOKENS] -= 1);
      return tokens >= 0 ? 0 : -tokens / this.#f64[PER_MS];
    });
  }

  #refill(): void {
    const f64 = this.#f64;
    const now = nowMs();
    f64[TOKENS] = Math.min(f64[BURST], f64[TOKENS] + (now - f64[LAST]) * f64[PER_MS]);
    f64[LAST] = now;
  }
}

export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`rateLimiter() takes an options object ({ perSecond, burst }), ${got(options)}`);
  const { perSecond } = options;
  if (typeof perSecond !== 'number' || !(perSecond > 0) || perSecond === Infinity) {
    throw new InvalidArgumentError(`rateLimiter({ perSecond }) takes a finite number of tokens per second > 0, ${got(perSecond)}`);
  }
  const burst = options.burst ?? Math.max(1, perSecond);
  if (typeof burst !== 'number' || !(burst >= 1) || burst === Infinity) {
    throw new InvalidArgumentError(`rateLimiter({ burst }) takes a finite number of tokens >= 1, ${got(burst)}`);
  }
  const limiter = new RateLimiter(new SharedArrayBuffer(20 * 8));
  const f64 = new Float64Array(limiter.buffer);
  f64[TOKENS] = burst;
  f64[LAST] = nowMs();
  f64[PER_MS] = perSecond / 1000;
  f64[BURST] = burst;
  return limiter;
}
