/**
 * resize(n), Go's GOMAXPROCS: how many of a runtime's worker slots are in use. The layout is
 * planned for maxWorkers; slots 0 to `active - 1` have workers.
 *
 * Growing starts workers at once. Shrinking retires the highest-numbered slot, and only once its
 * worker holds no task (none running, none claimed, none of its nested ones pending or waiting):
 * the worker is frozen at a safe point (safety.ts), so it can claim nothing while its claim table
 * is read; found empty it is terminated, otherwise thawed and looked at again a moment later. So
 * nothing queued or running is lost, and a retired worker's death is no panic (runtime.ts asks
 * `retired` before treating a death as a crash).
 */
import { type ClaimTables, freeze, type Layout, thaw, WorkerWord } from '@routine/core';
import { Counter, CounterBlock } from '@routine/stats';
import { unsettled } from './crash-recovery.js';
import type { WorkerPool } from './worker-pool.js';

/** How often a worker being retired that still holds tasks is looked at again. */
const RETIRE_POLL_MS = 2;

export interface ResizerParts {
  layout: Layout;
  buffer: SharedArrayBuffer;
  claims: ClaimTables;
  pool: WorkerPool;
  initial: number;
  /** The runtime is closing: stop resizing, its pool stops every worker anyway. */
  closing(): boolean;
}

export class Resizer {
  readonly #parts: ResizerParts;
  readonly #i32: Int32Array;
  #active: number;
  /** Slots being retired, and what to call once each one's worker has exited. */
  readonly #retiring = new Map<number, () => void>();
  #queue: Promise<void> = Promise.resolve();

  constructor(parts: ResizerParts) {
    this.#parts = parts;
    this.#i32 = new Int32Array(parts.buffer);
    this.#active = parts.initial;
  }

  /** Worker slots in use. */
  get active(): number {
    return this.#active;
  }

  /** Resizes to `target` workers after the resizes asked for before. */
  resize(target: number): Promise<void> {
    this.#queue = this.#queue.then(() => this.#resizeTo(target));
    return this.#queue;
  }

  /**
   * Worker `index` has exited: true if it was being retired (then it gets no replacement), and
   * its retirement is complete.
   */
  retired(index: number): boolean {
    const done = this.#retiring.get(index);
    if (!done) return false;
    this.#retiring.delete(index);
    this.#parts.pool.retired(index);
    done();
    return true;
  }

  async #resizeTo(target: number): Promise<void> {
    const { pool, closing } = this.#parts;
    while (this.#active < target && !closing()) pool.activate(this.#active++);
    while (this.#active > target && !closing()) {
      await this.#retire(this.#active - 1);
      this.#active--;
    }
  }

  async #retire(index: number): Promise<void> {
    const { layout, buffer, claims, pool, closing } = this.#parts;
    const safety = layout.workerBlocks[index] / 4 + WorkerWord.SAFETY;
    const counters = new CounterBlock(buffer, layout.statsBlocks[1 + index]);
    const exited = new Promise<void>((resolve) => this.#retiring.set(index, resolve));
    while (this.#retiring.has(index) && !closing()) {
      if (!pool.hasWorker(index)) {
        // Failed to start and waiting to restart, or given up: nothing runs there to wait for.
        this.retired(index);
        break;
      }
      // Frozen, it cannot enter a stretch that writes shared memory, so it can claim nothing:
      // what we find in its claim table stays true until we thaw or terminate it.
      if (freeze(this.#i32, safety)) {
        const holds = !claims.claimsOf(index).next().done || counters.read(Counter.waiting) > 0 || unsettled(counters) > 0;
        if (!holds) {
          pool.terminateWorker(index);
          break;
        }
        thaw(this.#i32, safety);
      }
      await new Promise((resolve) => setTimeout(resolve, RETIRE_POLL_MS));
    }
    if (closing()) {
      this.#retiring.delete(index);
      return;
    }
    await exited;
  }
}
