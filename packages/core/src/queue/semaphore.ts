import { Fifo } from './fifo.js';

/** A counting semaphore that hands out permits in the order they were asked for. */
export class Semaphore {
  #free: number;
  readonly #waiting = new Fifo<() => void>();

  constructor(permits: number) {
    this.#free = permits;
  }

  /** Undefined when a permit was free (no promise, no microtask), else a promise of one. */
  acquire(): Promise<void> | undefined {
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free--;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
