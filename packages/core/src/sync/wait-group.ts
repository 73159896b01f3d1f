/**
 * sync/: synchronisation primitives in shared memory, usable from every thread and passed to tasks
 * as arguments (revived on the worker by codec/revive.ts).
 *
 * Go's sync.WaitGroup, in shared memory, so it can be passed to tasks as an argument and counted
 * down from any thread: `add(n)` before starting work, `done()` when a piece ends, `wait()` for
 * zero. The counter is an Int32 in a SharedArrayBuffer beside a doorbell that `done()` rings only
 * when the count reaches zero, which is all a waiter waits for; a waiter parks as channel
 * operations do (sync/parking.ts), so a runtime's close ends its wait too.
 *
 * Passed as a task argument it is shared, not copied (it travels by port, as SharedArrayBuffers
 * do), and the worker gets a WaitGroup back (see revive.ts) when it is a top-level argument.
 */
import { type Bell, ring } from '../memory/doorbell.js';
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { runAsync, runSync, type Steps } from './steps.js';

export const WAIT_GROUP_BRAND = 'WaitGroup';

/** Int32 words of a wait group: the count, then a doorbell (memory/doorbell.ts) rung at zero. */
const COUNT = 0;
const WORDS = 4;

export class WaitGroup {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type' = WAIT_GROUP_BRAND;
  readonly counter: Int32Array;
  readonly #bell: Bell;

  constructor(counter: Int32Array = new Int32Array(new SharedArrayBuffer(WORDS * 4))) {
    if (counter.length < WORDS) throw new InvalidArgumentError(`a WaitGroup needs ${WORDS} Int32 words of shared memory; make one with waitGroup()`);
    this.counter = counter;
    this.#bell = { i32: counter, seq: COUNT + 1, waiters: COUNT + 2, rung: COUNT + 3 };
  }

  /** Adds `n` (may be negative) to the counter. Going below zero is a bug, and throws. */
  add(n = 1): void {
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`waitGroup.add() takes a whole number, ${got(n)}`);
    const now = Atomics.add(this.counter, COUNT, n) + n;
    if (now < 0) {
      Atomics.sub(this.counter, COUNT, n);
      throw new InvalidArgumentError(`waitGroup counter would go negative (${now}): done() was called more often than add()`);
    }
    if (now === 0) ring(this.#bell);
  }

  done(): void {
    this.add(-1);
  }

  /** The current count (a snapshot). */
  get count(): number {
    return Atomics.load(this.counter, COUNT);
  }

  /**
   * Resolves once the counter is zero; never blocks the thread. Like a blocked channel operation
   * (sync/parking.ts), it rejects with RuntimeClosedError if the runtime closes meanwhile, and
   * shows in dump() while a task waits.
   */
  wait(): Promise<void> {
    return runAsync(this.#untilZero(Infinity), () => 'waitGroup.wait', () => [this.#bell]).then(() => undefined);
  }

  /**
   * Blocks this thread until the counter is zero: for use inside a task, on a worker. The main
   * thread cannot block (Atomics.wait throws there): use `wait()`. False if `timeoutMs` passed first.
   */
  waitSync(timeoutMs = Infinity): boolean {
    return runSync(this.#untilZero(Date.now() + timeoutMs), () => 'waitGroup.waitSync', () => [this.#bell]);
  }

  *#untilZero(untilMs: number): Steps<boolean> {
    const zero = (): boolean => Atomics.load(this.counter, COUNT) === 0;
    while (!zero()) {
      if (Date.now() >= untilMs) return false;
      yield { ready: zero, until: untilMs };
    }
    return true;
  }
}

/** A new wait group at zero. */
export function waitGroup(): WaitGroup {
  return new WaitGroup();
}
