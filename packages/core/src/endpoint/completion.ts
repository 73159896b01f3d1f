/**
 * Writing a task's outcome into the inbox of the thread that started it. Workers do this for
 * every task they run; the main thread does it for the tasks of a worker that died.
 */
import type { Arena } from '../memory/arena.js';
import { Encoder, NEEDS_PORT, spillViews, UncloneableValue } from '../codec/codec.js';
import { uncloneable } from './endpoint.js';
import { INLINE_BYTES, inlineAt, Outcome, Placement, writeCompletionSlot } from '../memory/slot.js';
import { resultKey, type ParcelClient } from '../control/parcels.js';
import type { Ring } from '../memory/ring.js';
import { toWire } from './wire-error.js';
import { Transfer } from '../codec/transfer.js';
import type { Views } from '../memory/views.js';

export interface CompletionWriter {
  readonly views: Views;
  readonly inboxes: readonly Ring[];
  readonly arena: Arena;
  readonly encoder: Encoder;
  readonly parcels: ParcelClient;
  /** Called when an inbox is full (only after a crash left a dead thread's completions in it). */
  waitForRoom(inbox: Ring): void;
}

export interface Completion {
  gid: number;
  ticket: number;
  reply: number;
  generation: number;
  outcome: number;
  value: unknown;
  /** How many progress values the task sent (task/progress.ts). */
  progressed: number;
  /** The worker that ran a timed task, -1 otherwise; and monotonicMs() when it ran from and to. */
  ranOn: number;
  ranFrom: number;
  ranTo: number;
}

/** What the completion of a task that never ran says of how it ran. */
export const NOT_RUN = { progressed: 0, ranOn: -1, ranFrom: 0, ranTo: 0 } as const;

/** Writes a completion; a result that cannot be sent becomes a SerializationError outcome. */
export function writeCompletion(writer: CompletionWriter, completion: Completion): void {
  let { outcome } = completion;
  const values = [completion.value];
  let size = writer.encoder.measure(values);
  if (size === NEEDS_PORT) {
    const result = values[0];
    const list = result instanceof Transfer ? result.list : [];
    try {
      writer.parcels.put(resultKey(completion.gid), { values: [result instanceof Transfer ? result.value : result] }, list);
    } catch (error) {
      size = new UncloneableValue(0, error);
    }
  }
  if (size instanceof UncloneableValue) {
    outcome = Outcome.error;
    values[0] = toWire(uncloneable("the task's result", size));
    size = writer.encoder.measure(values) as number;
  }
  let placement: number = Placement.inline;
  let arenaBlock = -1;
  let spill: Views | undefined;
  if (size === NEEDS_PORT) placement = Placement.port;
  else if (size > INLINE_BYTES) {
    arenaBlock = writer.arena.allocate(size);
    // No room in the arena now: the encoding goes by port, so a result never waits for arena
    // space (the thread that frees it may be the very one waiting for this result).
    placement = arenaBlock < 0 ? Placement.port : Placement.arena;
    if (arenaBlock < 0) spill = spillViews(size);
  }
  const inbox = writer.inboxes[completion.reply];
  let slot = inbox.reserve();
  try {
    while (slot < 0) {
      writer.waitForRoom(inbox);
      slot = inbox.reserve();
    }
  } catch (noRoom) {
    // The caller retries later (the main thread may not wait): give back what it would hold.
    if (arenaBlock >= 0) writer.arena.free(arenaBlock);
    throw noRoom;
  }
  // Nothing below throws: a reserved slot must always be published.
  const position = inbox.reservedPosition;
  const { i32, f64 } = writer.views;
  if (placement === Placement.inline) writer.encoder.write(writer.views, inlineAt(slot), values);
  else if (placement === Placement.arena) writer.encoder.write(writer.views, arenaBlock, values);
  else if (spill) {
    writer.encoder.write(spill, 0, values);
    const encoded = spill.buffer as ArrayBuffer;
    writer.parcels.put(resultKey(completion.gid), { encoded }, [encoded]);
  }
  writeCompletionSlot(
    i32, f64, slot, completion.gid, completion.ticket, completion.generation, outcome, placement, arenaBlock,
    completion.progressed, completion.ranOn, completion.ranFrom, completion.ranTo,
  );
  inbox.publish(slot, position);
}
