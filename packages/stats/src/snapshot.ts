import { sumCounters, type CounterName } from './counters.js';

export interface WorkerStats {
  /** Index of the worker in its pool (stable across replacements). */
  id: number;
  /** Tasks running on it now. */
  busy: number;
  /** Tasks it has started since the runtime began (replacements included). */
  tasks: number;
}

export interface StatsSnapshot extends Record<CounterName, number> {
  /** Tasks running on a worker now. */
  active: number;
  /** Tasks accepted but not yet started: in the ring or waiting behind it (`waiting` of them). */
  queued: number;
  workers: WorkerStats[];
}

/**
 * Reads the counters without stopping anyone. `active` and `queued` are derived from counters
 * that different threads bump, so a snapshot taken mid-flight can be off by the tasks that
 * moved between two reads; both are clamped at zero.
 */
export function snapshot(
  buffer: SharedArrayBuffer,
  threadBlocks: readonly number[],
  workerBlocks: readonly { id: number; offset: number }[],
): StatsSnapshot {
  const totals = sumCounters(buffer, threadBlocks);
  const settledAfterStart = totals.completed + totals.errors + totals.panics + totals.timeouts;
  const workers = workerBlocks.map(({ id, offset }) => {
    const own = sumCounters(buffer, [offset]);
    const ended = own.completed + own.errors + own.panics + own.timeouts;
    return { id, busy: Math.max(0, own.started - ended), tasks: own.started };
  });
  return {
    ...totals,
    active: Math.max(0, totals.started - settledAfterStart),
    queued: Math.max(0, totals.launched - totals.started - totals.cancelled),
    workers,
  };
}
