/**
 * Admission: at most `limit` items in at once, the rest in a first-in first-out line, let in
 * in order as others leave. It is the runtime's one admission mechanism: a group's `limit`, a
 * pool's capacity and a pipeline stage's concurrency are each one of these.
 *
 * A waiter that gives up (a handle cancelled while waiting) is not searched for and removed: it
 * stays in line and `gaveUp` tells, when its turn comes, that it is to be skipped. So a cancel
 * costs O(1) and so does every admission (Fifo), however long the line.
 */
import { Fifo } from './fifo.js';

export class Admission<T> {
  readonly #limit: number;
  readonly #line = new Fifo<T>();
  readonly #start: (item: T) => void;
  readonly #gaveUp: (item: T) => boolean;
  #active = 0;

  /** `start` runs each item let in from the line (enter runs it too, for one let in at once). */
  constructor(limit: number, start: (item: T) => void, gaveUp: (item: T) => boolean = () => false) {
    this.#limit = limit;
    this.#start = start;
    this.#gaveUp = gaveUp;
  }

  /** Items let in and not yet gone. */
  get active(): number {
    return this.#active;
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

  /** Starts `item` now if tryEnter() would, else puts it at the back of the line. */
  enter(item: T): void {
    if (this.tryEnter()) this.#start(item);
    else this.#line.push(item);
  }

  /** One that was let in has gone: let the next waiters in while there is room. */
  leave(): void {
    this.#active--;
    while (this.#active < this.#limit) {
      const next = this.#line.shift();
      if (next === undefined) return;
      if (this.#gaveUp(next)) continue;
      this.#active++;
      this.#start(next);
    }
  }

  /** Empties the line, returning the waiters that had not given up, in order. */
  clear(): T[] {
    return this.#line.drain().filter((item) => !this.#gaveUp(item));
  }

  #dropGaveUp(): void {
    while (this.#line.length > 0 && this.#gaveUp(this.#line.peek()!)) this.#line.shift();
  }
}
