/**
 * sync/: synchronisation primitives in shared memory, usable from every thread and passed to tasks
 * as arguments (revived on the worker by codec/revive.ts).
 *
 * Go's sync.WaitGroup, in shared memory, so it can be passed to tasks as an argument and counted
 * down from any thread: `add(n)` before starting work, `done()` when a piece ends, `wait()` for
 * zero. The counter is one Int32 in a SharedArrayBuffer; `done()` notifies only when it reaches
 * zero, which is all a waiter waits for.
 *
 * Passed as a task argument it is shared, not copied (it travels by port, as SharedArrayBuffers
 * do), and the worker gets a WaitGroup back (see revive.ts) when it is a top-level argument.
 */
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';

export const WAIT_GROUP_BRAND = 'WaitGroup';

export class WaitGroup {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type' = WAIT_GROUP_BRAND;
  readonly counter: Int32Array;

  constructor(counter: Int32Array = new Int32Array(new SharedArrayBuffer(4))) {
    this.counter = counter;
  }

  /** Adds `n` (may be negative) to the counter. Going below zero is a bug, and throws. */
  add(n = 1): void {
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`waitGroup.add() takes a whole number, ${got(n)}`);
    const now = Atomics.add(this.counter, 0, n) + n;
    if (now < 0) {
      Atomics.sub(this.counter, 0, n);
      throw new InvalidArgumentError(`waitGroup counter would go negative (${now}): done() was called more often than add()`);
    }
    if (now === 0) Atomics.notify(this.counter, 0);
  }

  done(): void {
    this.add(-1);
  }

  /** The current count (a snapshot). */
  get count(): number {
    return Atomics.load(this.counter, 0);
  }

  /** Resolves once the counter is zero; never blocks the thread. */
  async wait(): Promise<void> {
    for (let seen = Atomics.load(this.counter, 0); seen !== 0; seen = Atomics.load(this.counter, 0)) {
      const result = Atomics.waitAsync(this.counter, 0, seen);
      if (result.async) await result.value;
    }
  }

  /**
   * Blocks this thread until the counter is zero: for use inside a task, on a worker. The main
   * thread cannot block (Atomics.wait throws there): use `wait()`.
   */
  waitSync(timeoutMs = Infinity): boolean {
    const deadline = Date.now() + timeoutMs;
    for (let seen = Atomics.load(this.counter, 0); seen !== 0; seen = Atomics.load(this.counter, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.counter, 0, seen, left);
    }
    return true;
  }
}

/** A new wait group at zero. */
export function waitGroup(): WaitGroup {
  return new WaitGroup();
}
