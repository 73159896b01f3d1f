/**
 * A goroutine dump: every task a worker is running now, read from the claim tables in shared
 * memory by the main thread. It needs nothing from the workers, so it works while every one of
 * them is stuck in a synchronous loop.
 */
import {
  type Blocked, ClaimState, type ClaimTables, type CodeTable, gidOf, nameIdOf, parentGidOf, readTrace, sampledOf, startedMsOf,
  traceAt,
} from '@routine/core';

export interface RunningTask {
  gid: number;
  parentGid: number;
  traceId: string;
  name?: string;
  /** Index of the worker running it. */
  worker: number;
  runningForMs: number;
  /** What it is blocked on: a channel, a select, a lock (its worker's latest blocked operation). */
  waitingOn?: string;
}

export function readDump(tables: ClaimTables, code: CodeTable, blockedOn?: (worker: number) => Blocked | undefined): RunningTask[] {
  const now = Date.now();
  const running: RunningTask[] = [];
  // A snapshot: an entry read as running may finish while we read it, and then reads as the task
  // after it; a dump is a picture of a moment, not a synchronised view.
  for (const { worker, entry, state, i32, f64 } of tables.claimsOf()) {
    if (state !== ClaimState.running) continue;
    const nameId = nameIdOf(i32, entry);
    const gid = gidOf(f64, entry);
    const blocked = blockedOn?.(worker);
    running.push({
      gid,
      parentGid: parentGidOf(f64, entry),
      traceId: readTrace(i32, traceAt(entry), sampledOf(i32, entry), undefined).id,
      ...(nameId < 0 ? {} : { name: code.read(nameId).text }),
      worker,
      runningForMs: Math.max(0, now - startedMsOf(f64, entry)),
      ...(blocked?.gid === gid ? { waitingOn: blocked.what } : {}),
    });
  }
  return running.sort((a, b) => b.runningForMs - a.runningForMs);
}
