/**
 * When a worker may be terminated: only while it is not touching shared structures.
 *
 * `Worker.terminate()` stops a thread at an arbitrary instruction. Stopped between claiming a ring
 * position and releasing it, or while holding the arena lock, a worker would wedge the whole
 * runtime. So each worker marks the stretches where it writes shared memory (BUSY) and the ones
 * where it runs user code or waits (SAFE). The main thread terminates a worker only after winning
 * SAFE -> KILLING with a compare-and-swap; a worker that finds KILLING when it wants to enter a
 * BUSY stretch waits until the main thread either terminates it or hands it back (SAFE).
 *
 *   worker:  SAFE --enter()--> BUSY --leave()--> SAFE
 *   main:    SAFE --freeze()--> KILLING --terminate() | thaw()--> (gone) | SAFE
 */
export const Safety = { safe: 0, busy: 1, killing: 2 } as const;

/** The worker's side. Reentrant: nested enter/leave pairs only touch the word at the outside. */
export class SafePoint {
  readonly #i32: Int32Array;
  readonly #word: number;
  #depth = 0;

  constructor(i32: Int32Array, word: number) {
    this.#i32 = i32;
    this.#word = word;
  }

  enter(): void {
    if (this.#depth++ > 0) return;
    while (Atomics.compareExchange(this.#i32, this.#word, Safety.safe, Safety.busy) !== Safety.safe) {
      // KILLING: the main thread is deciding whether to terminate us. Wait for its answer.
      Atomics.wait(this.#i32, this.#word, Safety.killing, 50);
    }
  }

  leave(): void {
    if (--this.#depth > 0) return;
    Atomics.store(this.#i32, this.#word, Safety.safe);
  }

  /** Marks the worker terminable for a call into user code; returns what `resume` needs. */
  suspend(): number {
    const depth = this.#depth;
    this.#depth = 0;
    if (depth > 0) Atomics.store(this.#i32, this.#word, Safety.safe);
    return depth;
  }

  /** Ends a `suspend`. */
  resume(depth: number): void {
    if (depth === 0) return;
    this.enter();
    this.#depth = depth;
  }
}

/** The main thread never needs to be terminated from outside. */
export const NO_SAFE_POINT = { enter(): void {}, leave(): void {} };

/** Main thread: stops worker `word` at a safe point. True if it is now frozen (KILLING). */
export function freeze(i32: Int32Array, word: number): boolean {
  return Atomics.compareExchange(i32, word, Safety.safe, Safety.killing) === Safety.safe;
}

/** Main thread: hands a frozen worker back (it was not terminated after all). */
export function thaw(i32: Int32Array, word: number): void {
  Atomics.store(i32, word, Safety.safe);
  Atomics.notify(i32, word);
}
