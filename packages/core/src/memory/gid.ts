/**
 * Goroutine ids, unique across the process (every thread of one runtime, and every runtime: the
 * block counter lives in a small buffer all runtimes and workers share, beside the random salt of
 * the process's trace ids). A thread takes a block of BLOCK ids with one
 * `Atomics.add` and hands them out locally, so an id costs an increment, not a shared write.
 * 2^31 blocks of 1024 give 2^41 ids before wrapping, well inside a double's exact integers.
 */
const BLOCK = 1024;
const GID_KEY = Symbol.for('routine.gidCounter');

type GlobalWithGids = typeof globalThis & { [GID_KEY]?: Int32Array };

/** Int32 index in the process-wide buffer. */
export const ProcessWord = { GID_BLOCK: 0, SALT_HI: 1, SALT_LO: 2 } as const;

/** The process-wide buffer: created on the main thread, handed to each worker. */
export function gidCounter(): Int32Array {
  const holder = globalThis as GlobalWithGids;
  if (!holder[GID_KEY]) {
    const words = new Int32Array(new SharedArrayBuffer(12));
    crypto.getRandomValues(words.subarray(ProcessWord.SALT_HI));
    holder[GID_KEY] = words;
  }
  return holder[GID_KEY];
}

export function adoptGidCounter(counter: Int32Array): void {
  (globalThis as GlobalWithGids)[GID_KEY] = counter;
}

export class GidSource {
  #next = 0;
  #end = 0;
  readonly #counter: Int32Array;

  constructor(counter: Int32Array = gidCounter()) {
    this.#counter = counter;
  }

  next(): number {
    if (this.#next === this.#end) {
      const block = Atomics.add(this.#counter, ProcessWord.GID_BLOCK, 1) >>> 0;
      this.#next = block * BLOCK + 1;
      this.#end = this.#next + BLOCK;
    }
    return this.#next++;
  }
}

/**
 * Blocks each cluster node owns: a process that holds node n (claimed in Redis by
 * @routine/cluster) hands out gids from n * NODE_BLOCKS * BLOCK on, so gids stay unique across
 * every process of a cluster. 4095 nodes of 2^30 ids each fill the 2^42 the counter reaches.
 */
export const NODE_BLOCKS = 1 << 20;
export const MAX_NODE = 4095;

/** Moves `counter` (the process's, by default) into node `node`'s gids; before any gid is taken. */
export function useNodeGids(node: number, counter: Int32Array = gidCounter()): void {
  if (!Number.isInteger(node) || node < 1 || node > MAX_NODE) throw new RangeError(`a cluster node is a whole number from 1 to ${MAX_NODE}, got ${node}`);
  Atomics.store(counter, ProcessWord.GID_BLOCK, node * NODE_BLOCKS);
}
