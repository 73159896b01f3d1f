/**
 * The 128-byte slot: one task in a ring or in a claim table. This module owns its encoding; every
 * other file reads and writes a slot through the functions below, which take the thread's typed
 * arrays and the slot's Int32 index (`at`), so V8 inlines them into the hot loops.
 *
 *   int32  0 SEQ        ring: Vyukov sequence number (ring.ts); claim entry: ClaimState
 *   int32  1 TOKEN      submission: cancellation token (see withdraw in endpoint.ts)
 *   int32  2 REF        submission: code table id; completion: Outcome
 *   int32  3 FLAGS      bits 0-1 payload placement (Placement), bit 2 ABORT_BIT (set in a claim
 *                       entry when the task is cancelled while running), bit 3 SAMPLED_BIT (the
 *                       trace's W3C sampled flag), bit 4 STOP_BIT (set in a claim entry when the
 *                       task passed its deadline while running), bit 5 BATCH_BIT (args are a
 *                       map() chunk: [items, first index]), bit 6 TIMED_BIT (the submitter
 *                       traces the task: its completion says where and when it ran), bit 7
 *                       RELAYED_BIT (its span is made on the main thread from its submitting
 *                       worker's report, task-tracing.ts), bits 8-31 name id + 1
 *   int32  4 REPLY      inbox the completion goes to
 *   int32  5 REPLY_GEN  generation of that inbox's owner when the task was sent
 *   int32  6 TICKET     the submitter's local handle for the task, echoed in its completion
 *   int32  7 ARENA      byte offset of the arena block, when placed there
 *   f64    4 GID        (int32 8-9)
 *   f64    5 PARENT     (int32 10-11)
 *   f64    6 DEADLINE   Date.now() ms, 0 for none (int32 12-13)
 *   f64    7 SUBMITTED  monotonicMs() when it was accepted, for the wait-time histogram (14-15)
 *   int32 16 TRACE      six words: the 128-bit W3C trace id, then the 64-bit parent span id
 *   bytes 88..127       inline payload; in a claim entry, once the task runs, f64 11 STARTED
 *                       (Date.now() ms it was marked running, for dump()) lies over it
 *
 * The three views share the shape but not every word: a submission uses all of them, a
 * completion only REF (as Outcome), FLAGS (placement alone), REPLY_GEN, TICKET, ARENA, GID and,
 * int32 1 PROGRESSED (over TOKEN: how many progress values the task sent) and, for a timed
 * task, three words of its own over REPLY and the f64s 6-7: int32 4 RAN_ON (the worker
 * that ran it, plus one; 0 when it never started) and f64 6-7 RAN_FROM, RAN_TO (monotonicMs() when
 * its function was called and when it returned or settled). A claim entry is a submission copied
 * out of the ring whose SEQ word holds its ClaimState.
 */
import { type Trace, writeRootTrace, writeTrace } from '../task/trace-id.js';

export const SLOT_BYTES = 128;
export const SLOT_INTS = SLOT_BYTES / 4;
/** Byte offset of the inline payload within a slot, and its size. */
const INLINE_OFFSET = 88;
export const INLINE_BYTES = SLOT_BYTES - INLINE_OFFSET;

const SEQ = 0;
const TOKEN = 1;
const REF = 2;
const FLAGS = 3;
const REPLY = 4;
const REPLY_GEN = 5;
const TICKET = 6;
const ARENA = 7;
const TRACE = 16;
const GID = 4;
const PARENT = 5;
const DEADLINE = 6;
const SUBMITTED = 7;
const STARTED = 11;
const PROGRESSED = 1;
const RAN_ON = 4;
const RAN_FROM = 6;
const RAN_TO = 7;

/** Where a slot's payload lies: in the slot, in an arena block, or in a parcel sent by port. */
export const Placement = { inline: 0, arena: 1, port: 2 } as const;
const PLACEMENT_MASK = 3;
const ABORT_BIT = 1 << 2;
const SAMPLED_BIT = 1 << 3;
const STOP_BIT = 1 << 4;
const BATCH_BIT = 1 << 5;
const TIMED_BIT = 1 << 6;
const RELAYED_BIT = 1 << 7;
/** What a submitter asks of a task beside its code and arguments, as FLAGS bits. */
export const SubmitFlag = {
  /** Its arguments are a map() chunk, run item by item (task/batch.ts). */
  batch: BATCH_BIT,
  /** Its completion must say where and when it ran (the submitter makes a span of it). */
  timed: TIMED_BIT,
  /** Its span is made on the main thread from the report of the worker that submitted it. */
  relayedSpan: RELAYED_BIT,
} as const;
/** FLAGS >>> NAME_SHIFT is the task's name id in the code table plus one (0: no name). */
const NAME_SHIFT = 8;

/** What a completion slot's REF word says about the task. */
export const Outcome = { ok: 0, error: 1, crashed: 2, cancelled: 3, timedOut: 4 } as const;

/** State word of a claim table entry (its SEQ word). */
export const ClaimState = { free: 0, claimed: 1, running: 2 } as const;

// ---- any view -------------------------------------------------------------------------------

/** Int32 index of the SEQ word: the ring's sequence number, or a claim entry's state. */
export function seqWord(at: number): number {
  return at + SEQ;
}

export function gidOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + GID];
}

export function placementOf(i32: Int32Array, at: number): number {
  return i32[at + FLAGS] & PLACEMENT_MASK;
}

/** Byte offset of the arena block holding the payload (placement arena). */
export function arenaBlockOf(i32: Int32Array, at: number): number {
  return i32[at + ARENA];
}

/** Byte offset of a slot's inline payload area. */
export function inlineAt(at: number): number {
  return at * 4 + INLINE_OFFSET;
}

export function ticketOf(i32: Int32Array, at: number): number {
  return i32[at + TICKET];
}

export function replyGenerationOf(i32: Int32Array, at: number): number {
  return i32[at + REPLY_GEN];
}

// ---- submission -----------------------------------------------------------------------------

/** What a submitter writes into a slot: a TaskHandle has every field. */
export interface Submission {
  readonly gid: number;
  readonly parentGid: number;
  readonly codeId: number;
  /** Name id in the code table, -1 for none. */
  readonly nameId: number;
  readonly ticket: number;
  readonly placement: number;
  readonly deadline: number;
  readonly submittedMs: number;
  readonly trace: Trace | undefined;
  /** SubmitFlag bits. */
  readonly flags: number;
}

/**
 * Writes every word of a submission but SEQ, which only Ring.publish may write. `token` is the
 * ring position, the value a cancel compares against; `reply` and `generation` name the inbox
 * its completion goes to and the owner it is meant for.
 */
export function writeSubmission(
  i32: Int32Array,
  f64: Float64Array,
  at: number,
  task: Submission,
  token: number,
  reply: number,
  generation: number,
  arenaBlock: number,
): void {
  const trace = task.trace;
  i32[at + TOKEN] = token;
  i32[at + REF] = task.codeId;
  if (trace) writeTrace(i32, at + TRACE, trace);
  else writeRootTrace(i32, at + TRACE, task.gid);
  i32[at + FLAGS] =
    task.placement | ((task.nameId + 1) << NAME_SHIFT) | (trace?.sampled === false ? 0 : SAMPLED_BIT) | task.flags;
  i32[at + REPLY] = reply;
  i32[at + REPLY_GEN] = generation;
  i32[at + TICKET] = task.ticket;
  i32[at + ARENA] = arenaBlock;
  const f = at / 2;
  f64[f + GID] = task.gid;
  f64[f + PARENT] = task.parentGid;
  f64[f + DEADLINE] = task.deadline;
  f64[f + SUBMITTED] = task.submittedMs;
}

/** Int32 index of the cancellation token: a cancel and a claim race on it (endpoint.ts). */
export function tokenWord(at: number): number {
  return at + TOKEN;
}

/** Copies a slot's words but SEQ into another slot (a record put back into the ring). */
export function copySubmission(i32: Int32Array, to: number, record: Int32Array): void {
  i32.set(record.subarray(SEQ + 1), to + SEQ + 1);
}

export function codeIdOf(i32: Int32Array, at: number): number {
  return i32[at + REF];
}

/** The task's name id in the code table, or -1 when it has none. */
export function nameIdOf(i32: Int32Array, at: number): number {
  return (i32[at + FLAGS] >>> NAME_SHIFT) - 1;
}

/** Int32 index of the trace words, and the trace's sampled bit, for readTrace. */
export function traceAt(at: number): number {
  return at + TRACE;
}

/** The task runs its function over a map() chunk (see task/batch.ts). */
export function batchOf(i32: Int32Array, at: number): boolean {
  return (i32[at + FLAGS] & BATCH_BIT) !== 0;
}

/** The submitter wants to know where and when the task ran (slot.ts's completion words). */
export function timedOf(i32: Int32Array, at: number): boolean {
  return (i32[at + FLAGS] & TIMED_BIT) !== 0;
}

/** The task's span is relayed to the main thread by the worker that submitted it. */
export function relayedSpanOf(i32: Int32Array, at: number): boolean {
  return (i32[at + FLAGS] & RELAYED_BIT) !== 0;
}

export function sampledOf(i32: Int32Array, at: number): boolean {
  return (i32[at + FLAGS] & SAMPLED_BIT) !== 0;
}

export function parentGidOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + PARENT];
}

/** Date.now() ms by which the task must be done, 0 for none. */
export function deadlineOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + DEADLINE];
}

export function submittedMsOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + SUBMITTED];
}

/** The inbox the completion goes to. */
export function replyOf(i32: Int32Array, at: number): number {
  return i32[at + REPLY];
}

// ---- completion -----------------------------------------------------------------------------

/**
 * Writes every word a completion uses but SEQ (see Ring.publish). `ranOn` is the worker that ran
 * the task, -1 when it never started or nobody asked (then `ranFrom` and `ranTo` are not written).
 */
export function writeCompletionSlot(
  i32: Int32Array,
  f64: Float64Array,
  at: number,
  gid: number,
  ticket: number,
  generation: number,
  outcome: number,
  placement: number,
  arenaBlock: number,
  progressed: number,
  ranOn: number,
  ranFrom: number,
  ranTo: number,
): void {
  i32[at + ARENA] = arenaBlock;
  i32[at + PROGRESSED] = progressed;
  i32[at + REF] = outcome;
  i32[at + FLAGS] = placement;
  i32[at + REPLY_GEN] = generation;
  i32[at + TICKET] = ticket;
  i32[at + RAN_ON] = ranOn + 1;
  const f = at / 2;
  f64[f + GID] = gid;
  if (ranOn >= 0) {
    f64[f + RAN_FROM] = ranFrom;
    f64[f + RAN_TO] = ranTo;
  }
}

/** How many progress values the task sent before it completed. */
export function progressSentOf(i32: Int32Array, at: number): number {
  return i32[at + PROGRESSED];
}

/** The worker that ran a completed task, or -1 (never started, or not timed). */
export function ranOnOf(i32: Int32Array, at: number): number {
  return i32[at + RAN_ON] - 1;
}

/** monotonicMs() when the task's function was called (only where ranOnOf is not -1). */
export function ranFromOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + RAN_FROM];
}

/** monotonicMs() when its function returned or its promise settled. */
export function ranToOf(f64: Float64Array, at: number): number {
  return f64[at / 2 + RAN_TO];
}

export function outcomeOf(i32: Int32Array, at: number): number {
  return i32[at + REF];
}

// ---- claim entry ----------------------------------------------------------------------------

/**
 * Copies a claimed ring slot (in `ring`) into a claim entry (in `table`, which may be another
 * buffer) and marks it claimed. The plain copy comes first and the state store second, so whoever
 * loads the state `claimed` sees the whole entry; the ring's SEQ word is not copied, so a reader
 * never takes a sequence number for a state.
 */
export function claimInto(table: Int32Array, entry: number, ring: Int32Array, slot: number): void {
  if (table === ring) table.copyWithin(entry + SEQ + 1, slot + SEQ + 1, slot + SLOT_INTS);
  else table.set(ring.subarray(slot + SEQ + 1, slot + SLOT_INTS), entry + SEQ + 1);
  Atomics.store(table, entry + SEQ, ClaimState.claimed);
}

export function claimStateOf(i32: Int32Array, entry: number): number {
  return Atomics.load(i32, entry + SEQ);
}

export function setClaimState(i32: Int32Array, entry: number, state: number): void {
  Atomics.store(i32, entry + SEQ, state);
}

/** Main thread: asks the worker holding this entry to abort its task's signal. */
export function markAborted(i32: Int32Array, entry: number): void {
  Atomics.or(i32, entry + FLAGS, ABORT_BIT);
}

export function isAborted(i32: Int32Array, entry: number): boolean {
  return (Atomics.load(i32, entry + FLAGS) & ABORT_BIT) !== 0;
}

/** Main thread: asks the worker holding this entry to stop its task, which passed its deadline. */
export function markStopped(i32: Int32Array, entry: number): void {
  Atomics.or(i32, entry + FLAGS, STOP_BIT);
}

export function isStopped(i32: Int32Array, entry: number): boolean {
  return (Atomics.load(i32, entry + FLAGS) & STOP_BIT) !== 0;
}

/** Written over the inline payload, which is free once the arguments are decoded. */
export function setStartedMs(f64: Float64Array, entry: number, ms: number): void {
  f64[entry / 2 + STARTED] = ms;
}

export function startedMsOf(f64: Float64Array, entry: number): number {
  return f64[entry / 2 + STARTED];
}

/** A copy of a claim entry's words, for a record that outlives the entry (crash recovery). */
export function recordOf(i32: Int32Array, entry: number): Int32Array {
  return i32.slice(entry, entry + SLOT_INTS);
}
