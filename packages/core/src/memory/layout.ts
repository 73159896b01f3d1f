/**
 * The one SharedArrayBuffer a runtime owns, and where everything in it lives.
 *
 *   +---------------------+  header: one control word per 128-byte line (see Header)
 *   | header              |
 *   +---------------------+
 *   | submission ring     |  MPMC: producers are every thread, consumers are the workers
 *   +---------------------+
 *   | inbox 0 (main)      |  completion rings, one per thread that submits: MPSC in practice
 *   | inbox 1..W (workers)|  (many workers complete into it, only its owner drains it)
 *   +---------------------+
 *   | worker 0..W-1       |  per worker: state line + claim table (copies of claimed slots)
 *   +---------------------+
 *   | stats 0..W          |  one stats block per thread: counters, timing, histograms (@routine/stats)
 *   +---------------------+
 *   | code table          |  task id -> source text or module#export, written once
 *   +---------------------+
 *   | arena               |  payloads too big for a slot's inline area
 *   +---------------------+
 *
 * Every ring has the same header and slot shape (Ring, Slot below), so one ring implementation
 * serves submissions and completions. All offsets are computed once by `planLayout` and handed to
 * workers as plain numbers, so every thread derives identical views.
 */
import { THREAD_STATS_BYTES } from '@routine/stats';

/** Cache line size we separate independently written words by (covers adjacent-line prefetch). */
export const LINE_BYTES = 128;
export const LINE_INTS = LINE_BYTES / 4;

/** Int32 index of each header word; each sits on its own line. */
export const Header = {
  /** 'RTN1' so a worker can tell it was handed the right kind of buffer. */
  MAGIC: 0,
  /** 0 running, 1 closing (drain), 2 stopped: workers leave their loop when they see 2. */
  STATE: 1 * LINE_INTS,
} as const;
export const HEADER_BYTES = 2 * LINE_BYTES;
export const MAGIC = 0x52544e31;

export const RunState = { running: 0, closing: 1, stopped: 2 } as const;

/**
 * Ring header: six words on six lines. HEAD is written by consumers, TAIL by producers; the two
 * doorbells let a sleeping consumer (DATA) or producer (SPACE) be woken without anyone paying
 * for a notify when nobody sleeps.
 */
export const RingHeader = {
  HEAD: 0,
  TAIL: 1 * LINE_INTS,
  DATA_SEQ: 2 * LINE_INTS,
  DATA_WAITERS: 3 * LINE_INTS,
  SPACE_SEQ: 4 * LINE_INTS,
  SPACE_WAITERS: 5 * LINE_INTS,
} as const;
export const RING_HEADER_BYTES = 6 * LINE_BYTES;

/**
 * One slot of a ring, and one entry of a claim table: 128 bytes.
 *
 *   int32  0 SEQ        ring: Vyukov sequence number; claim table: ClaimState
 *   int32  1 TOKEN      submission: cancellation token (see cancel in endpoint.ts)
 *   int32  2 REF        submission: code table id; completion: Outcome
 *   int32  3 FLAGS      bits 0-1 payload placement (Placement), bit 2 ABORT_BIT (set in a claim
 *                       entry when the task is cancelled while running), bit 3 SAMPLED_BIT (the
 *                       trace's W3C sampled flag), bits 8-31 name id + 1
 *   int32  4 REPLY      inbox the completion goes to
 *   int32  5 REPLY_GEN  generation of that inbox's owner when the task was sent
 *   int32  6 TICKET     the submitter's local handle for the task, echoed in its completion
 *   int32  7 ARENA      byte offset of the arena block, when placed there
 *   f64    4 GID        (int32 8-9)
 *   f64    5 PARENT     (int32 10-11)
 *   f64    6 DEADLINE   epoch ms, 0 for none (int32 12-13)
 *   f64    7 SUBMITTED  epoch ms (fractional) it was put in the ring, for wait-time histograms
 *   int32 16 TRACE      four words: the 128-bit W3C trace id
 *   int32 20 SPAN       two words: the 64-bit span id the task was started from
 *   bytes 88..127       inline payload
 */
export const SLOT_BYTES = 128;
export const SLOT_INTS = SLOT_BYTES / 4;
export const Slot = {
  SEQ: 0,
  TOKEN: 1,
  REF: 2,
  FLAGS: 3,
  REPLY: 4,
  REPLY_GEN: 5,
  TICKET: 6,
  ARENA: 7,
  TRACE: 16,
  SPAN: 20,
} as const;
/**
 * Float64 index within a slot (slot byte offset / 8 + this). STARTED exists only in claim table
 * entries: the epoch ms at which the task was marked running, written over the inline payload
 * area, which is free once the arguments are decoded.
 */
export const SlotF64 = { GID: 4, PARENT: 5, DEADLINE: 6, SUBMITTED: 7, STARTED: 11 } as const;
export const INLINE_OFFSET = 88;
export const INLINE_BYTES = SLOT_BYTES - INLINE_OFFSET;

export const Placement = { inline: 0, arena: 1, port: 2 } as const;
export const PLACEMENT_MASK = 3;
export const ABORT_BIT = 1 << 2;
export const SAMPLED_BIT = 1 << 3;
/** FLAGS >>> NAME_SHIFT is the task's name id in the code table plus one (0: no name). */
export const NAME_SHIFT = 8;

/** What a completion slot's REF word says about the task. */
export const Outcome = { ok: 0, error: 1, crashed: 2, cancelled: 3, timedOut: 4 } as const;

/** State word of a claim table entry (its SEQ word). */
export const ClaimState = { free: 0, claimed: 1, running: 2 } as const;

/**
 * Per-worker control block: two control lines, then its claim table. GENERATION counts the
 * replacements of this worker, so completions meant for a dead predecessor can be told apart.
 * SAFETY says whether the worker may be terminated right now (see safety.ts); the worker writes
 * it on every task, so it has a line of its own.
 */
export const WorkerWord = { GENERATION: 0, SAFETY: LINE_INTS } as const;
const WORKER_CONTROL_BYTES = 2 * LINE_BYTES;

export interface LayoutOptions {
  workers: number;
  queueCapacity: number;
  /** Completion slots of a worker's own inbox (results of tasks it started itself). */
  workerInboxCapacity: number;
  /** Tasks one worker may hold at once: running (async ones overlap) or being prepared. */
  claimSlots: number;
  codeEntries: number;
  codeTextBytes: number;
  arenaBytes: number;
}

export interface Layout extends LayoutOptions {
  totalBytes: number;
  submissionRing: number;
  /** Byte offset of inbox i (0 is the main thread, 1 + w is worker w). */
  inboxes: number[];
  inboxCapacities: number[];
  /** Byte offset of worker w's control block; its claim table follows the control lines. */
  workerBlocks: number[];
  /** Byte offset of thread t's stats block (0 is the main thread, 1 + w is worker w). */
  statsBlocks: number[];
  codeTable: number;
  arena: number;
}

export function ringBytes(capacity: number): number {
  return RING_HEADER_BYTES + capacity * SLOT_BYTES;
}

export function planLayout(options: LayoutOptions): Layout {
  let cursor = HEADER_BYTES;
  const take = (bytes: number): number => {
    const at = cursor;
    cursor += Math.ceil(bytes / LINE_BYTES) * LINE_BYTES;
    return at;
  };
  const submissionRing = take(ringBytes(options.queueCapacity));
  const inboxCapacities = [options.queueCapacity];
  for (let w = 0; w < options.workers; w++) inboxCapacities.push(options.workerInboxCapacity);
  const inboxes = inboxCapacities.map((capacity) => take(ringBytes(capacity)));
  const workerBlocks: number[] = [];
  for (let w = 0; w < options.workers; w++) workerBlocks.push(take(WORKER_CONTROL_BYTES + options.claimSlots * SLOT_BYTES));
  const statsBlocks: number[] = [];
  for (let t = 0; t <= options.workers; t++) statsBlocks.push(take(THREAD_STATS_BYTES));
  const codeTable = take(codeTableBytes(options.codeEntries, options.codeTextBytes));
  const arena = take(options.arenaBytes);
  return {
    ...options,
    totalBytes: cursor,
    submissionRing,
    inboxes,
    inboxCapacities,
    workerBlocks,
    statsBlocks,
    codeTable,
    arena,
  };
}

/** Code table: a header line (count, text top), 16-byte entries, then the text bytes. */
export const CodeHeader = { COUNT: 0, TEXT_TOP: 1 } as const;
export const CODE_ENTRY_BYTES = 16;
export const CodeEntry = { KIND: 0, TEXT_OFFSET: 1, TEXT_LENGTH: 2, READY: 3 } as const;
export function codeTableBytes(entries: number, textBytes: number): number {
  return LINE_BYTES + entries * CODE_ENTRY_BYTES + textBytes;
}

/** Claim table entry j of worker block at byte offset `block`. */
export function claimEntryOffset(block: number, entry: number): number {
  return block + WORKER_CONTROL_BYTES + entry * SLOT_BYTES;
}
