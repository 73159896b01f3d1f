/**
 * memory/: the shared buffer and the structures in it. Each structure has one module that owns its
 * encoding, with its diagram at the top: this file (the buffer map), slot.ts (the 128-byte slot),
 * ring.ts, doorbell.ts, claim-table.ts, arena.ts, code-table.ts, safety.ts, gid.ts. Every thread
 * builds the same views of the buffer from the same plain numbers (planLayout below).
 *
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
 *   | worker 0..W-1       |  per worker: state lines + claim table (copies of claimed slots;
 *   |                     |  more in the worker's own growable spill table, claim-table.ts)
 *   +---------------------+
 *   | stats 0..W          |  one stats block per thread: counters, timing, histograms (@routine/stats)
 *   +---------------------+
 *   | code table          |  task id -> source text or module#export, written once
 *   +---------------------+
 *   | arena               |  payloads too big for a slot's inline area
 *   +---------------------+
 *
 * Every ring has the same header (RingHeader below) and slot shape (slot.ts), so one ring implementation
 * serves submissions and completions. All offsets are computed once by `planLayout` and handed to
 * workers as plain numbers, so every thread derives identical views.
 */
import { THREAD_STATS_BYTES } from '@routine/stats';
import { SLOT_BYTES } from './slot.js';

/** Cache line size we separate independently written words by (covers adjacent-line prefetch). */
export const LINE_BYTES = 128;
export const LINE_INTS = LINE_BYTES / 4;

/** Int32 index of each header word; each sits on its own line. */
export const Header = {
  /** RunState: workers leave their loop once they see `stopped`. */
  STATE: 0,
  /**
   * 1 while the main thread makes OpenTelemetry spans: workers then report the tasks they start
   * (task-tracing.ts in @routine/runtime). On STATE's line: both are written about never.
   */
  RELAY_SPANS: 1,
  /** Workers with nothing to do (each also sets its WorkerWord.IDLE): see the executor's #mayClaim. */
  IDLE_WORKERS: LINE_INTS,
} as const;
const HEADER_BYTES = 2 * LINE_BYTES;

/** `closing`: close() or terminate() began; tasks still run, but their blocked channel operations end (sync/parking.ts). */
export const RunState = { running: 0, stopped: 1, closing: 2 } as const;

/**
 * Ring header: six words on six lines. HEAD is written by consumers, TAIL by producers; the two
 * doorbells let a sleeping consumer (DATA) or producer (SPACE) be woken without anyone paying
 * for a notify when nobody sleeps.
 */
export const RingHeader = {
  HEAD: 0,
  TAIL: 1 * LINE_INTS,
  DATA_SEQ: 2 * LINE_INTS,
  /** On the sequence word's line: whoever bumps one writes the other (doorbell.ts). */
  DATA_RUNG: 2 * LINE_INTS + 1,
  DATA_WAITERS: 3 * LINE_INTS,
  SPACE_SEQ: 4 * LINE_INTS,
  SPACE_RUNG: 4 * LINE_INTS + 1,
  SPACE_WAITERS: 5 * LINE_INTS,
} as const;
export const RING_HEADER_BYTES = 6 * LINE_BYTES;

/**
 * Per-worker control block: three control lines, then the fixed part of its claim table.
 * GENERATION counts the replacements of this worker, so completions meant for a dead predecessor
 * can be told apart. SAFETY says whether the worker may be terminated right now (see safety.ts);
 * the worker writes it on every task, so it has a line of its own. SIGNALS is bumped by the main
 * thread after it marks one of the worker's claim entries (an abort, a stop), so the worker looks
 * through its table only when something was marked. IDLE is 1 while the worker has nothing to do
 * and counts in Header.IDLE_WORKERS (the main thread takes it back if the worker dies so).
 * BLOCKED, on the worker's IDLE line (only the worker writes either), starts the record of what
 * its latest blocked channel or lock operation waits on, for dump() (sync/blocked-board.ts).
 */
/**
 * Int32 index, within a worker's control block, of each of its words. BOOT (on GENERATION's line,
 * both written once per life) settles a race at stop: a worker swaps it from BootState.booting to
 * `claiming` before it takes its first task, the main thread from `booting` to `ended` before it
 * ends a worker that has not; whoever swaps first decides.
 */
export const WorkerWord = { GENERATION: 0, BOOT: 1, SAFETY: LINE_INTS, SIGNALS: 2 * LINE_INTS, IDLE: 3 * LINE_INTS, BLOCKED: 3 * LINE_INTS + 2 } as const;
export const BootState = { booting: 0, claiming: 1, ended: 2 } as const;
export const WORKER_CONTROL_BYTES = 4 * LINE_BYTES;

export interface LayoutOptions {
  workers: number;
  queueCapacity: number;
  /** Completion slots of a worker's own inbox (results of tasks it started itself). */
  workerInboxCapacity: number;
  /** Entries of each worker's claim table kept in this buffer (claim-table.ts). */
  claimSlots: number;
  /** Most entries of each worker's spill table, past which it claims no more (claim-table.ts). */
  spillSlots: number;
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
