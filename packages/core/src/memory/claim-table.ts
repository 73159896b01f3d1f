/** Finding a task in the workers' claim tables, for the main thread's stop and abort requests. */
import { ClaimState, claimEntryOffset, Slot, SlotF64, type Layout } from './layout.js';

export interface Claim {
  worker: number;
  /** Int32 index of the claim table entry. */
  entry: number;
}

/** Where task `gid` is claimed (or running), or undefined if no worker holds it. */
export function findClaim(layout: Layout, i32: Int32Array, f64: Float64Array, gid: number): Claim | undefined {
  for (let worker = 0; worker < layout.workers; worker++) {
    for (let j = 0; j < layout.claimSlots; j++) {
      const entry = claimEntryOffset(layout.workerBlocks[worker], j) / 4;
      if (holds(i32, f64, entry, gid)) return { worker, entry };
    }
  }
  return undefined;
}

/** Whether `entry` holds task `gid`, optionally in a given state. */
export function holds(i32: Int32Array, f64: Float64Array, entry: number, gid: number, state?: number): boolean {
  const current = Atomics.load(i32, entry + Slot.SEQ);
  return current !== ClaimState.free && (state === undefined || current === state) && f64[entry / 2 + SlotF64.GID] === gid;
}
