/**
 * Stopping a task that outlived its deadline, even one stuck in `while (true) {}`: find the worker
 * running it and terminate that worker, but only at a safe point (safety.ts), so no ring slot is
 * left half-claimed. Recovery then requeues what the worker had claimed but not started, and a
 * replacement brings the pool back to full size.
 */
import { ClaimState, claimStateOf, type ClaimTables, freeze, holds, type Layout, thaw, WorkerWord } from '@routine/core';

/** How soon to try again when the worker is busy writing shared memory (a few µs at most). */
const RETRY_MS = 1;
/** How soon to look again at a task claimed but not started (its arguments may be on their way). */
const CLAIMED_RETRY_MS = 5;

export interface StopperParts {
  layout: Layout;
  i32: Int32Array;
  tables: ClaimTables;
  /** Terminates worker `index` to stop task `gid`. */
  terminate(index: number, gid: number): void;
}

export class TaskStopper {
  readonly #parts: StopperParts;

  constructor(parts: StopperParts) {
    this.#parts = parts;
  }

  stop(gid: number): void {
    const { i32, tables, layout } = this.#parts;
    const found = tables.find(gid);
    if (!found) return; // it finished meanwhile
    if (claimStateOf(found.i32, found.entry) === ClaimState.claimed) {
      // Its worker checks the deadline before it starts it, but may have checked just before the
      // deadline and be about to mark it running: look again until it is running or gone.
      setTimeout(() => this.stop(gid), CLAIMED_RETRY_MS).unref();
      return;
    }
    const safety = layout.workerBlocks[found.worker] / 4 + WorkerWord.SAFETY;
    if (!freeze(i32, safety)) {
      setTimeout(() => this.stop(gid), RETRY_MS).unref();
      return;
    }
    // Frozen: the claim table cannot change now. Is the task still the one running there?
    if (!holds(found, gid, ClaimState.running)) {
      thaw(i32, safety);
      return;
    }
    this.#parts.terminate(found.worker, gid);
  }
}
