/**
 * A runtime's own line of tasks not yet handed to its endpoint: those submitted while it is paused,
 * and those with a priority (and any behind them) while tasks already wait behind a full ring.
 * Highest priority first, first come first served among equals. A task cancelled or timed out
 * while it waits is settled at once and skipped when its turn comes.
 *
 * Tasks that never meet this line (no priority, not paused: the common case) pay nothing for it:
 * the runtime checks two fields before going straight to its endpoint.
 */
import type { SubmitOptions, TaskHandle } from '@routine/core';

export interface HeldTask {
  handle: TaskHandle<unknown>;
  fn: unknown;
  args: unknown[];
  options: SubmitOptions | undefined;
  priority: number;
  /** Date.now() when it times out, or 0. */
  deadline: number;
}

export class HeldLine {
  /** Kept sorted: highest priority first, then by arrival. */
  readonly #items: HeldTask[] = [];
  /** Tasks still waiting (not settled while they waited). */
  #live = 0;

  get length(): number {
    return this.#live;
  }

  push(task: HeldTask): void {
    // After the last one of at least the same priority: binary search, equal ones keep their order.
    let low = 0;
    let high = this.#items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#items[mid].priority >= task.priority) low = mid + 1;
      else high = mid;
    }
    this.#items.splice(low, 0, task);
    this.#live++;
  }

  /** One of them settled while waiting (cancelled, timed out). */
  gaveUp(): void {
    this.#live--;
  }

  /** The next task that has not given up, out of the line. */
  shift(): HeldTask | undefined {
    for (;;) {
      const next = this.#items.shift();
      if (!next) return undefined;
      if (next.handle.settled) continue;
      this.#live--;
      return next;
    }
  }
}
