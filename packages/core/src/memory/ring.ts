/**
 * A bounded multi-producer multi-consumer ring over shared memory, after Dmitry Vyukov's
 * bounded MPMC queue: every slot carries a sequence number that says whose turn it is, so a
 * producer that has claimed a position but not finished writing it can never be read early.
 *
 * Positions are Int32 and wrap after 2^32 operations; they are only ever compared through
 * `(a - b) | 0`, never with `<`. Capacity is a power of two, so `pos & mask` is the slot index
 * for negative positions too.
 *
 * Slot sequence protocol, for the slot that position p maps to:
 *   seq === p          free for the producer of position p
 *   seq === p + 1      written, ready for the consumer of position p
 *   seq === p + cap    consumed, free for the producer of position p + cap
 *
 * A producer reserves (CAS on TAIL), writes the slot with plain stores, then publishes with an
 * `Atomics.store` of seq; a consumer that `Atomics.load`s that seq therefore sees every plain
 * store made before it. The same holds in the other direction for the consumer's release.
 *
 * Stale views: HEAD and TAIL may be stale for anyone but the winner of the CAS; `isEmpty` and
 * `size` are hints for parking decisions, and every decision that matters re-reads a slot's seq.
 */
import { type Bell, ring } from './doorbell.js';
import { RingHeader, RING_HEADER_BYTES } from './layout.js';
import { seqWord, SLOT_INTS } from './slot.js';
import type { Views } from './views.js';

export class Ring {
  readonly capacity: number;
  readonly #mask: number;
  readonly #i32: Int32Array;
  /** Int32 index of the ring header. */
  readonly #base: number;
  /** Int32 index of slot 0. */
  readonly #slots: number;
  /** Rung when an item is published: consumers wait on it. */
  readonly dataBell: Bell;
  /** Rung when a slot is handed back: producers wait on it. */
  readonly spaceBell: Bell;

  constructor(views: Views, byteOffset: number, capacity: number) {
    if (capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two >= 2, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#mask = capacity - 1;
    this.#i32 = views.i32;
    this.#base = byteOffset / 4;
    this.#slots = (byteOffset + RING_HEADER_BYTES) / 4;
    this.dataBell = {
      i32: this.#i32, seq: this.#base + RingHeader.DATA_SEQ, waiters: this.#base + RingHeader.DATA_WAITERS, rung: this.#base + RingHeader.DATA_RUNG,
    };
    this.spaceBell = {
      i32: this.#i32, seq: this.#base + RingHeader.SPACE_SEQ, waiters: this.#base + RingHeader.SPACE_WAITERS, rung: this.#base + RingHeader.SPACE_RUNG,
    };
  }

  /**
   * Writes the initial positions and sequence numbers; only the creator calls this, before
   * sharing. `start` exists so tests can begin just below the Int32 wrap.
   */
  initialize(start = 0): void {
    this.#i32[this.#base + RingHeader.HEAD] = start;
    this.#i32[this.#base + RingHeader.TAIL] = start;
    for (let i = 0; i < this.capacity; i++) {
      const position = (start + i) | 0;
      this.#i32[seqWord(this.#slots + (position & this.#mask) * SLOT_INTS)] = position;
    }
  }

  /**
   * Claims the next free position for writing. Returns the Int32 index of the slot, or -1 when
   * the ring is full. `reservedPosition` then holds the position to pass to `publish`.
   */
  reserve(): number {
    const slot = this.#advance(RingHeader.TAIL, 0);
    this.reservedPosition = this.#won;
    return slot;
  }
  reservedPosition = 0;

  /** Makes a reserved slot visible to consumers, then rings the data doorbell if anyone sleeps. */
  publish(slot: number, position: number): void {
    Atomics.store(this.#i32, seqWord(slot), (position + 1) | 0);
    // The bell reads the waiter count after the publishing store (both seq-cst): a consumer that
    // registered as a waiter before its last emptiness check is seen, so its wake-up is not lost.
    ring(this.dataBell);
  }

  /**
   * Claims the oldest written position for reading. Returns the slot's Int32 index or -1 when
   * empty; `claimedPosition` then holds the position to pass to `release`.
   */
  claim(): number {
    const slot = this.#advance(RingHeader.HEAD, 1);
    this.claimedPosition = this.#won;
    return slot;
  }
  claimedPosition = 0;

  /**
   * One step of the protocol for either side: producers move TAIL onto slots whose seq equals the
   * position (lag 0), consumers move HEAD onto slots whose seq is one past it (lag 1). A slot one
   * lap behind means full (producers) or empty (consumers); one ahead means another thread won
   * that position, so re-read the counter.
   */
  #advance(counter: number, lag: number): number {
    const i32 = this.#i32;
    let pos = Atomics.load(i32, this.#base + counter);
    for (;;) {
      const slot = this.#slots + (pos & this.#mask) * SLOT_INTS;
      const turn = (Atomics.load(i32, seqWord(slot)) - ((pos + lag) | 0)) | 0;
      if (turn === 0) {
        const seen = Atomics.compareExchange(i32, this.#base + counter, pos, (pos + 1) | 0);
        if (seen === pos) {
          this.#won = pos;
          return slot;
        }
        pos = seen;
      } else if (turn < 0) {
        return -1;
      } else {
        pos = Atomics.load(i32, this.#base + counter);
      }
    }
  }
  #won = 0;

  /** Hands a consumed slot back to producers, then wakes the producers waiting for room. */
  release(slot: number, position: number): void {
    Atomics.store(this.#i32, seqWord(slot), (position + this.capacity) | 0);
    ring(this.spaceBell);
  }

  /**
   * Wakes whoever waits on the data doorbell without publishing anything: for a consumer whose
   * reason to wait ended some other way (its last pending task settled outside the ring).
   */
  wake(): void {
    ring(this.dataBell);
  }

  /** A hint: true when the next position holds nothing written. */
  isEmpty(): boolean {
    const pos = Atomics.load(this.#i32, this.#base + RingHeader.HEAD);
    const slot = this.#slots + (pos & this.#mask) * SLOT_INTS;
    return Atomics.load(this.#i32, seqWord(slot)) !== ((pos + 1) | 0);
  }

  /** A hint: items written and not yet claimed. */
  size(): number {
    const tail = Atomics.load(this.#i32, this.#base + RingHeader.TAIL);
    const head = Atomics.load(this.#i32, this.#base + RingHeader.HEAD);
    return Math.max(0, Math.min(this.capacity, (tail - head) | 0));
  }
}
