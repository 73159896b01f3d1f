/**
 * Each worker's claim table: the copies of the slots it has claimed, one 128-byte entry each,
 * after its control lines (layout.ts). The worker writes its own table; the main thread reads all
 * of them to stop, abort, dump and recover tasks (slot.ts says what an entry's words mean).
 */
import { type Layout, WORKER_CONTROL_BYTES } from './layout.js';
import { ClaimState, claimStateOf, gidOf, SLOT_BYTES } from './slot.js';

export interface Claim {
  worker: number;
  /** Int32 index of the claim table entry. */
  entry: number;
}

/** Int32 index of entry `j` of worker `worker`'s claim table. */
export function claimEntry(layout: Layout, worker: number, j: number): number {
  return (layout.workerBlocks[worker] + WORKER_CONTROL_BYTES + j * SLOT_BYTES) / 4;
}

/**
 * Every entry not free, of one worker or of all of them, with the state read once (an entry may
 * change under a reader that is not its worker: each caller says why what it saw is enough).
 */
export function* claimsOf(layout: Layout, i32: Int32Array, worker?: number): Generator<Claim & { state: number }> {
  const first = worker ?? 0;
  const end = worker === undefined ? layout.workers : worker + 1;
  for (let w = first; w < end; w++) {
    for (let j = 0; j < layout.claimSlots; j++) {
      const entry = claimEntry(layout, w, j);
      const state = claimStateOf(i32, entry);
      if (state !== ClaimState.free) yield { worker: w, entry, state };
    }
  }
}

/** Where task `gid` is claimed (or running), or undefined if no worker holds it. */
export function findClaim(layout: Layout, i32: Int32Array, f64: Float64Array, gid: number): Claim | undefined {
  for (const claim of claimsOf(layout, i32)) if (gidOf(f64, claim.entry) === gid) return claim;
  return undefined;
}

/** Whether `entry` holds task `gid`, optionally in a given state. */
export function holds(i32: Int32Array, f64: Float64Array, entry: number, gid: number, state?: number): boolean {
  const current = claimStateOf(i32, entry);
  return current !== ClaimState.free && (state === undefined || current === state) && gidOf(f64, entry) === gid;
}
