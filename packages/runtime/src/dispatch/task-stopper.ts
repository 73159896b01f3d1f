/**
 * Stopping a task that outlived its deadline, in two steps.
 *
 * First ask: mark its claim entry, and its worker, at its next turn of the event loop, aborts the
 * task's signal with TimeoutError and gives up its claim; an async task that yields is stopped so,
 * and the tasks beside it on that worker never notice. Only a task still there after
 * STOP_GRACE_MS (one stuck in `while (true) {}`, which never yields) has its worker terminated, at
 * a safe point (safety.ts), so no ring slot is left half-claimed. Recovery then requeues what the
 * worker had claimed but not started, and a replacement brings the pool back to full size.
 *
 * Both steps act on a frozen worker (SAFE -> KILLING): its claim table cannot change then, so
 * the entry checked is the entry marked or the one the termination is for, never a task that
 * took the entry over meanwhile.
 */
import { ClaimState, claimStateOf, type Claim, type ClaimTables, freeze, holds, type Layout, markStopped, thaw, WorkerWord } from '@routine/core';

/** How soon to try again when the worker is busy writing shared memory (a few µs at most). */
const RETRY_MS = 1;
/** How soon to look again at a task claimed but not started (its arguments may be on their way). */
const CLAIMED_RETRY_MS = 5;
/** How long a task asked to stop has to yield before its worker is terminated. */
export const STOP_GRACE_MS = 250;

export interface StopperParts {
  layout: Layout;
  i32: Int32Array;
  tables: ClaimTables;
  /** Wakes worker `index` so it looks at its marked entries. */
  wake(index: number): void;
  /** Terminates worker `index` to stop task `gid`. */
  terminate(index: number, gid: number): void;
}

export class TaskStopper {
  readonly #parts: StopperParts;

  constructor(parts: StopperParts) {
    this.#parts = parts;
  }

  /** Asks the worker running `gid` to stop it; terminates that worker if it does not in time. */
  stop(gid: number): void {
    const found = this.#running(gid, () => this.stop(gid));
    if (!found) return;
    markStopped(found.i32, found.entry);
    this.#parts.tables.signal(found.worker);
    this.#thaw(found.worker);
    this.#parts.wake(found.worker);
    setTimeout(() => this.#terminate(gid), STOP_GRACE_MS).unref();
  }

  #terminate(gid: number): void {
    const found = this.#running(gid, () => this.#terminate(gid));
    if (found) this.#parts.terminate(found.worker, gid);
  }

  /**
   * The entry running `gid`, with its worker frozen; undefined when the task is gone (or `again`
   * has been scheduled, for a worker that could not be frozen now or a task not yet running).
   */
  #running(gid: number, again: () => void): Claim | undefined {
    const found = this.#parts.tables.find(gid);
    if (!found) return undefined; // it finished meanwhile
    if (claimStateOf(found.i32, found.entry) === ClaimState.claimed) {
      // Its worker checks the deadline before it starts it, but may have checked just before the
      // deadline and be about to mark it running: look again until it is running or gone.
      setTimeout(again, CLAIMED_RETRY_MS).unref();
      return undefined;
    }
    if (!freeze(this.#parts.i32, this.#safety(found.worker))) {
      setTimeout(again, RETRY_MS).unref();
      return undefined;
    }
    // Frozen: the claim table cannot change now. Is the task still the one running there?
    if (!holds(found, gid, ClaimState.running)) {
      this.#thaw(found.worker);
      return undefined;
    }
    return found;
  }

  #safety(worker: number): number {
    return this.#parts.layout.workerBlocks[worker] / 4 + WorkerWord.SAFETY;
  }

  #thaw(worker: number): void {
    thaw(this.#parts.i32, this.#safety(worker));
  }
}
