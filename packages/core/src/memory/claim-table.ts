/**
 * Each worker's claim table: the copies of the slots it has claimed, one 128-byte entry each. The
 * worker writes its own table; the main thread reads all of them to stop, abort, dump and recover
 * tasks (slot.ts says what an entry's words mean).
 *
 * A table has two parts. The first `claimSlots` entries sit in the runtime's buffer after the
 * worker's control lines (layout.ts). The rest is the worker's spill table: a growable
 * SharedArrayBuffer the main thread creates (empty) and the worker grows when every entry is in
 * use, up to `spillSlots` entries. An async task holds its entry until it settles, however long
 * it waits, so a worker can hold any number of tasks waiting on others (nested `go`) and still
 * claim the tasks they wait for: the bound is memory, not the fixed part's size.
 *
 * Memory never moves when a growable SharedArrayBuffer grows, so a view made before a growth
 * stays valid for the entries it covered; both sides make fixed-length views (a length-tracking
 * one would make every slot accessor polymorphic) and make new ones when the length changed.
 */
import { type Layout, WORKER_CONTROL_BYTES, WorkerWord } from './layout.js';
import { ClaimState, claimStateOf, gidOf, SLOT_BYTES } from './slot.js';
import { type Views, viewsOf } from './views.js';

/** One entry, with the views of the buffer that holds it. */
export interface Claim {
  worker: number;
  /** Int32 index of the entry in `i32` (and `entry / 2` in `f64`). */
  entry: number;
  i32: Int32Array;
  f64: Float64Array;
}

/** Spill tables start with this many entries and double from there. */
const FIRST_SPILL_ENTRIES = 64;

/** One empty spill table per worker, for the main thread to hand each worker at boot. */
export function createSpillTables(layout: Layout): SharedArrayBuffer[] {
  const tables: SharedArrayBuffer[] = [];
  for (let w = 0; w < layout.workers; w++) tables.push(new SharedArrayBuffer(0, { maxByteLength: layout.spillSlots * SLOT_BYTES }));
  return tables;
}

/** Int32 index of entry `j` of the fixed part of worker `worker`'s claim table. */
function fixedEntry(layout: Layout, worker: number, j: number): number {
  return (layout.workerBlocks[worker] + WORKER_CONTROL_BYTES + j * SLOT_BYTES) / 4;
}

/** The main thread's reader of every worker's table. */
export class ClaimTables {
  readonly #layout: Layout;
  readonly #views: Views;
  readonly #spills: readonly SharedArrayBuffer[];
  readonly #spillViews: Views[] = [];

  constructor(layout: Layout, views: Views, spills: readonly SharedArrayBuffer[]) {
    this.#layout = layout;
    this.#views = views;
    this.#spills = spills;
  }

  /**
   * Every entry not free, of one worker or of all of them, with the state read once (an entry may
   * change under a reader that is not its worker: each caller says why what it saw is enough).
   */
  *claimsOf(worker?: number): Generator<Claim & { state: number }> {
    const first = worker ?? 0;
    const end = worker === undefined ? this.#layout.workers : worker + 1;
    const { i32, f64 } = this.#views;
    for (let w = first; w < end; w++) {
      for (let j = 0; j < this.#layout.claimSlots; j++) {
        const entry = fixedEntry(this.#layout, w, j);
        const state = claimStateOf(i32, entry);
        if (state !== ClaimState.free) yield { worker: w, entry, state, i32, f64 };
      }
      const spill = this.#spillOf(w);
      for (let entry = 0; entry < spill.i32.length; entry += SLOT_BYTES / 4) {
        const state = claimStateOf(spill.i32, entry);
        if (state !== ClaimState.free) yield { worker: w, entry, state, i32: spill.i32, f64: spill.f64 };
      }
    }
  }

  /** Where task `gid` is claimed (or running), or undefined if no worker holds it. */
  find(gid: number): Claim | undefined {
    for (const claim of this.claimsOf()) if (gidOf(claim.f64, claim.entry) === gid) return claim;
    return undefined;
  }

  /**
   * Tells worker `worker` that one of its entries was marked (an abort, a stop). Call it after the
   * mark: the worker loads this word before it reads the marks, and both are seq-cst.
   */
  signal(worker: number): void {
    Atomics.add(this.#views.i32, this.#layout.workerBlocks[worker] / 4 + WorkerWord.SIGNALS, 1);
  }

  #spillOf(worker: number): Views {
    // The byteLength of a growable SharedArrayBuffer is read sequentially consistent, and a
    // worker grows its table before it writes an entry there: an entry we can see is covered.
    const bytes = this.#spills[worker].byteLength;
    let views = this.#spillViews[worker];
    if (views === undefined || views.u8.length !== bytes) views = this.#spillViews[worker] = viewsOf(this.#spills[worker], bytes);
    return views;
  }
}

/** Whether `claim` holds task `gid`, optionally in a given state. */
export function holds(claim: Claim, gid: number, state?: number): boolean {
  const current = claimStateOf(claim.i32, claim.entry);
  return current !== ClaimState.free && (state === undefined || current === state) && gidOf(claim.f64, claim.entry) === gid;
}

/** A worker's entry: its Int32 index and the views of the buffer it is in. */
export interface OwnEntry {
  readonly entry: number;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly views: Views;
}

/** The worker's side: hands out free entries by index, growing the spill table when all are used. */
export class OwnClaimTable {
  readonly #layout: Layout;
  readonly #spill: SharedArrayBuffer;
  /** Every entry by index: the fixed part first, then the spill table's. */
  readonly entries: OwnEntry[] = [];
  readonly #freeFixed: number[] = [];
  readonly #freeSpill: number[] = [];

  constructor(layout: Layout, worker: number, views: Views, spill: SharedArrayBuffer) {
    this.#layout = layout;
    this.#spill = spill;
    const { i32, f64 } = views;
    for (let j = 0; j < layout.claimSlots; j++) this.entries.push({ entry: fixedEntry(layout, worker, j), i32, f64, views });
    for (let j = layout.claimSlots - 1; j >= 0; j--) this.#freeFixed.push(j);
    // A replacement worker inherits the table its predecessor grew (recovery freed every entry).
    this.#cover(spill.byteLength);
  }

  /** Entries in use. */
  get used(): number {
    return this.entries.length - this.#freeFixed.length - this.#freeSpill.length;
  }

  /** Whether `take` would find an entry. */
  get hasRoom(): boolean {
    return this.#freeFixed.length > 0 || this.#freeSpill.length > 0 || this.#spill.byteLength < this.#layout.spillSlots * SLOT_BYTES;
  }

  /** A free entry's index (the fixed part first: its copies stay within one buffer), or -1. */
  take(): number {
    if (this.#freeFixed.length > 0) return this.#freeFixed.pop()!;
    if (this.#freeSpill.length === 0 && !this.#grow()) return -1;
    return this.#freeSpill.pop()!;
  }

  give(index: number): void {
    (index < this.#layout.claimSlots ? this.#freeFixed : this.#freeSpill).push(index);
  }

  #grow(): boolean {
    const max = this.#layout.spillSlots * SLOT_BYTES;
    const bytes = this.#spill.byteLength;
    if (bytes >= max) return false;
    const next = Math.min(max, Math.max(FIRST_SPILL_ENTRIES * SLOT_BYTES, bytes * 2));
    this.#spill.grow(next);
    this.#cover(next);
    return true;
  }

  /** Makes entries for the spill table's bytes past those we have, with views covering them. */
  #cover(bytes: number): void {
    const first = this.entries.length - this.#layout.claimSlots;
    const count = bytes / SLOT_BYTES;
    if (count <= first) return;
    const views = viewsOf(this.#spill, bytes);
    const { i32, f64 } = views;
    for (let j = first; j < count; j++) this.entries.push({ entry: (j * SLOT_BYTES) / 4, i32, f64, views });
    for (let j = count - 1; j >= first; j--) this.#freeSpill.push(this.#layout.claimSlots + j);
  }
}
