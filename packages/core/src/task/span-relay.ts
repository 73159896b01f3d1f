/**
 * A worker's side of the spans of the tasks it starts (nested tasks). The OpenTelemetry SDK an
 * application registers lives on its main thread, and a worker usually has none; so when the main
 * thread makes spans (it sets Header.RELAY_SPANS), a worker reports each nested task it traced
 * once that task settles, and the main thread makes its span from the report, with the times it
 * carries (dispatch/relayed-spans.ts in @routine/runtime). Reports go in batches on the worker's
 * parcel port: one message per burst, not per task.
 */
import { Header } from '../memory/layout.js';

/** A task as its span describes it. Times are monotonicMs() (@routine/stats). */
export interface TaskRun {
  gid: number;
  parentGid: number;
  name: string | undefined;
  /** The worker that ran it, -1 when it never started; then ranFrom and ranTo mean nothing. */
  worker: number;
  submittedMs: number;
  ranFrom: number;
  ranTo: number;
}

/** What a worker reports of one nested task it traced. */
export interface RelayedSpan extends TaskRun {
  /** The runtime that ran it (one created inside a task reports through the worker it lives on). */
  runtime: string;
  /**
   * The worker that reports the parent task's span (a reporterId), when that task was started in
   * a worker too (its span is made from its own report); -1 otherwise.
   */
  parentReporter: number;
  traceId: string;
  /** The nearest span made on the main thread: the parent when parentReporter is -1, else the fallback. */
  parentSpanId: string;
  settledMs: number;
  outcome: string;
  error?: { name: string; message: string; stack?: string };
}

/** Workers a runtime can have at most (createRuntime's maxWorkers). */
const WORKER_IDS = 1024;

/**
 * Names one life of a worker: its pool index and its generation (a replacement has the next), so
 * the main thread can tell a dead worker's reports from its replacement's.
 */
export function reporterId(worker: number, generation: number): number {
  return generation * WORKER_IDS + worker;
}

/**
 * The reporter of a task submitted by its runtime's own thread, when that thread relays (a runtime
 * created inside a task, on a worker of another): never a dead worker's life.
 */
export const OWNER_REPORTER = Number.MAX_SAFE_INTEGER;

/**
 * Handles made before their task (a group member's) whose parent task's span is relayed: the
 * worker that reports it, recorded when the handle was made, since by the time the task starts
 * nothing on the stack knows it.
 */
const parentReporters = new WeakMap<object, number>();

export function setParentReporter(handle: object, reporter: number): void {
  if (reporter >= 0) parentReporters.set(handle, reporter);
}

/** The worker reporting the span of the task `lineage` (a deferred handle) was made in, or -1. */
export function parentReporterOf(lineage: object): number {
  return parentReporters.get(lineage) ?? -1;
}

/** Reports held before a batch goes at once, without waiting for the thread to pause. */
const MAX_BATCH = 256;

let sink: ((spans: RelayedSpan[]) => void) | undefined;
let header: Int32Array | undefined;
let batch: RelayedSpan[] = [];
let flushQueued = false;

/** Worker, at boot: where reports go, and the runtime's header, which says whether to make them. */
export function setSpanSink(send: (spans: RelayedSpan[]) => void, i32: Int32Array): void {
  sink = send;
  header = i32;
}

/** Whether this thread should report its nested tasks: it is a worker, and its main thread makes spans. */
export function relayingSpans(): boolean {
  return header !== undefined && Atomics.load(header, Header.RELAY_SPANS) === 1;
}

export function relaySpan(span: RelayedSpan): void {
  batch.push(span);
  if (batch.length >= MAX_BATCH) flushSpans();
  else if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushSpans);
  }
}

/** Sends what is held now; the worker also calls it before it parks, when no microtask would run. */
export function flushSpans(): void {
  flushQueued = false;
  if (batch.length === 0 || !sink) return;
  const spans = batch;
  batch = [];
  sink(spans);
}
