/**
 * The port fallback for payloads the shared buffer cannot carry: values holding
 * SharedArrayBuffers (shared, not copied), `transfer()` lists (moved, not copied), and payloads
 * the arena has no room for right now (encoded as they would have been there, into a private
 * buffer that is moved, not copied). Parcels are kept on the main thread, keyed by gid and
 * direction; a worker puts and takes them over its control port (comlink), the main thread directly.
 *
 * A parcel may be asked for before it arrives (the slot that names it travels through shared
 * memory, faster than the message that carries it), so `take` and `lend` wait for `put`.
 *
 * A task's arguments are lent, not taken: the main thread keeps them until the worker that took
 * them drops them, which it does once the task is marked running. A worker that dies before that
 * has its claimed tasks put back in the ring (crash-recovery.ts), and `reclaim` makes their
 * arguments available to the next taker. A lent copy is a clone, never a move: moving would leave
 * nothing to hand on. So a `transfer()` list leaves its sender at once (the store moves it in),
 * and costs one copy on its way to the worker; results are taken, and moved all the way.
 */
import { decode } from '../codec/codec.js';
import { viewsOf } from '../memory/views.js';

export type ParcelKey = string;
export const argsKey = (gid: number): ParcelKey => `${gid}:a`;
export const resultKey = (gid: number): ParcelKey => `${gid}:r`;

/**
 * A parcel holds the values themselves, to be cloned (or moved) by postMessage, or their encoding
 * (codec.ts) when they were measured for shared memory that had no room.
 */
export type Parcel = { values: unknown[] } | { encoded: ArrayBuffer };

/** The values a parcel carries. */
export function valuesOf(parcel: Parcel): unknown[] {
  return 'encoded' in parcel ? decode(viewsOf(parcel.encoded), 0) : parcel.values;
}

export interface ParcelClient {
  put(key: ParcelKey, parcel: Parcel, transferList: readonly ArrayBuffer[]): void;
  /** Removes the parcel and hands it over, its transfer list moved with it (results). */
  take(key: ParcelKey): Promise<Parcel>;
  /** A copy of the parcel; the main thread keeps it until it is dropped (arguments). */
  lend(key: ParcelKey): Promise<Parcel>;
  drop(key: ParcelKey): void;
}

interface Stored {
  parcel: Parcel;
  transferList: readonly ArrayBuffer[];
}

export class ParcelStore implements ParcelClient {
  readonly #stored = new Map<ParcelKey, Stored>();
  /** Lent to a worker that has not yet started the task they belong to. */
  readonly #lent = new Map<ParcelKey, Stored>();
  readonly #waiting = new Map<ParcelKey, (stored: Stored) => void>();
  /** Dropped before they arrived (a cancel can overtake the put): discarded on arrival. */
  readonly #dropped = new Set<ParcelKey>();

  /**
   * Takes the parcel over as postMessage would: a clone, its transfer list moved into it. So the
   * caller's buffers are detached at once and a later change to its values is not seen, as for a
   * payload written into shared memory.
   */
  put(key: ParcelKey, parcel: Parcel, transferList: readonly ArrayBuffer[] = []): void {
    const owned = structuredClone({ parcel, transferList }, { transfer: [...transferList] });
    this.receive(key, owned.parcel, owned.transferList);
  }

  /** A parcel this thread already owns: one that came by message, or one given back. */
  receive(key: ParcelKey, parcel: Parcel, transferList: readonly ArrayBuffer[]): void {
    if (this.#dropped.delete(key)) return;
    const waiter = this.#waiting.get(key);
    if (waiter) {
      this.#waiting.delete(key);
      waiter({ parcel, transferList });
    } else {
      this.#stored.set(key, { parcel, transferList });
    }
  }

  async take(key: ParcelKey): Promise<Parcel> {
    return (await this.takeWithTransfers(key)).parcel;
  }

  /** For a remote taker: the parcel and the buffers to move on with it. */
  takeWithTransfers(key: ParcelKey): Promise<Stored> {
    return new Promise((resolve) => this.#whenStored(key, resolve));
  }

  lend(key: ParcelKey): Promise<Parcel> {
    return new Promise((resolve) =>
      this.#whenStored(key, (stored) => {
        // Recorded in the same turn as it leaves #stored: a reclaim can never find it in neither.
        this.#lent.set(key, stored);
        resolve(stored.parcel);
      }),
    );
  }

  /**
   * The taker of a lent parcel died before starting its task: keep the parcel for the next one.
   * Also forgets a lend still waiting for the parcel to arrive, so that it is stored on arrival.
   */
  reclaim(key: ParcelKey): void {
    this.#waiting.delete(key);
    const lent = this.#lent.get(key);
    if (!lent) return;
    this.#lent.delete(key);
    this.receive(key, lent.parcel, lent.transferList);
  }

  drop(key: ParcelKey): void {
    if (!this.#stored.delete(key) && !this.#lent.delete(key)) this.#dropped.add(key);
    this.#waiting.delete(key);
  }

  /** Parcels stored or lent and not yet dropped. */
  get size(): number {
    return this.#stored.size + this.#lent.size;
  }

  #whenStored(key: ParcelKey, use: (stored: Stored) => void): void {
    const stored = this.#stored.get(key);
    if (!stored) {
      this.#waiting.set(key, use);
      return;
    }
    this.#stored.delete(key);
    use(stored);
  }
}
