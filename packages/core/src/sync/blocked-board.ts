/**
 * What a worker's latest blocked channel or lock operation waits on, in shared memory, so the
 * main thread's dump() can say it while the worker is stuck (memory/layout.ts WorkerWord.BLOCKED).
 * Only the worker writes its record; readers may see it change under them, so it is guarded like
 * a seqlock: LENGTH is -1 while the worker writes, and a reader keeps a read only if LENGTH was
 * the same before and after.
 *
 *   Int32 0      LENGTH  bytes of text, 0 when nothing is blocked, -1 while being written
 *   Int32 2..3   GID     the blocked task's gid (Float64)
 *   Int32 4..29  TEXT    up to 104 bytes of UTF-8, cut to fit
 */
const LENGTH = 0;
const GID = 2;
const TEXT = 4;
const TEXT_BYTES = 104;
const utf8 = new TextEncoder();

export interface Blocked {
  gid: number;
  what: string;
}

export class BlockedBoard {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #at: number;

  /** `at`: the Int32 index of the record (8-byte aligned: its GID is a Float64). */
  constructor(buffer: ArrayBufferLike, at: number) {
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
    this.#u8 = new Uint8Array(buffer);
    this.#at = at;
  }

  write(gid: number, what: string): void {
    const at = this.#at;
    Atomics.store(this.#i32, at + LENGTH, -1);
    this.#f64[(at + GID) / 2] = gid;
    const { written } = utf8.encodeInto(what, this.#u8.subarray((at + TEXT) * 4, (at + TEXT) * 4 + TEXT_BYTES));
    Atomics.store(this.#i32, at + LENGTH, written);
  }

  clear(): void {
    Atomics.store(this.#i32, this.#at + LENGTH, 0);
  }

  read(): Blocked | undefined {
    const at = this.#at;
    const length = Atomics.load(this.#i32, at + LENGTH);
    if (length <= 0) return undefined;
    const gid = this.#f64[(at + GID) / 2];
    const what = Buffer.from(this.#u8.slice((at + TEXT) * 4, (at + TEXT) * 4 + length)).toString('utf8');
    return Atomics.load(this.#i32, at + LENGTH) === length ? { gid, what } : undefined;
  }
}
