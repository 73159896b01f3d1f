/**
 * The stats block each thread owns in the runtime's SharedArrayBuffer.
 *
 * Every thread that touches the data plane (the main thread and each worker) has one block and is
 * its only writer, so updates are uncontended and never bounce a cache line between cores.
 * Readers add the blocks up without stopping anyone; a snapshot is not a consistent cut.
 *
 *   +-------------------------------+  line 0: BigInt64 counters (counters.ts)
 *   | counters                      |
 *   +-------------------------------+  line 1: Float64 timing words (Timing below)
 *   | busy time, sums, min, max     |
 *   +-------------------------------+  Uint32 bucket counts, updated with Atomics.add
 *   | wait-time histogram           |  (histogram.ts has the bucket scheme)
 *   +-------------------------------+
 *   | run-time histogram            |
 *   +-------------------------------+
 *
 * The Float64 words have one writer and are stored plainly: Atomics has no Float64 operations,
 * and an aligned 8-byte store is not torn on the platforms Node runs on.
 */
import { bucketOf, HISTOGRAM_BUCKETS, type HistogramData } from './histogram.js';

const LINE = 128;
const HISTOGRAM_BYTES = Math.ceil((HISTOGRAM_BUCKETS * 4) / LINE) * LINE;
export const TIMING_OFFSET = LINE;
const WAIT_OFFSET = 2 * LINE;
const RUN_OFFSET = WAIT_OFFSET + HISTOGRAM_BYTES;

/** Bytes of one thread's stats block: a multiple of the cache line. */
export const THREAD_STATS_BYTES = RUN_OFFSET + HISTOGRAM_BYTES;

/** Float64 index in the timing line. BUSY_SINCE is 0 while the thread runs no task. */
const Timing = { BUSY_MS: 0, BUSY_SINCE: 1, WAIT_SUM: 2, WAIT_MIN: 3, WAIT_MAX: 4, RUN_SUM: 5, RUN_MIN: 6, RUN_MAX: 7 } as const;

/** Gives a fresh block its starting values; the runtime calls it for every block before use. */
export function initThreadStats(buffer: SharedArrayBuffer, offset: number): void {
  const words = new Float64Array(buffer, offset + TIMING_OFFSET, 8);
  words[Timing.WAIT_MIN] = words[Timing.RUN_MIN] = Infinity;
  words[Timing.WAIT_MAX] = words[Timing.RUN_MAX] = -Infinity;
}

/**
 * A worker's writer for its timing: how long each task waited to start, how long it ran, and how
 * long the worker had at least one task running (its busy time; async tasks overlap).
 */
export class TaskTimer {
  readonly #words: Float64Array;
  readonly #wait: Uint32Array;
  readonly #run: Uint32Array;
  #running = 0;

  constructor(buffer: SharedArrayBuffer, offset: number) {
    this.#words = new Float64Array(buffer, offset + TIMING_OFFSET, 8);
    this.#wait = new Uint32Array(buffer, offset + WAIT_OFFSET, HISTOGRAM_BUCKETS);
    this.#run = new Uint32Array(buffer, offset + RUN_OFFSET, HISTOGRAM_BUCKETS);
    // A replacement worker takes over its predecessor's block; a task it was running is gone.
    if (this.#words[Timing.BUSY_SINCE] !== 0) this.#words[Timing.BUSY_SINCE] = 0;
  }

  /** A task submitted at `submittedMs` starts at `nowMs` (both monotonicMs). */
  started(nowMs: number, submittedMs: number): void {
    this.#record(this.#wait, Timing.WAIT_SUM, (nowMs - submittedMs) * 1000);
    if (this.#running++ === 0) this.#words[Timing.BUSY_SINCE] = nowMs;
  }

  /** A task that started at `startedMs` has settled at `nowMs`. */
  ended(nowMs: number, startedMs: number): void {
    this.#record(this.#run, Timing.RUN_SUM, (nowMs - startedMs) * 1000);
    if (--this.#running === 0) {
      const words = this.#words;
      words[Timing.BUSY_MS] += nowMs - words[Timing.BUSY_SINCE];
      words[Timing.BUSY_SINCE] = 0;
    }
  }

  #record(buckets: Uint32Array, sumAt: number, micros: number): void {
    const value = micros > 0 ? micros : 0;
    Atomics.add(buckets, bucketOf(value), 1);
    const words = this.#words;
    words[sumAt] += value;
    if (value < words[sumAt + 1]) words[sumAt + 1] = value;
    if (value > words[sumAt + 2]) words[sumAt + 2] = value;
  }
}

export interface ThreadTiming {
  /** Milliseconds with at least one task running, up to `nowMs`. */
  busyMs: number;
  wait: HistogramData;
  run: HistogramData;
}

export function readTiming(buffer: SharedArrayBuffer, offset: number, nowMs: number): ThreadTiming {
  const words = new Float64Array(buffer, offset + TIMING_OFFSET, 8);
  const since = words[Timing.BUSY_SINCE];
  const read = (at: number, sumAt: number): HistogramData => {
    const view = new Uint32Array(buffer, offset + at, HISTOGRAM_BUCKETS);
    const buckets = new Array<number>(HISTOGRAM_BUCKETS);
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) buckets[i] = Atomics.load(view, i);
    return { buckets, sum: words[sumAt], min: words[sumAt + 1], max: words[sumAt + 2] };
  };
  return {
    busyMs: words[Timing.BUSY_MS] + (since !== 0 ? Math.max(0, nowMs - since) : 0),
    wait: read(WAIT_OFFSET, Timing.WAIT_SUM),
    run: read(RUN_OFFSET, Timing.RUN_SUM),
  };
}
