import { sumCounters, type CounterName } from './counters.js';
import { addHistogram, emptyHistogram, summarize, type HistogramData, type HistogramSummary } from './histogram.js';
import { readTiming } from './thread-block.js';

export interface WorkerStats {
  /** Index of the worker in its pool (stable across replacements). */
  id: number;
  /** Tasks running on it now. */
  busy: number;
  /** Tasks it has started since the runtime began (replacements included). */
  tasks: number;
  /** Milliseconds it had at least one task running. */
  busyMs: number;
  /** busyMs over the runtime's age: 0 (always idle) to 1 (never idle). */
  utilization: number;
}

export interface StatsSnapshot extends Record<CounterName, number> {
  /** Tasks running on a worker now. */
  active: number;
  /** Tasks accepted but not yet started: in the ring or waiting behind it (`waiting` of them). */
  queued: number;
  workers: WorkerStats[];
  /** From acceptance to the start of the call, in microseconds. */
  waitTime: HistogramSummary;
  /** From the start of the call until it returned or its promise settled, in microseconds. */
  runTime: HistogramSummary;
  /** Milliseconds since the runtime started. */
  uptimeMs: number;
}

/** A snapshot with the raw histograms, for exporters that need every bucket (toPrometheus). */
export interface DetailedSnapshot extends StatsSnapshot {
  histograms: { waitTime: HistogramData; runTime: HistogramData };
}

export interface SnapshotSource {
  buffer: SharedArrayBuffer;
  /** Stats block of every thread (main and workers). */
  threadBlocks: readonly number[];
  /** Stats block of each worker, by worker id. */
  workerBlocks: readonly number[];
  /** monotonicMs() when the runtime started, and now. */
  startedMs: number;
  nowMs: number;
}

/**
 * Reads the counters and histograms without stopping anyone. `active` (started - ended, counted by
 * the workers) and `queued` are derived from counters that different threads bump, so a snapshot
 * taken mid-flight can be off by the tasks that moved between two reads; both are clamped at zero.
 */
export function snapshot(source: SnapshotSource): DetailedSnapshot {
  const { buffer, threadBlocks, workerBlocks, startedMs, nowMs } = source;
  const totals = sumCounters(buffer, threadBlocks);
  const uptimeMs = Math.max(0, nowMs - startedMs);
  const waitTime = emptyHistogram();
  const runTime = emptyHistogram();
  const workers = workerBlocks.map((offset, id) => {
    const own = sumCounters(buffer, [offset]);
    const timing = readTiming(buffer, offset, nowMs);
    addHistogram(waitTime, timing.wait);
    addHistogram(runTime, timing.run);
    return {
      id,
      busy: Math.max(0, own.started - own.ended),
      tasks: own.started,
      busyMs: timing.busyMs,
      utilization: uptimeMs > 0 ? Math.min(1, timing.busyMs / uptimeMs) : 0,
    };
  });
  return {
    ...totals,
    active: Math.max(0, totals.started - totals.ended),
    queued: Math.max(0, totals.launched - totals.started - totals.cancelled - totals.unstarted),
    workers,
    waitTime: summarize(waitTime),
    runTime: summarize(runTime),
    uptimeMs,
    histograms: { waitTime, runTime },
  };
}
