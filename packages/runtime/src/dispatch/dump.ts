/**
 * A goroutine dump: every task a worker is running now, read from the claim tables in shared
 * memory by the main thread. It needs nothing from the workers, so it works while every one of
 * them is stuck in a synchronous loop.
 */
import {
  claimEntryOffset, ClaimState, type CodeTable, type Layout, NAME_SHIFT, readTrace, SAMPLED_BIT, Slot,
  SlotF64,
} from '@routine/core';

export interface RunningTask {
  gid: number;
  parentGid: number;
  traceId: string;
  name?: string;
  /** Index of the worker running it. */
  worker: number;
  runningForMs: number;
}

export function readDump(layout: Layout, i32: Int32Array, f64: Float64Array, code: CodeTable): RunningTask[] {
  const now = Date.now();
  const running: RunningTask[] = [];
  for (let worker = 0; worker < layout.workers; worker++) {
    for (let j = 0; j < layout.claimSlots; j++) {
      const entry = claimEntryOffset(layout.workerBlocks[worker], j) / 4;
      if (Atomics.load(i32, entry + Slot.SEQ) !== ClaimState.running) continue;
      const f = entry / 2;
      const nameId = i32[entry + Slot.FLAGS] >>> NAME_SHIFT;
      running.push({
        gid: f64[f + SlotF64.GID],
        parentGid: f64[f + SlotF64.PARENT],
        traceId: readTrace(i32, entry + Slot.TRACE, (i32[entry + Slot.FLAGS] & SAMPLED_BIT) !== 0, undefined).id,
        ...(nameId === 0 ? {} : { name: code.read(nameId - 1).text }),
        worker,
        runningForMs: Math.max(0, now - f64[f + SlotF64.STARTED]),
      });
    }
  }
  return running.sort((a, b) => b.runningForMs - a.runningForMs);
}
