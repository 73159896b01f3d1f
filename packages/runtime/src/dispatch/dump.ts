/**
 * A goroutine dump: every task a worker is running now, read from the claim tables in shared
 * memory by the main thread. It needs nothing from the workers, so it works while every one of
 * them is stuck in a synchronous loop.
 */
import {
  type Blocked, ClaimState, type ClaimTables, CodeKind, codeIdOf, type CodeTable, gidOf, nameIdOf, parentGidOf, readTrace, sampledOf, startedMsOf,
  traceAt,
} from '@routine/core';

/** A task running now, as `runtime.dump()` reports it. */
export interface RunningTask {
  /** The task's gid. */
  gid: number;
  /** The gid of the task that started it; 0 for one started on the main thread. */
  parentGid: number;
  /** The trace it belongs to. */
  traceId: string;
  /** Its name, when started with `go.with({ name })`. */
  name?: string;
  /** Index of the worker running it. */
  worker: number;
  /** Its code: `module#export`, or an inline function's source on one line, cut at 100 characters. */
  function: string;
  /** How long it has been running. */
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
      function: describeCode(code, codeIdOf(i32, entry)),
      runningForMs: Math.max(0, now - startedMsOf(f64, entry)),
      ...(blocked?.gid === gid ? { waitingOn: blocked.what } : {}),
    });
  }
  return running.sort((a, b) => b.runningForMs - a.runningForMs);
}

const MAX_SOURCE = 100;

function describeCode(code: CodeTable, id: number): string {
  const { kind, text } = code.read(id);
  if (kind === CodeKind.module) return text;
  // The sourceURL that names the task in stack traces (task-origin.ts in core) is not its code.
  const line = text.replace(/\n\/\/# sourceURL=.*$/, '').replace(/\s+/g, ' ').trim();
  return line.length > MAX_SOURCE ? `${line.slice(0, MAX_SOURCE)}...` : line;
}
