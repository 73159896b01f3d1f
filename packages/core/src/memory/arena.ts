/**
 * The shared arena: payloads too big for a slot's 64 inline bytes.
 *
 *   +-----------+-----------+----------------------------------+-----------------------------+
 *   | LOCK      | TOP       | FREE[0..CLASSES-1]               | blocks ...                  |
 *   | (line 0)  | (line 1)  | (lines 2-5: one head per class)  |                             |
 *   +-----------+-----------+----------------------------------+-----------------------------+
 *   block = [class:int32][next:int32][data...], data 8-byte aligned
 *
 * Block sizes: 128 bytes, then four classes per power of two (2^k * 1.25, 1.5, 1.75, 2), so a
 * payload wastes at most a fifth of its block; a 64 KiB array takes an 80 KiB block, not 128.
 * Blocks come from a bump pointer and go back to a free list per class (no coalescing: simple,
 * and a workload's payload sizes rarely drift). The lock is a spin lock
 * held only for a handful of loads and stores, never across a task. When the arena is full
 * `allocate` returns -1: a submitter keeps the task queued until blocks come back (endpoint.ts),
 * a completion goes by message port instead (completion.ts).
 */
import { LINE_INTS, LINE_BYTES } from './layout.js';
import type { Views } from './views.js';

const MIN_SHIFT = 7; // 128-byte smallest block
const MAX_SHIFT = 29; // largest block 2^30 bytes
const CLASSES = 1 + (MAX_SHIFT - MIN_SHIFT + 1) * 4;
const BLOCK_HEADER = 8;
const LOCK = 0;
const TOP = LINE_INTS;
const FREE = 2 * LINE_INTS;
export const ARENA_HEADER_BYTES = (2 + Math.ceil(CLASSES / LINE_INTS)) * LINE_BYTES;

export class Arena {
  readonly #i32: Int32Array;
  readonly #base: number; // int32 index
  readonly #start: number; // byte offset of the first block
  readonly #end: number;
  /** The largest payload that can ever be allocated: one block of at most half the arena. */
  readonly largestBlock: number;

  constructor(views: Views, byteOffset: number, bytes: number) {
    this.#i32 = views.i32;
    this.#base = byteOffset / 4;
    this.#start = byteOffset + ARENA_HEADER_BYTES;
    this.#end = byteOffset + bytes;
    let largest = 0;
    for (let c = 0; c < CLASSES && blockSize(c) <= (this.#end - this.#start) / 2; c++) largest = blockSize(c);
    this.largestBlock = largest - BLOCK_HEADER;
  }

  initialize(): void {
    this.#i32[this.#base + TOP] = this.#start;
    for (let c = 0; c < CLASSES; c++) this.#i32[this.#base + FREE + c] = 0;
  }

  /** Byte offset of `bytes` of writable data, or -1 when the arena has no room. */
  allocate(bytes: number): number {
    const sizeClass = classFor(bytes + BLOCK_HEADER);
    if (sizeClass >= CLASSES) return -1;
    const i32 = this.#i32;
    this.#lock();
    try {
      const head = i32[this.#base + FREE + sizeClass];
      if (head !== 0) {
        i32[this.#base + FREE + sizeClass] = i32[head / 4 + 1];
        return head + BLOCK_HEADER;
      }
      const top = i32[this.#base + TOP];
      const size = blockSize(sizeClass);
      if (top + size > this.#end) return -1;
      i32[this.#base + TOP] = top + size;
      i32[top / 4] = sizeClass;
      return top + BLOCK_HEADER;
    } finally {
      this.#unlock();
    }
  }

  /** Returns a block that `allocate` handed out. */
  free(dataOffset: number): void {
    const block = dataOffset - BLOCK_HEADER;
    const i32 = this.#i32;
    this.#lock();
    const sizeClass = i32[block / 4];
    i32[block / 4 + 1] = i32[this.#base + FREE + sizeClass];
    i32[this.#base + FREE + sizeClass] = block;
    this.#unlock();
  }

  /** Bytes handed out from the bump pointer so far (free blocks included). */
  used(): number {
    return Atomics.load(this.#i32, this.#base + TOP) - this.#start;
  }

  #lock(): void {
    // The critical sections are a few instructions long, so spinning beats parking; the main
    // thread may not block anyway. The CAS's seq-cst ordering publishes the previous holder's
    // plain stores to us.
    while (Atomics.compareExchange(this.#i32, this.#base + LOCK, 0, 1) !== 0);
  }

  #unlock(): void {
    Atomics.store(this.#i32, this.#base + LOCK, 0);
  }
}

function classFor(bytes: number): number {
  if (bytes <= 1 << MIN_SHIFT) return 0;
  const shift = 31 - Math.clz32(bytes - 1); // 2^shift < bytes <= 2^(shift + 1)
  const quarter = 1 << (shift - 2);
  return 1 + (shift - MIN_SHIFT) * 4 + Math.ceil((bytes - (1 << shift)) / quarter) - 1;
}

function blockSize(sizeClass: number): number {
  if (sizeClass === 0) return 1 << MIN_SHIFT;
  const shift = ((sizeClass - 1) >> 2) + MIN_SHIFT;
  return (1 << shift) + (((sizeClass - 1) & 3) + 1) * (1 << (shift - 2));
}
