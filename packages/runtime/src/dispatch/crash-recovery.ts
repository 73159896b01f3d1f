/**
 * What happens to the tasks of a worker that died (a panic): read its claim table in shared
 * memory, fail the tasks it was running with WorkerCrashError, and put the ones it had claimed but
 * not started back into the ring, so they run elsewhere. Each task is settled exactly once: the
 * dead worker wrote no completion for a task whose entry is still `running` (it frees the entry
 * only after writing one).
 */
import { Counter, CounterBlock } from '@routine/stats';
import {
  argsKey, claimEntryOffset, ClaimState, type CompletionWriter, type Endpoint, type Layout, Outcome,
  type ParcelStore, Placement, PLACEMENT_MASK, type Ring, Slot, SLOT_INTS, SlotF64, TimeoutError, toWire,
  WorkerCrashError, writeCompletion,
} from '@routine/core';

export interface RecoveryParts {
  layout: Layout;
  i32: Int32Array;
  f64: Float64Array;
  submissions: Ring;
  endpoint: Endpoint;
  writer: CompletionWriter;
  parcels: ParcelStore;
  generationOf(worker: number): number;
}

/** Thrown by the main thread's waitForRoom: it may not block, so the record is retried later. */
export class NoRoom extends Error {}

/** A record copied out of a dead worker's claim table, waiting for room in a ring. */
interface Deferred {
  record: Int32Array;
  crash?: { error: WorkerCrashError | TimeoutError };
}

export class Recovery {
  readonly #parts: RecoveryParts;
  readonly #deferred: Deferred[] = [];

  constructor(parts: RecoveryParts) {
    this.#parts = parts;
  }

  get deferredCount(): number {
    return this.#deferred.length;
  }

  /**
   * Handles every task worker `index` held. `stoppedGid` names the task it was terminated to stop
   * (a timeout): that one is no panic, and its submitter has already settled it. Returns the gids
   * of the tasks that failed with WorkerCrashError.
   */
  recover(index: number, cause: unknown, exitCode: number, stoppedGid?: number): number[] {
    const { layout, i32, f64 } = this.#parts;
    const block = layout.workerBlocks[index];
    // The dead worker's block has no writer until its replacement starts, so we may write it.
    const counters = new CounterBlock(i32.buffer as SharedArrayBuffer, layout.statsBlocks[1 + index]);
    // Nested tasks it held in its own queue, not yet in the ring, die with it: their arguments
    // were in its memory, and the task that started them has failed with it.
    const abandoned = counters.read(Counter.waiting);
    counters.bump(Counter.panics, BigInt(abandoned));
    counters.bump(Counter.unstarted, BigInt(abandoned));
    counters.set(Counter.waiting, 0);
    const panics: number[] = [];
    for (let j = 0; j < layout.claimSlots; j++) {
      const entry = claimEntryOffset(block, j) / 4;
      const state = i32[entry + Slot.SEQ];
      if (state === ClaimState.free) continue;
      const record = i32.slice(entry, entry + SLOT_INTS);
      i32[entry + Slot.SEQ] = ClaimState.free;
      const gid = f64[entry / 2 + SlotF64.GID];
      if (state === ClaimState.claimed && this.#canRequeue(record, gid)) {
        this.#deferred.push({ record });
        continue;
      }
      if (gid === stoppedGid) {
        this.#deferred.push({ record, crash: { error: new TimeoutError(`task ${gid} was stopped at its deadline`, { gid }) } });
        continue;
      }
      panics.push(gid);
      counters.bump(Counter.panics);
      const reason = cause instanceof Error ? cause.message : `it exited with code ${exitCode}`;
      const error = new WorkerCrashError(`worker ${index} died while running task ${gid}: ${reason}`, { cause, gid });
      if (cause === undefined) error.exitCode = exitCode;
      this.#deferred.push({ record, crash: { error } });
    }
    this.retry();
    return panics;
  }

  /** Moves deferred records into their rings while there is room. */
  retry(): void {
    while (this.#deferred.length > 0) {
      const next = this.#deferred[0];
      if (!(next.crash ? this.#complete(next.record, next.crash.error) : this.#requeue(next.record))) return;
      this.#deferred.shift();
    }
  }

  /** A task whose arguments came by port can only run again if the worker had not taken them. */
  #canRequeue(record: Int32Array, gid: number): boolean {
    return (record[Slot.FLAGS] & PLACEMENT_MASK) !== Placement.port || this.#parts.parcels.has(argsKey(gid));
  }

  #requeue(record: Int32Array): boolean {
    const { submissions, i32 } = this.#parts;
    const slot = submissions.reserve();
    if (slot < 0) return false;
    const position = submissions.reservedPosition;
    // Everything but the SEQ word: that one is the ring's, and only `publish` may write it.
    i32.set(record.subarray(Slot.SEQ + 1), slot + Slot.SEQ + 1);
    i32[slot + Slot.TOKEN] = position;
    submissions.publish(slot, position);
    return true;
  }

  #complete(record: Int32Array, error: WorkerCrashError | TimeoutError): boolean {
    const { endpoint, writer } = this.#parts;
    const gid = new Float64Array(record.buffer, record.byteOffset, SLOT_INTS / 2)[SlotF64.GID];
    const reply = record[Slot.REPLY];
    const generation = record[Slot.REPLY_GEN];
    const wire = toWire(error);
    const outcome = error instanceof TimeoutError ? Outcome.timedOut : Outcome.crashed;
    if (reply === 0) {
      if (generation === 0) endpoint.settleExternally(record[Slot.TICKET], gid, outcome, wire);
      return true;
    }
    // A task started by a worker that has since been replaced has nobody left to tell.
    if (generation !== this.#parts.generationOf(reply - 1)) return true;
    try {
      writeCompletion(writer, { gid, ticket: record[Slot.TICKET], reply, generation, outcome, value: wire });
      return true;
    } catch (failure) {
      if (failure instanceof NoRoom) return false;
      throw failure;
    }
  }
}
