/** What the main thread hands each worker when it starts it. */
import type { MessagePort } from 'node:worker_threads';
import type { Layout } from '../memory/layout.js';
import type { LogLevel } from '../task/routine-logger.js';

export interface WorkerBoot {
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** This worker's spill table (claim-table.ts): it outlives the worker, like the main buffer. */
  spill: SharedArrayBuffer;
  /** The runtime's name (RuntimeOptions.name), for the spans a worker makes. */
  runtime: string;
  /** Index of this worker in the pool; its inbox is `1 + index`. */
  index: number;
  generation: number;
  gidCounter: Int32Array;
  /** Control plane (control.ts): comlink calls, and one-way parcel puts. */
  control: MessagePort;
  parcels: MessagePort;
  /** Keep counters, timing and histograms (RuntimeOptions.metrics). */
  metrics: boolean;
  /** Module imported before the worker takes tasks. */
  setup?: string;
  /** Where the worker posts each line routine logs there, one JSON line a message, and from which level. */
  log: MessagePort;
  logLevel: LogLevel;
}

/**
 * What a worker posts on its parentPort once it has booted (its setup module imported), before it
 * takes a task. A worker that exits without having posted it failed to start: the pool restarts it
 * with backoff, up to a limit, instead of at once and forever.
 */
export const WORKER_READY = 'routine:ready';

/**
 * What a worker posts as it leaves its loop, the runtime having stopped and the worker holding no
 * task: an exit after it is no death to recover from, one without it is, even while stopping.
 */
export const WORKER_LEFT = 'routine:left';
