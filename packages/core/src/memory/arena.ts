/**
 * The shared arena: payloads too big for a slot's inline area (INLINE_BYTES in slot.ts, 40 bytes).
 *
 *   +-----------+-----------+-------------------+----------------------------+---------------+
 *   | LOCK      | USED      | BITMAP            | FREE[0..BINS-1]            | blocks ...    |
 *   | (line 0)  | (line 1)  | (line 2: 4 words) | (lines 3-6: one head/bin)  |               |
 *   +-----------+-----------+-------------------+----------------------------+---------------+
 *   block      = [size|USED_BIT:int32][prevSize:int32][data...]      data 8-byte aligned
 *   free block = [size:int32][prevSize:int32][nextFree:int32][prevFree:int32]...
 *
 * A boundary-tag allocator: a block is exactly as big as its payload (rounded up to 8 bytes), cut
 * from a free block whose remainder stays free, and a freed block merges with free neighbours at
 * once (`prevSize` finds the one before it). So any mix of sizes can always use every free byte
 * that is contiguous: freeing everything gives back one block spanning the arena, and no size
 * ever waits for blocks of its own size to come back.
 *
 * Free blocks are kept in bins, four per power of two, by their size rounded down; a bitmap of
 * non-empty bins finds the next one up in a few instructions. Positions inside the arena are byte
 * offsets from its start (the header occupies offset 0, so 0 means "none"), which keeps them in an
 * int32 whatever the buffer's size.
 *
 * The lock is a spin lock held only for a handful of loads and stores, never across a task. When
 * no free block is big enough, `allocate` returns -1 and the caller sends the payload by port
 * instead (endpoint.ts, completion.ts): nobody ever waits for arena space.
 */
import { LINE_INTS, LINE_BYTES } from './layout.js';
import type { Views } from './views.js';

const MIN_SHIFT = 4; // a free block holds its two links after the header: 16 bytes at least
const MIN_BLOCK = 1 << MIN_SHIFT;
const MAX_SHIFT = 30; // sizes stay below 2^31
const BINS = (MAX_SHIFT - MIN_SHIFT + 1) * 4;
const BITMAP_WORDS = Math.ceil(BINS / 32);
const BLOCK_HEADER = 8;
const USED_BIT = 1;
/** How many blocks of the request's own bin are tried before a bigger bin is taken. */
const FIRST_FIT_TRIES = 8;

// Int32 indexes of the header words, from the arena's base.
const LOCK = 0;
const USED = LINE_INTS;
const BITMAP = 2 * LINE_INTS;
const FREE = 3 * LINE_INTS;
export const ARENA_HEADER_BYTES = (3 + Math.ceil(BINS / LINE_INTS)) * LINE_BYTES;

// Int32 indexes of a block's words, from the block's own index.
const SIZE = 0;
const PREV_SIZE = 1;
const NEXT_FREE = 2;
const PREV_FREE = 3;

export class Arena {
  readonly #i32: Int32Array;
  /** Byte offset of the arena in the buffer; every stored position is relative to it. */
  readonly #byteOffset: number;
  readonly #base: number; // int32 index of #byteOffset
  /** Relative offset just past the last block. */
  readonly #end: number;
  /** The largest payload that can ever be allocated: one block spanning the whole arena. */
  readonly largestBlock: number;

  constructor(views: Views, byteOffset: number, bytes: number) {
    this.#i32 = views.i32;
    this.#byteOffset = byteOffset;
    this.#base = byteOffset / 4;
    this.#end = ARENA_HEADER_BYTES + Math.floor((bytes - ARENA_HEADER_BYTES) / 8) * 8;
    this.largestBlock = this.#end - ARENA_HEADER_BYTES - BLOCK_HEADER;
  }

  initialize(): void {
    const i32 = this.#i32;
    i32[this.#base + USED] = 0;
    for (let w = 0; w < BITMAP_WORDS; w++) i32[this.#base + BITMAP + w] = 0;
    for (let b = 0; b < BINS; b++) i32[this.#base + FREE + b] = 0;
    const first = ARENA_HEADER_BYTES;
    const size = this.#end - first;
    this.#setWord(first, PREV_SIZE, 0);
    this.#setWord(first, SIZE, size);
    this.#insert(first, size);
  }

  /** Byte offset of `bytes` of writable data, or -1 when no free block is big enough now. */
  allocate(bytes: number): number {
    if (bytes > this.largestBlock) return -1;
    const need = Math.max(MIN_BLOCK, (bytes + BLOCK_HEADER + 7) & ~7);
    this.#lock();
    try {
      const block = this.#find(need);
      if (block === 0) return -1;
      const size = this.#word(block, SIZE);
      this.#remove(block, size);
      let taken = size;
      if (size - need >= MIN_BLOCK) {
        // Split: the tail stays free, and the block after it learns its new neighbour's size.
        taken = need;
        const rest = block + need;
        this.#setWord(rest, SIZE, size - need);
        this.#setWord(rest, PREV_SIZE, need);
        this.#setPrevSizeAfter(rest, size - need);
        this.#insert(rest, size - need);
      }
      this.#setWord(block, SIZE, taken | USED_BIT);
      this.#i32[this.#base + USED] += taken;
      return this.#byteOffset + block + BLOCK_HEADER;
    } finally {
      this.#unlock();
    }
  }

  /** Returns a block that `allocate` handed out, merging it with free neighbours. */
  free(dataOffset: number): void {
    let block = dataOffset - this.#byteOffset - BLOCK_HEADER;
    this.#lock();
    let size = this.#word(block, SIZE) & ~USED_BIT;
    this.#i32[this.#base + USED] -= size;
    const next = block + size;
    if (next < this.#end) {
      const nextWord = this.#word(next, SIZE);
      if ((nextWord & USED_BIT) === 0) {
        this.#remove(next, nextWord);
        size += nextWord;
      }
    }
    const prevSize = this.#word(block, PREV_SIZE);
    if (prevSize !== 0) {
      const prev = block - prevSize;
      const prevWord = this.#word(prev, SIZE);
      if ((prevWord & USED_BIT) === 0) {
        this.#remove(prev, prevWord);
        size += prevWord;
        block = prev;
      }
    }
    this.#setWord(block, SIZE, size);
    this.#setPrevSizeAfter(block, size);
    this.#insert(block, size);
    this.#unlock();
  }

  /** Bytes in blocks handed out and not yet freed, their headers included. */
  used(): number {
    return Atomics.load(this.#i32, this.#base + USED);
  }

  /** A free block of at least `need` bytes, or 0. */
  #find(need: number): number {
    const i32 = this.#i32;
    // Blocks in the request's own bin may be smaller than it: try a few, first fit.
    const own = binOf(need);
    let block = i32[this.#base + FREE + own];
    for (let tries = 0; block !== 0 && tries < FIRST_FIT_TRIES; tries++) {
      if (this.#word(block, SIZE) >= need) return block;
      block = this.#word(block, NEXT_FREE);
    }
    // Every block of a higher bin is big enough: take the head of the first non-empty one.
    for (let bin = own + 1; bin < BINS; bin = (bin | 31) + 1) {
      const word = i32[this.#base + BITMAP + (bin >> 5)] & (-1 << (bin & 31));
      if (word !== 0) return i32[this.#base + FREE + ((bin & ~31) | (31 - Math.clz32(word & -word)))];
    }
    return 0;
  }

  #insert(block: number, size: number): void {
    const i32 = this.#i32;
    const bin = binOf(size);
    const head = i32[this.#base + FREE + bin];
    this.#setWord(block, NEXT_FREE, head);
    this.#setWord(block, PREV_FREE, 0);
    if (head !== 0) this.#setWord(head, PREV_FREE, block);
    i32[this.#base + FREE + bin] = block;
    i32[this.#base + BITMAP + (bin >> 5)] |= 1 << (bin & 31);
  }

  #remove(block: number, size: number): void {
    const i32 = this.#i32;
    const next = this.#word(block, NEXT_FREE);
    const prev = this.#word(block, PREV_FREE);
    if (next !== 0) this.#setWord(next, PREV_FREE, prev);
    if (prev !== 0) {
      this.#setWord(prev, NEXT_FREE, next);
      return;
    }
    const bin = binOf(size);
    i32[this.#base + FREE + bin] = next;
    if (next === 0) i32[this.#base + BITMAP + (bin >> 5)] &= ~(1 << (bin & 31));
  }

  #setPrevSizeAfter(block: number, size: number): void {
    if (block + size < this.#end) this.#setWord(block + size, PREV_SIZE, size);
  }

  #word(block: number, word: number): number {
    return this.#i32[this.#base + (block >> 2) + word];
  }

  #setWord(block: number, word: number, value: number): void {
    this.#i32[this.#base + (block >> 2) + word] = value;
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

/** The bin of a free block of `size` bytes: four per power of two, by the size rounded down. */
function binOf(size: number): number {
  const shift = 31 - Math.clz32(size); // 2^shift <= size < 2^(shift + 1)
  return (shift - MIN_SHIFT) * 4 + ((size - (1 << shift)) >>> (shift - 2));
}
