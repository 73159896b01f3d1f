/**
 * Go's `chan T` across threads: a bounded FIFO in shared memory (chan-memory.ts) that every
 * thread can send to and receive from, passed to tasks as an argument (it is shared, not copied:
 * codec/revive.ts gives the worker a Chan on the same memory).
 *
 * Semantics are Go's: `send` waits while the buffer is full, and on an unbuffered channel
 * (capacity 0) until a receiver took the value; `recv` waits while it is empty and answers
 * `{ ok: false }` once it is closed and drained; a send on a closed channel and a second close
 * throw ChannelClosedError and change nothing. Values are copied (the task codec): a value is
 * received exactly once, by one receiver.
 *
 * A task stopped at its deadline mid-operation leaves the channel consistent: workers are only
 * terminated outside the channel's lock (sync/lock.ts). A value counts as sent once it is in the
 * buffer, or for capacity 0 once a receiver took it; a sender killed before that sent nothing.
 * A receiver killed after taking a value, before its code saw it, loses that value: it was
 * delivered, to a task that no longer exists.
 */
import { ChannelClosedError, InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { runAsync, runSync, type Steps } from '../sync/steps.js';
import { ChanKind, ChanMemory, DEFAULT_BYTES_PER_VALUE, Put, Scratch, Take } from './chan-memory.js';
import { decodeValue, encoded, encodeValue } from './values.js';

export const CHAN_BRAND = 'Chan';

export interface Received<T> {
  value: T | undefined;
  ok: boolean;
}

export interface ChanOptions {
  /** The largest value, encoded, in bytes (default 64 KiB); a bigger one throws SerializationError. */
  maxValueBytes?: number;
  /**
   * Bytes of buffer (default 64 per unit of capacity plus room for one value of the largest size):
   * a send also waits while they are used up, so raise it for big values in a deep buffer.
   */
  bufferBytes?: number;
}

const DEFAULT_MAX_VALUE = 64 * 1024;
const MAX_CAPACITY = 1 << 24;

/** This thread's buffer that received payloads are decoded from. */
export const scratch = new Scratch();

const SENT = Promise.resolve();

export class Chan<T = unknown> implements AsyncIterable<T>, Iterable<T> {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type' = CHAN_BRAND;
  readonly buffer: SharedArrayBuffer;
  readonly #memory: ChanMemory;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#memory = new ChanMemory(buffer);
  }

  /** @internal The shared state, for select and the helpers of this folder. */
  get memory(): ChanMemory {
    return this.#memory;
  }

  get capacity(): number {
    return this.#memory.capacity;
  }

  /** Values buffered now (a snapshot); 0 for an unbuffered channel, as in Go. */
  get length(): number {
    return this.#memory.count;
  }

  get closed(): boolean {
    return this.#memory.closed;
  }

  /** Sends `value`: waits while the buffer is full, or on capacity 0 until a receiver took it. */
  send(value: T): Promise<void> {
    // The common case, room in the buffer, without the machinery of a wait.
    let answer: number;
    try {
      answer = this.#put(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (answer === Put.ok) return SENT;
    return runAsync(this.#sendSteps(answer), () => this.#what('send'), () => [this.#memory.bell]);
  }

  /** `send` that blocks this thread: for synchronous code inside a task. */
  sendSync(value: T): void {
    const answer = this.#put(value);
    if (answer !== Put.ok) runSync(this.#sendSteps(answer), () => this.#what('send'), () => [this.#memory.bell]);
  }

  /** Receives the oldest value: `{ value, ok: true }`, or `{ value: undefined, ok: false }` once closed and drained. */
  recv(): Promise<Received<T>> {
    let received: Received<T> | undefined;
    try {
      received = tryRecv<T>(this.#memory);
    } catch (error) {
      return Promise.reject(error);
    }
    if (received) return Promise.resolve(received);
    return runAsync(recvSteps<T>(this.#memory), () => this.#what('recv'), () => [this.#memory.bell]);
  }

  /** `recv` that blocks this thread: for synchronous code inside a task. */
  recvSync(): Received<T> {
    return tryRecv<T>(this.#memory) ?? runSync(recvSteps<T>(this.#memory), () => this.#what('recv'), () => [this.#memory.bell]);
  }

  /**
   * Closes the channel: receivers drain what is buffered, then get `ok: false`; blocked senders
   * throw ChannelClosedError. Closing twice throws ChannelClosedError.
   */
  close(): void {
    if (this.#memory.kind !== ChanKind.plain) throw new InvalidArgumentError('after() and ticker() channels cannot be closed: stop a ticker with stop()');
    if (!this.#memory.close()) throw new ChannelClosedError(`close of a closed channel (chan#${this.#memory.id})`);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const { value, ok } = await this.recv();
      if (!ok) return;
      yield value as T;
    }
  }

  /** Iterates with `recvSync`: `for (const v of ch)` inside a task's synchronous code. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      const { value, ok } = this.recvSync();
      if (!ok) return;
      yield value as T;
    }
  }

  /** Encodes `value` and tries to put it in once; its length stays in #length for #sendSteps. */
  #put(value: T): number {
    const memory = this.#memory;
    if (memory.kind !== ChanKind.plain) throw new InvalidArgumentError('after() and ticker() channels are receive-only');
    this.#length = encodeValue(value, memory.maxValue);
    return memory.put(encoded(), this.#length);
  }

  #length = 0;

  /** The rest of a send whose first try answered `answer` (the value still in this thread's out buffer). */
  *#sendSteps(answer: number): Steps<void> {
    const memory = this.#memory;
    const length = this.#length;
    if (answer === Put.full) {
      // We will wait: the value needs a buffer of its own, as the thread's is reused meanwhile.
      const payload = encoded().slice(0, length);
      do {
        yield { ready: () => memory.canPut(length, false) };
        answer = memory.put(payload, length);
      } while (answer === Put.full);
    }
    if (answer === Put.closed) throw new ChannelClosedError(`send on a closed channel (chan#${memory.id})`);
    if (answer === Put.offered) yield* awaitTaken(memory, memory.ticket);
  }

  #what(op: string): string {
    return `${op} on chan#${this.#memory.id} (capacity ${this.#memory.capacity}, ${this.#memory.count} buffered)`;
  }
}

/** A rendezvous sender waits until its offer is taken; giving up, it withdraws it if it still can. */
export function* awaitTaken(memory: ChanMemory, ticket: number): Steps<void> {
  while (!memory.taken(ticket)) {
    if (memory.closed) {
      if (memory.withdraw(ticket)) throw new ChannelClosedError(`send on a closed channel (chan#${memory.id})`);
      return;
    }
    try {
      yield { ready: () => memory.taken(ticket) || memory.closed };
    } catch (error) {
      if (memory.withdraw(ticket)) throw error;
      return; // taken meanwhile: the send happened
    }
  }
}

/** Takes one value now: the received value, or undefined if there is none yet. */
export function tryRecv<T>(memory: ChanMemory): Received<T> | undefined {
  const answer = memory.take(scratch);
  if (answer >= 0) return { value: decodeValue(scratch) as T, ok: true };
  if (answer === Take.closed) return { value: undefined, ok: false };
  if (answer === Take.tick) return { value: memory.tick as T, ok: true };
  return undefined;
}

function* recvSteps<T>(memory: ChanMemory): Steps<Received<T>> {
  let received: Received<T> | undefined;
  // A rendezvous sender in a select goes only when a receiver is parked: say we are.
  const parked = memory.capacity === 0 && memory.kind === ChanKind.plain;
  if (parked) memory.receiverWaiting(1);
  try {
    while (!(received = tryRecv<T>(memory))) yield { ready: () => memory.canTake(), until: memory.deadline };
  } finally {
    if (parked) memory.receiverWaiting(-1);
  }
  return received;
}

/** A new channel; capacity 0 (the default) is unbuffered: a send completes when a receiver has the value. */
export function chan<T = unknown>(capacity = 0, options: ChanOptions = {}): Chan<T> {
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) {
    throw new InvalidArgumentError(`chan(capacity) takes a whole number from 0 (unbuffered) to ${MAX_CAPACITY}, ${got(capacity)}`);
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`chan(capacity, options) takes an options object ({ maxValueBytes, bufferBytes }), ${got(options)}`);
  const maxValue = options.maxValueBytes ?? DEFAULT_MAX_VALUE;
  if (!Number.isInteger(maxValue) || maxValue < 16 || maxValue > 1 << 28) {
    throw new InvalidArgumentError(`chan({ maxValueBytes }) takes a whole number of bytes from 16 to 2^28, ${got(maxValue)}`);
  }
  const bytes = options.bufferBytes ?? capacity * DEFAULT_BYTES_PER_VALUE + 8 + maxValue;
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > 2 ** 30) {
    throw new InvalidArgumentError(`chan({ bufferBytes }) takes a whole number of bytes up to 2^30, ${got(bytes)}`);
  }
  return new Chan<T>(ChanMemory.create(capacity, maxValue, bytes).buffer);
}
