/**
 * The counters of each thread's stats block (thread-block.ts has the whole block).
 *
 * A bump is an uncontended `Atomics.add` (about 20 ns) by the block's only writer. Readers sum
 * the blocks; a snapshot is not a consistent cut across threads, so derived gauges are clamped.
 *
 *   line 0 of the block (128 bytes, BigInt64 slots)
 *   +----------+---------+-----------+--------+--------+-----------+----------+---------+
 *   | launched | started | completed | errors | panics | cancelled | timeouts | waiting |
 *   +----------+---------+-----------+--------+--------+-----------+----------+---------+
 *
 * All are counters except `waiting`, a gauge the owner sets: tasks it holds behind a full ring.
 * `unstarted` and `ended` follow on the same line (see below).
 *
 * Each task lands in exactly one outcome counter (completed, errors, panics, cancelled, timeouts),
 * bumped by the thread that settles it, at the moment it does (endpoint.ts), whoever else had a
 * say: a task that times out while its worker still runs it is a timeout and nothing else. Tasks
 * whose submitting worker died are counted as panics by the recovery, since nobody settles them.
 * So once everything has settled, launched is the sum of the five.
 */
export const Counter = {
  /** Tasks accepted by `go` (or a variant) on this thread. */
  launched: 0,
  /** Tasks whose function a worker has begun to call. */
  started: 1,
  /** Tasks that returned or resolved. (This and the next four are the outcomes.) */
  completed: 2,
  /** Tasks that threw or rejected. */
  errors: 3,
  /** Tasks that failed because their worker died under them. */
  panics: 4,
  /** Tasks cancelled before they started, or cut off by terminate(). */
  cancelled: 5,
  /** Tasks stopped at their deadline. */
  timeouts: 6,
  /** Gauge: tasks this thread holds in its own queue, waiting for room in the ring. */
  waiting: 7,
  /**
   * Tasks that settled without starting, other than cancelled ones: timed out while queued,
   * failed to load their code or arguments, or lost with a worker that had not yet put them in
   * the ring.
   */
  unstarted: 8,
  /**
   * Tasks that stopped running on a worker (returned, threw, were stopped, or died with it),
   * counted in that worker's block: `started - ended` is what it runs now.
   */
  ended: 9,
} as const;
export type CounterName = keyof typeof Counter;

export const COUNTER_NAMES = Object.keys(Counter) as CounterName[];

/** Counter slots: one cache line of BigInt64. */
const SLOTS_PER_BLOCK = 16;

/**
 * A writer's handle on its own block. With `counting` off (a runtime created with metrics off)
 * bumps do nothing; gauges are still kept, since the runtime reads `waiting` to recover tasks.
 */
export class CounterBlock {
  readonly #slots: BigInt64Array;
  readonly #base: number;
  readonly #counting: boolean;

  constructor(buffer: SharedArrayBuffer, byteOffset: number, counting = true) {
    this.#slots = new BigInt64Array(buffer);
    this.#base = byteOffset / 8;
    this.#counting = counting;
  }

  bump(counter: number, by = 1n): void {
    if (this.#counting) Atomics.add(this.#slots, this.#base + counter, by);
  }

  set(gauge: number, value: number): void {
    Atomics.store(this.#slots, this.#base + gauge, BigInt(value));
  }

  read(counter: number): number {
    return Number(Atomics.load(this.#slots, this.#base + counter));
  }
}

/** Totals over every block, as plain numbers (exact up to 2^53). */
export function sumCounters(
  buffer: SharedArrayBuffer,
  blockOffsets: readonly number[],
): Record<CounterName, number> {
  const slots = new BigInt64Array(buffer);
  const totals = {} as Record<CounterName, number>;
  for (const name of COUNTER_NAMES) {
    let sum = 0n;
    for (const offset of blockOffsets) sum += Atomics.load(slots, offset / 8 + Counter[name]);
    totals[name] = Number(sum);
  }
  return totals;
}

if (COUNTER_NAMES.length > SLOTS_PER_BLOCK) throw new Error('counter block overflow');
