/**
 * Writing a task's outcome into the inbox of the thread that started it. Workers do this for
 * every task they run; the main thread does it for the tasks of a worker that died.
 */
import type { Arena } from '../memory/arena.js';
import { Encoder, NEEDS_PORT, UncloneableValue } from '../codec/codec.js';
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
}

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
  if (size === NEEDS_PORT) placement = Placement.port;
  else if (size > INLINE_BYTES) {
    arenaBlock = writer.arena.allocate(size);
    if (arenaBlock < 0) {
      placement = Placement.port;
      writer.parcels.put(resultKey(completion.gid), { values }, []);
    } else {
      placement = Placement.arena;
    }
  }
  // Nothing below throws: a reserved slot must always be published.
  const inbox = writer.inboxes[completion.reply];
  let slot = inbox.reserve();
  while (slot < 0) {
    writer.waitForRoom(inbox);
    slot = inbox.reserve();
  }
  const position = inbox.reservedPosition;
  const { i32, f64 } = writer.views;
  if (placement === Placement.inline) writer.encoder.write(writer.views, inlineAt(slot), values);
  else if (placement === Placement.arena) writer.encoder.write(writer.views, arenaBlock, values);
  writeCompletionSlot(i32, f64, slot, completion.gid, completion.ticket, completion.generation, outcome, placement, arenaBlock);
  inbox.publish(slot, position);
}
