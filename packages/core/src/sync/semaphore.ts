/**
 * Go's weighted semaphore (golang.org/x/sync/semaphore) with weight 1, across threads: `n`
 * permits in shared memory, taken with `acquire()` (async, any thread) or `acquireSync()` (a
 * task's synchronous code) and given back with `release()`. Passed to a task as an argument it is
 * shared (codec/revive.ts). Not fair: a release wakes every waiter and the first to retry wins.
 *
 *   Int32 0      PERMITS  line 0: every thread CASes it
 *   Int32 32,33  SEQ, WAITERS (the bell), and its RUNG at 35
 *   Int32 34     LIMIT (n, fixed)
 */
import { type Bell, ring } from '../memory/doorbell.js';
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { runAsync, runSync, type Steps } from './steps.js';

export const SEMAPHORE_BRAND = 'Semaphore';

const PERMITS = 0;
const SEQ = 32;
const WAITERS = 33;
const LIMIT = 34;
const RUNG = 35;
const INTS = 36;

export class Semaphore {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type': string = SEMAPHORE_BRAND;
  readonly state: Int32Array;
  readonly #bell: Bell;

  constructor(state: Int32Array) {
    this.state = state;
    this.#bell = { i32: state, seq: SEQ, waiters: WAITERS, rung: RUNG };
  }

  /** Permits free now (a snapshot). */
  get available(): number {
    return Atomics.load(this.state, PERMITS);
  }

  get size(): number {
    return this.state[LIMIT];
  }

  /** Takes a permit if one is free now. */
  tryAcquire(): boolean {
    const state = this.state;
    for (let free = Atomics.load(state, PERMITS); free > 0; free = Atomics.load(state, PERMITS)) {
      if (Atomics.compareExchange(state, PERMITS, free, free - 1) === free) return true;
    }
    return false;
  }

  /** Takes a permit, waiting for one without blocking the thread. */
  acquire(): Promise<void> {
    return runAsync(this.#acquireSteps(), () => this.describe('acquire'), () => [this.#bell]);
  }

  /** Takes a permit, blocking this thread until one is free: for synchronous code in a task. */
  acquireSync(): void {
    runSync(this.#acquireSteps(), () => this.describe('acquire'), () => [this.#bell]);
  }

  /** Gives a permit back. Giving back more than were taken is a bug, and throws. */
  release(): void {
    const state = this.state;
    for (;;) {
      const free = Atomics.load(state, PERMITS);
      if (free >= state[LIMIT]) throw new InvalidArgumentError(this.overReleased());
      if (Atomics.compareExchange(state, PERMITS, free, free + 1) === free) break;
    }
    ring(this.#bell);
  }

  /** What a blocked `op` waits on, for dump(). */
  protected describe(op: string): string {
    return `${op} on a semaphore(${this.size}) with ${this.available} free`;
  }

  protected overReleased(): string {
    return `semaphore(${this.size}).release() was called more often than acquire()`;
  }

  *#acquireSteps(): Steps<void> {
    while (!this.tryAcquire()) yield { ready: () => Atomics.load(this.state, PERMITS) > 0 };
  }
}

export function semaphoreMemory(n: number): Int32Array {
  const state = new Int32Array(new SharedArrayBuffer(INTS * 4));
  state[PERMITS] = n;
  state[LIMIT] = n;
  return state;
}

/** A semaphore with `n` permits, shared by every thread it is passed to. */
export function semaphore(n: number): Semaphore {
  if (!Number.isInteger(n) || n < 1 || n > 0x7fffffff) throw new InvalidArgumentError(`semaphore(n) takes a whole number of permits >= 1, ${got(n)}`);
  return new Semaphore(semaphoreMemory(n));
}
