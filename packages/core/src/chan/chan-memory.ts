/**
 * The shared memory of one channel, and the only code that reads or writes it.
 *
 *   byte   0  LOCK                                   line 0: taken by every thread (sync/lock.ts)
 *   byte 128  SEQ, WAITERS, RUNG                     line 1: the bell every waiter sleeps on
 *   byte 256  CLOSED COUNT HEAD TAIL USED OFFERED    line 2: the state, written only under LOCK
 *             TAKEN RECV_WAITING CAPACITY RING_BYTES
 *             MAX_VALUE KIND TIMER_DONE ID
 *   byte 384  DEADLINE, PERIOD (f64)                 timers only (after, ticker)
 *   byte 512  the ring: RING_BYTES of records, each [length u32][payload, padded to 4 bytes];
 *             HEAD is the oldest record's byte offset, TAIL where the next one goes, USED the
 *             bytes between them. A record may wrap around the end; its length word never does.
 *
 * Every state word is written under LOCK with Atomics.store and read outside it with Atomics.load
 * only to decide whether to wait: a waiter registers on the bell, reads SEQ, checks its condition
 * (seq-cst loads), then waits on the SEQ it read; a writer stores the state, releases the lock,
 * then rings (memory/doorbell.ts), so one of the two sees the other and no wake-up is lost.
 *
 * Capacity 0 is a rendezvous: the ring then holds at most one record, the offer of a blocked
 * sender, numbered by OFFERED; a receiver that takes it bumps TAKEN to that number, which is what
 * the sender waits for. A sender that gives up (the channel or its runtime closed) withdraws its
 * offer under LOCK if TAKEN has not reached it: the value then went to nobody, or it was taken
 * and the send succeeded; never both. RECV_WAITING counts receivers parked on an empty rendezvous
 * channel, which is what makes a send case of a select ready there.
 */
import { type Bell, ring, wakeAll } from '../memory/doorbell.js';
import { type Views, viewsOf } from '../memory/views.js';
import { lock, unlock } from '../sync/lock.js';

const LINE_INTS = 32;
const W = {
  LOCK: 0,
  SEQ: LINE_INTS,
  WAITERS: LINE_INTS + 1,
  RUNG: LINE_INTS + 2,
  CLOSED: 2 * LINE_INTS,
  COUNT: 2 * LINE_INTS + 1,
  HEAD: 2 * LINE_INTS + 2,
  TAIL: 2 * LINE_INTS + 3,
  USED: 2 * LINE_INTS + 4,
  OFFERED: 2 * LINE_INTS + 5,
  TAKEN: 2 * LINE_INTS + 6,
  RECV_WAITING: 2 * LINE_INTS + 7,
  CAPACITY: 2 * LINE_INTS + 8,
  RING_BYTES: 2 * LINE_INTS + 9,
  MAX_VALUE: 2 * LINE_INTS + 10,
  KIND: 2 * LINE_INTS + 11,
  TIMER_DONE: 2 * LINE_INTS + 12,
  ID: 2 * LINE_INTS + 13,
} as const;
/** Float64 indices. */
const DEADLINE = 384 / 8;
const PERIOD = DEADLINE + 1;
const RING = 512;

export const ChanKind = { plain: 0, after: 1, ticker: 2 } as const;

/** What `put` did. */
export const Put = { ok: 0, full: 1, closed: 2, offered: 3 } as const;
/** What `take` found when it returns no payload length. */
export const Take = { empty: -1, closed: -2, tick: -3 } as const;

/** Bytes of ring per unit of capacity beyond the room for one value of the largest size. */
export const DEFAULT_BYTES_PER_VALUE = 64;

const pad = (n: number): number => (n + 3) & ~3;

let nextId = 1;

export class ChanMemory {
  readonly buffer: SharedArrayBuffer;
  readonly bell: Bell;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #data: DataView;
  readonly capacity: number;
  readonly maxValue: number;
  readonly kind: number;
  readonly #ringBytes: number;
  /** The offer number of the last `put` that answered Put.offered. */
  ticket = 0;
  /** The time of the tick the last `take` that answered Take.tick delivered. */
  tick = 0;

  static create(capacity: number, maxValueBytes: number, ringBytes: number, kind: number = ChanKind.plain): ChanMemory {
    const bytes = Math.max(pad(ringBytes), 4 + pad(maxValueBytes));
    const buffer = new SharedArrayBuffer(RING + bytes);
    const i32 = new Int32Array(buffer, 0, RING / 4);
    i32[W.CAPACITY] = capacity;
    i32[W.RING_BYTES] = bytes;
    i32[W.MAX_VALUE] = maxValueBytes;
    i32[W.KIND] = kind;
    // Told apart in dump(): the creating thread's counter and a random part, as ids are per thread.
    i32[W.ID] = ((Math.random() * 0x7fff) << 16) | (nextId++ & 0xffff);
    return new ChanMemory(buffer);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, RING / 4);
    this.#f64 = new Float64Array(buffer, 0, RING / 8);
    this.#u8 = new Uint8Array(buffer, RING);
    this.#data = new DataView(buffer, RING);
    this.bell = { i32: this.#i32, seq: W.SEQ, waiters: W.WAITERS, rung: W.RUNG };
    this.capacity = this.#i32[W.CAPACITY];
    this.maxValue = this.#i32[W.MAX_VALUE];
    this.kind = this.#i32[W.KIND];
    this.#ringBytes = this.#i32[W.RING_BYTES];
  }

  get id(): number {
    return this.#i32[W.ID];
  }

  get closed(): boolean {
    return Atomics.load(this.#i32, W.CLOSED) !== 0;
  }

  get count(): number {
    if (this.kind !== ChanKind.plain) return this.#timerDue(Date.now()) ? 1 : 0;
    return this.capacity === 0 ? 0 : Atomics.load(this.#i32, W.COUNT);
  }

  /** Sets a timer channel's first deadline and its period (0: fires once). */
  arm(deadlineMs: number, periodMs: number): void {
    this.#f64[DEADLINE] = deadlineMs;
    this.#f64[PERIOD] = periodMs;
  }

  /** A timer channel's next deadline (Date.now() time); Infinity for others and stopped ones. */
  get deadline(): number {
    if (this.kind === ChanKind.plain || Atomics.load(this.#i32, W.TIMER_DONE) !== 0) return Infinity;
    return this.#f64[DEADLINE];
  }

  /** A ticker delivers nothing more; like Go's Ticker.Stop, it does not close the channel. */
  stopTimer(): void {
    Atomics.store(this.#i32, W.TIMER_DONE, 1);
    wakeAll(this.bell);
  }

  /** Whether a `take` may find something, or the close (a hint: decide under the lock). */
  canTake(): boolean {
    const i32 = this.#i32;
    if (this.kind !== ChanKind.plain) return this.#timerDue(Date.now());
    return Atomics.load(i32, W.COUNT) > 0 || Atomics.load(i32, W.CLOSED) !== 0;
  }

  /** Whether a `put` of `length` payload bytes may succeed or find the channel closed (a hint). */
  canPut(length: number, needsReceiver: boolean): boolean {
    const i32 = this.#i32;
    if (Atomics.load(i32, W.CLOSED) !== 0) return true;
    if (this.capacity === 0) return Atomics.load(i32, W.COUNT) === 0 && (!needsReceiver || Atomics.load(i32, W.RECV_WAITING) > 0);
    return Atomics.load(i32, W.COUNT) < this.capacity && i32[W.USED] + 4 + pad(length) <= this.#ringBytes;
  }

  /**
   * Puts `payload[0, length)` in. A rendezvous channel takes it as an offer (Put.offered, number
   * in `ticket`), then only when no other offer is pending and, with `needsReceiver`, a receiver
   * is parked.
   */
  put(payload: Uint8Array, length: number, needsReceiver = false): number {
    const i32 = this.#i32;
    const point = lock(i32, W.LOCK);
    let answer: number;
    if (i32[W.CLOSED] !== 0) {
      answer = Put.closed;
    } else if (this.capacity === 0 ? i32[W.COUNT] !== 0 || (needsReceiver && Atomics.load(i32, W.RECV_WAITING) === 0)
      : i32[W.COUNT] >= this.capacity || i32[W.USED] + 4 + pad(length) > this.#ringBytes) {
      answer = Put.full;
    } else {
      this.#write(payload, length);
      if (this.capacity === 0) {
        this.ticket = (i32[W.OFFERED] + 1) | 0;
        Atomics.store(i32, W.OFFERED, this.ticket);
        answer = Put.offered;
      } else {
        answer = Put.ok;
      }
    }
    unlock(i32, W.LOCK, point);
    if (answer === Put.ok || answer === Put.offered) ring(this.bell);
    return answer;
  }

  /**
   * Takes the oldest value: copies its payload into `into` (grown as needed, see `scratch`) and
   * returns its length, or a Take code.
   */
  take(into: Scratch): number {
    const i32 = this.#i32;
    if (this.kind !== ChanKind.plain) return this.#takeTick();
    const point = lock(i32, W.LOCK);
    let answer: number;
    if (i32[W.COUNT] === 0) {
      answer = i32[W.CLOSED] !== 0 ? Take.closed : Take.empty;
    } else {
      answer = this.#read(into);
      if (this.capacity === 0) Atomics.store(i32, W.TAKEN, i32[W.OFFERED]);
    }
    unlock(i32, W.LOCK, point);
    if (answer >= 0) ring(this.bell);
    return answer;
  }

  /** Whether the offer numbered `ticket` was taken. */
  taken(ticket: number): boolean {
    return ((Atomics.load(this.#i32, W.TAKEN) - ticket) | 0) >= 0;
  }

  /** Takes back the offer `ticket` unless it was taken already; true if it was withdrawn. */
  withdraw(ticket: number): boolean {
    const i32 = this.#i32;
    const point = lock(i32, W.LOCK);
    const withdrawn = !this.taken(ticket);
    if (withdrawn) {
      Atomics.store(i32, W.COUNT, 0);
      i32[W.USED] = 0;
      i32[W.HEAD] = i32[W.TAIL];
      // Counted as taken by nobody, so the next offer's number stays ahead of TAKEN.
      Atomics.store(i32, W.TAKEN, ticket);
    }
    unlock(i32, W.LOCK, point);
    if (withdrawn) ring(this.bell);
    return withdrawn;
  }

  /** Closes the channel; false if it was closed already. */
  close(): boolean {
    const i32 = this.#i32;
    const point = lock(i32, W.LOCK);
    const first = i32[W.CLOSED] === 0;
    if (first) Atomics.store(i32, W.CLOSED, 1);
    unlock(i32, W.LOCK, point);
    if (first) wakeAll(this.bell);
    return first;
  }

  /** A receiver parks on (or leaves) an empty rendezvous channel: a select's send case may now go. */
  receiverWaiting(delta: 1 | -1): void {
    Atomics.add(this.#i32, W.RECV_WAITING, delta);
    if (delta > 0) ring(this.bell);
  }

  // HEAD, TAIL and USED are read only under LOCK (and USED as a hint in canPut, re-checked under
  // it): plain stores, published by the unlock. COUNT is what waiters check: seq-cst.
  #write(payload: Uint8Array, length: number): void {
    const i32 = this.#i32;
    const tail = i32[W.TAIL];
    this.#data.setUint32(tail, length, true);
    copy(payload, 0, this.#u8, (tail + 4) % this.#ringBytes, length, this.#ringBytes);
    i32[W.TAIL] = (tail + 4 + pad(length)) % this.#ringBytes;
    i32[W.USED] += 4 + pad(length);
    Atomics.store(i32, W.COUNT, i32[W.COUNT] + 1);
  }

  #read(into: Scratch): number {
    const i32 = this.#i32;
    const head = i32[W.HEAD];
    const length = this.#data.getUint32(head, true);
    copyOut(this.#u8, (head + 4) % this.#ringBytes, into.fit(length), length, this.#ringBytes);
    i32[W.HEAD] = (head + 4 + pad(length)) % this.#ringBytes;
    i32[W.USED] -= 4 + pad(length);
    Atomics.store(i32, W.COUNT, i32[W.COUNT] - 1);
    return length;
  }

  #timerDue(now: number): boolean {
    return Atomics.load(this.#i32, W.TIMER_DONE) === 0 && now >= this.#f64[DEADLINE];
  }

  /** A timer's value is the time it is received, as Go's; a ticker behind skips the ticks it missed. */
  #takeTick(): number {
    const i32 = this.#i32;
    const point = lock(i32, W.LOCK);
    const now = Date.now();
    const due = this.#timerDue(now);
    if (due) {
      const period = this.#f64[PERIOD];
      if (period === 0) Atomics.store(i32, W.TIMER_DONE, 1);
      else this.#f64[DEADLINE] += period * (Math.floor((now - this.#f64[DEADLINE]) / period) + 1);
      this.tick = now;
    }
    unlock(i32, W.LOCK, point);
    return due ? Take.tick : Take.empty;
  }
}

/** Below this many bytes a loop beats making subarrays for TypedArray.set. */
const SHORT = 64;

/** Copies `length` bytes of `from` into the ring `to` at `at`, wrapping at `size`. */
function copy(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number, size: number): void {
  if (length <= SHORT) {
    for (let i = 0; i < length; i++) to[(at + i) % size] = from[start + i];
    return;
  }
  const first = Math.min(length, size - at);
  to.set(from.subarray(start, start + first), at);
  if (first < length) to.set(from.subarray(start + first, start + length), 0);
}

/** Copies `length` bytes of the ring `from` at `at` (wrapping at `size`) to the start of `to`. */
function copyOut(from: Uint8Array, at: number, to: Uint8Array, length: number, size: number): void {
  if (length <= SHORT) {
    for (let i = 0; i < length; i++) to[i] = from[(at + i) % size];
    return;
  }
  const first = Math.min(length, size - at);
  to.set(from.subarray(at, at + first), 0);
  if (first < length) to.set(from.subarray(0, length - first), first);
}

/** A thread's private buffer that payloads are copied into and decoded from. */
export class Scratch {
  #views: Views = viewsOf(new ArrayBuffer(1024));

  /** The buffer's bytes, grown to hold `length` (8-byte multiples: the codec's views need them). */
  fit(length: number): Uint8Array {
    if (this.#views.u8.byteLength < length) this.#views = viewsOf(new ArrayBuffer(Math.max((length + 7) & ~7, 2 * this.#views.u8.byteLength)));
    return this.#views.u8;
  }

  get views(): Views {
    return this.#views;
  }
}
