/**
 * The port fallback for payloads the shared buffer cannot carry: values holding
 * SharedArrayBuffers (shared, not copied), `transfer()` lists (moved, not copied), and payloads
 * the arena has no room for right now (encoded as they would have been there, into a private
 * buffer that is moved, not copied). Parcels are kept on the main thread, keyed by gid and
 * direction; a worker puts and takes them over its control port (comlink), the main thread directly.
 *
 * A parcel may be asked for before it arrives (the slot that names it travels through shared
 * memory, faster than the message that carries it), so `take` waits for `put`.
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
  take(key: ParcelKey): Promise<Parcel>;
  drop(key: ParcelKey): void;
}

interface Stored {
  parcel: Parcel;
  transferList: readonly ArrayBuffer[];
}

export class ParcelStore implements ParcelClient {
  readonly #stored = new Map<ParcelKey, Stored>();
  readonly #waiting = new Map<ParcelKey, (stored: Stored) => void>();
  /** Dropped before they arrived (a cancel can overtake the put): discarded on arrival. */
  readonly #dropped = new Set<ParcelKey>();

  put(key: ParcelKey, parcel: Parcel, transferList: readonly ArrayBuffer[] = []): void {
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
    const stored = this.#stored.get(key);
    if (stored) {
      this.#stored.delete(key);
      return Promise.resolve(stored);
    }
    return new Promise((resolve) => this.#waiting.set(key, resolve));
  }

  drop(key: ParcelKey): void {
    if (!this.#stored.delete(key)) this.#dropped.add(key);
    this.#waiting.delete(key);
  }

  has(key: ParcelKey): boolean {
    return this.#stored.has(key);
  }

  get size(): number {
    return this.#stored.size;
  }
}
