/**
 * queue/: waiting in line on one thread: fifo.ts (the line), this file (admission with a limit),
 * pending-count.ts (waiting for zero). Nothing here touches shared memory.
 *
 * Admission: at most `limit` items in at once, the rest in a first-in first-out line, let in
 * in order as others leave. It is the runtime's one admission mechanism: a group's `limit`, a
 * pool's capacity, a pipeline stage's concurrency, a thread's credits in the submission ring
 * (endpoint.ts) and crash recovery's records waiting for ring room are each one of these.
 *
 * `start` may refuse an item (return false) when something besides the limit is short, such as
 * room in a ring: the item then stays at the front of the line, and `admit()` tries again later.
 * A waiter that gives up (a handle cancelled while waiting) is not searched for and removed: it
 * stays in line and `gaveUp` tells, when its turn comes, that it is to be skipped. So a cancel
 * costs O(1) and so does every admission (Fifo), however long the line.
 */
import { Fifo } from './fifo.js';

export class Admission<T> {
  readonly #limit: number;
  readonly #line = new Fifo<T>();
  readonly #start: (item: T) => boolean | void;
  readonly #gaveUp: (item: T) => boolean;
  #active = 0;
  /** True while admit() runs: a start that leaves at once must not admit again, recursively. */
  #admitting = false;

  /** `start` runs each item let in from the line (enter runs it too, for one let in at once). */
  constructor(limit: number, start: (item: T) => boolean | void, gaveUp: (item: T) => boolean = () => false) {
    this.#limit = limit;
    this.#start = start;
    this.#gaveUp = gaveUp;
  }

  /** Items let in and not yet gone. */
  get active(): number {
    return this.#active;
  }

  /** Items in line, those that gave up and have not reached the front yet included. */
  get waiting(): number {
    return this.#line.length;
  }

  /**
   * Lets one in now if there is room and nobody waits ahead of it (no promise, no call), counting
   * it as active; false otherwise, changing nothing.
   */
  tryEnter(): boolean {
    this.#dropGaveUp();
    if (this.#active >= this.#limit || this.#line.length > 0) return false;
    this.#active++;
    return true;
  }

  /** Takes back a tryEnter() whose item could not start after all (it is about to wait). */
  cancelEnter(): void {
    this.#active--;
  }

  /** Starts `item` now if tryEnter() would and `start` takes it, else puts it at the back of the line. */
  enter(item: T): void {
    if (this.tryEnter()) {
      if (this.#start(item) !== false) return;
      this.#active--;
    }
    this.#line.push(item);
  }

  /** Puts `item` at the back of the line without trying to start it. */
  wait(item: T): void {
    this.#line.push(item);
  }

  /** One that was let in has gone: let the next waiters in while there is room. */
  leave(): void {
    this.#active--;
    this.admit();
  }

  /**
   * Lets waiters in, in order, while there is room and `start` takes them. A start that ends at
   * once (a refused submit) calls leave() from inside: that only gives its place back, and this
   * loop goes on, so a long line of refusals costs a loop, not a stack frame each. A start that
   * throws gives its place back and its item the front of the line, and the error goes on up.
   */
  admit(): void {
    if (this.#admitting) return;
    this.#admitting = true;
    try {
      while (this.#active < this.#limit && this.#line.length > 0) {
        // Out of the line before it starts, so a leave() from inside does not find it waiting.
        const next = this.#line.shift()!;
        if (this.#gaveUp(next)) continue;
        this.#active++;
        let started: boolean | void;
        try {
          started = this.#start(next);
        } catch (error) {
          this.#active--;
          this.#line.unshift(next);
          throw error;
        }
        if (started === false) {
          this.#active--;
          this.#line.unshift(next);
          return;
        }
      }
    } finally {
      this.#admitting = false;
    }
  }

  /** Empties the line, returning the waiters that had not given up, in order. */
  clear(): T[] {
    return this.#line.drain().filter((item) => !this.#gaveUp(item));
  }

  /** Forgets every item let in and every waiter (a runtime terminated at once). */
  reset(): void {
    this.#line.drain();
    this.#active = 0;
  }

  #dropGaveUp(): void {
    while (this.#line.length > 0 && this.#gaveUp(this.#line.peek()!)) this.#line.shift();
  }
}
