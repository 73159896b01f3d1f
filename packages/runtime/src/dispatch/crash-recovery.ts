/**
 * What happens to the tasks of a worker that died (a panic): read its claim table in shared
 * memory, fail the tasks it was running with WorkerCrashError, and put the ones it had claimed but
 * not started back into the ring, so they run elsewhere (arguments that came by port included: the
 * main thread lent them and still has them). Each task is settled exactly once: the
 * dead worker wrote no completion for a task whose entry is still `running` (it frees the entry
 * only after writing one).
 */
import { Counter, CounterBlock } from '@routine/stats';
import {
  arenaBlockOf, argsKey, ClaimState, type ClaimTables, copySubmission, type CompletionWriter, type Endpoint, Admission, gidOf, type Layout,
  Outcome, type ParcelStore, Placement, placementOf, recordOf, replyGenerationOf, replyOf, type Ring,
  setClaimState, ticketOf, TimeoutError, tokenWord, toWire,
  WorkerCrashError, WorkerWord, Header, wakeAll, writeCompletion, NOT_RUN,
} from '@routine/core';

export interface RecoveryParts {
  layout: Layout;
  i32: Int32Array;
  tables: ClaimTables;
  submissions: Ring;
  endpoint: Endpoint;
  writer: CompletionWriter;
  parcels: ParcelStore;
  generationOf(worker: number): number;
}

/** Tasks a thread launched whose outcome it has not counted: the ones it has not settled. */
/** Tasks a thread started and has not settled (its stats block), nested ones included. */
export function unsettled(counters: CounterBlock): number {
  const { launched, completed, errors, panics, cancelled, timeouts } = Counter;
  return counters.read(launched) - [completed, errors, panics, cancelled, timeouts].reduce((sum, c) => sum + counters.read(c), 0);
}

/** Thrown by the main thread's waitForRoom: it may not block, so the record is retried later. */
export class NoRoom extends Error {}

/**
 * A claim entry copied out of a dead worker's table (a slot at index 0 of its own array, read with
 * slot.ts like any other), waiting for room in a ring.
 */
interface Deferred {
  record: Int32Array;
  gid: number;
  crash?: { error: WorkerCrashError | TimeoutError };
}

export class Recovery {
  readonly #parts: RecoveryParts;
  /** No limit of its own: a record waits in line only while its ring has no room. */
  readonly #deferred = new Admission<Deferred>(Infinity, (next) => (next.crash ? this.#complete(next, next.crash.error) : this.#requeue(next.record)));

  constructor(parts: RecoveryParts) {
    this.#parts = parts;
  }

  get deferredCount(): number {
    return this.#deferred.waiting;
  }

  /**
   * Handles every task worker `index` held. `stoppedGid` names the task it was terminated to stop
   * (a timeout): that one is no panic, and its submitter has already settled it. Returns the gids
   * of the tasks that failed with WorkerCrashError, and whether their callers on this thread all
   * handle the failure (goWithRecover, result(), an await): then the death is less news.
   */
  recover(index: number, cause: unknown, exitCode: number, stoppedGid?: number): { panics: number[]; handled: boolean } {
    const { layout, i32, tables } = this.#parts;
    // The dead worker's blocks have no writer until its replacement starts, so we may write them.
    const counters = new CounterBlock(i32.buffer as SharedArrayBuffer, layout.statsBlocks[1 + index]);
    // Nested tasks it started and had not yet settled will never be settled: the task that
    // started them has failed with it, and so they count as panics, here, where that is decided.
    // Those still in its own queue, not yet in the ring, never start (their arguments were in its
    // memory); the others may still run elsewhere, unobserved.
    const abandoned = counters.read(Counter.waiting);
    counters.bump(Counter.panics, BigInt(unsettled(counters)));
    counters.bump(Counter.unstarted, BigInt(abandoned));
    counters.set(Counter.waiting, 0);
    // A worker that died idle (terminated while parked) counts idle no more; the workers that
    // left tasks to it must look at the ring again.
    const idle = layout.workerBlocks[index] / 4 + WorkerWord.IDLE;
    if (Atomics.exchange(i32, idle, 0) === 1) {
      Atomics.sub(i32, Header.IDLE_WORKERS, 1);
      wakeAll(this.#parts.submissions.dataBell);
    }
    const panics: number[] = [];
    let handled = true;
    for (const { entry, state, i32: table, f64 } of tables.claimsOf(index)) {
      const record = recordOf(table, entry);
      const gid = gidOf(f64, entry);
      setClaimState(table, entry, ClaimState.free);
      const byPort = placementOf(record, 0) === Placement.port;
      if (state === ClaimState.claimed) {
        // Arguments by port were only lent to the dead worker (parcels.ts): the next taker gets them.
        if (byPort) this.#parts.parcels.reclaim(argsKey(gid));
        this.#deferred.wait({ record, gid });
        continue;
      }
      // Running: it may have died before it could drop the arguments it had been lent.
      if (byPort) this.#parts.parcels.drop(argsKey(gid));
      // It no longer runs; its submitter counts its outcome when it settles it (or has already).
      counters.bump(Counter.ended);
      if (gid === stoppedGid) {
        this.#deferred.wait({ record, gid, crash: { error: new TimeoutError(`task ${gid} was stopped at its deadline`, { gid }) } });
        continue;
      }
      panics.push(gid);
      const mine = replyOf(record, 0) === 0 && replyGenerationOf(record, 0) === 0;
      if (!mine || !this.#parts.endpoint.observed(ticketOf(record, 0), gid)) handled = false;
      const reason = cause instanceof Error ? cause.message : `it exited with code ${exitCode}`;
      const error = new WorkerCrashError(`worker ${index} died while running task ${gid}: ${reason}`, { cause, gid });
      if (cause === undefined) error.exitCode = exitCode;
      this.#deferred.wait({ record, gid, crash: { error } });
    }
    this.retry();
    return { panics, handled: handled && panics.length > 0 };
  }

  /**
   * Once no worker will ever take a task again (the runtime stopped, or none of its workers can
   * start), empties the submission ring. What is left there was started by workers that died:
   * their own tasks were settled already, by abandonAll, and nobody waits for these, which the
   * dead worker's recovery counted as panics. They never start, and are counted so, so that
   * `queued` comes back to 0. Main-thread only, with every worker gone.
   */
  discardQueued(): void {
    const { submissions, i32, layout, parcels, writer } = this.#parts;
    const counters = new CounterBlock(i32.buffer as SharedArrayBuffer, layout.statsBlocks[0]);
    const f64 = new Float64Array(i32.buffer);
    for (let slot = submissions.claim(); slot >= 0; slot = submissions.claim()) {
      const position = submissions.claimedPosition;
      const token = Atomics.exchange(i32, tokenWord(slot), ~position);
      const placement = placementOf(i32, slot);
      if (placement === Placement.arena) writer.arena.free(arenaBlockOf(i32, slot));
      else if (placement === Placement.port) parcels.drop(argsKey(gidOf(f64, slot)));
      // A withdrawn one was counted as cancelled; a main-thread one by abandonAll.
      if (token === position && replyOf(i32, slot) !== 0) counters.bump(Counter.unstarted);
      submissions.release(slot, position);
    }
  }

  /** Moves deferred records into their rings while there is room. */
  retry(): void {
    this.#deferred.admit();
  }

  #requeue(record: Int32Array): boolean {
    const { submissions, i32 } = this.#parts;
    const slot = submissions.reserve();
    if (slot < 0) return false;
    const position = submissions.reservedPosition;
    // Everything but the SEQ word: that one is the ring's, and only `publish` may write it.
    copySubmission(i32, slot, record);
    i32[tokenWord(slot)] = position;
    submissions.publish(slot, position);
    return true;
  }

  #complete({ record, gid }: Deferred, error: WorkerCrashError | TimeoutError): boolean {
    const { endpoint, writer } = this.#parts;
    const reply = replyOf(record, 0);
    const generation = replyGenerationOf(record, 0);
    const wire = toWire(error);
    const outcome = error instanceof TimeoutError ? Outcome.timedOut : Outcome.crashed;
    if (reply === 0) {
      if (generation === 0) endpoint.settleExternally(ticketOf(record, 0), gid, outcome, wire);
      return true;
    }
    // A task started by a worker that has since been replaced has nobody left to tell.
    if (generation !== this.#parts.generationOf(reply - 1)) return true;
    try {
      writeCompletion(writer, { gid, ticket: ticketOf(record, 0), reply, generation, outcome, value: wire, ...NOT_RUN });
      return true;
    } catch (failure) {
      if (failure instanceof NoRoom) return false;
      throw failure;
    }
  }
}
