/**
 * task/: what a running task sees and what names one: this file (current(), gid-local storage),
 * hooks.ts, trace.ts and trace-id.ts, handlers.ts, errors.ts, task-ref.ts (tasks(url)), capture.ts
 * (the check that an inline function captures nothing), routine-logger.ts.
 *
 * Which task is running on this thread, for `current()`, nested `go` (parent gid, trace) and
 * gid-local storage.
 *
 * A synchronous task is tracked with a plain variable, set around the call: no cost beyond two
 * stores. An async task function also runs inside an AsyncLocalStorage scope, so `current()` is
 * still right after an `await`, when other tasks of the same worker have run in between. The
 * plain variable wins while it is set: it is only set during a task's synchronous part.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { ambientTrace } from './trace.js';
import { reportProgress } from './progress.js';
import type { Trace } from './trace-id.js';

export interface TaskContext {
  readonly gid: number;
  readonly parentGid: number;
  readonly trace: Trace;
  readonly name?: string;
  /** The worker (a reporterId) whose report the main thread makes this task's span from (task/span-relay.ts); -1 for none. */
  readonly spanReporter: number;
  /** Its submitter's ticket and inbox (where its handle is), and the progress values it sent (progress.ts). */
  readonly ticket: number;
  readonly reply: number;
  progressSent: number;
  /** Created on first use of `current().signal`. */
  controller?: AbortController;
  cache?: Map<unknown, unknown>;
  /** Created on first use of logger() in the task. */
  logger?: Logger;
}

export interface Current {
  gid: number;
  parentGid: number;
  /** 32 hex digits; '' on the main thread outside any trace. */
  traceId: string;
  /** W3C traceparent of the span this task was started from; '' outside any trace. */
  traceparent: string;
  signal: AbortSignal;
  name?: string;
  /** Reports progress to whoever listens on this task's handle (task.onProgress, task.progress()); see progress.ts. */
  progress(value: unknown): void;
}

let syncContext: TaskContext | undefined;
let asyncContext: AsyncLocalStorage<TaskContext> | undefined;

export function currentContext(): TaskContext | undefined {
  return syncContext ?? asyncContext?.getStore();
}

/** Runs `fn` as the body of the task `context`; `isAsync` asks for the async-safe scope. */
export function runAs<T>(context: TaskContext, isAsync: boolean, fn: () => T): T {
  const outer = syncContext;
  syncContext = context;
  try {
    if (!isAsync) return fn();
    asyncContext ??= new AsyncLocalStorage();
    return asyncContext.run(context, fn);
  } finally {
    syncContext = outer;
  }
}

const neverAborted = new AbortController().signal;

/**
 * Describes the running task; on the main thread (outside any task) gid 0. The trace is the one a
 * task started here would carry: a withTrace scope or an active OpenTelemetry span wins over the
 * task's own.
 */
export function current(): Current {
  const context = currentContext();
  const trace = tracePassedOn(context);
  const traceId = trace?.id ?? '';
  const traceparent = trace?.traceparent ?? '';
  if (!context) return { gid: 0, parentGid: 0, traceId, traceparent, signal: neverAborted, progress: (value) => reportProgress(undefined, value) };
  context.controller ??= new AbortController();
  return {
    gid: context.gid,
    parentGid: context.parentGid,
    traceId,
    traceparent,
    signal: context.controller.signal,
    progress: (value) => reportProgress(context, value),
    ...(context.name === undefined ? {} : { name: context.name }),
  };
}

/** The trace a task started here inherits; undefined means it roots a trace of its own. */
export function tracePassedOn(context = currentContext()): Trace | undefined {
  return ambientTrace() ?? context?.trace;
}

/**
 * The worker that reports the span of the parent of a task started here, or -1 when that span is
 * not made from a report: the task running here has its span relayed, and no withTrace scope or
 * OpenTelemetry span stands in between.
 */
export function parentSpanReporter(context = currentContext()): number {
  return context === undefined || ambientTrace() !== undefined ? -1 : context.spanReporter;
}

/** `current().gid`; 0 on the main thread. */
export function getGoroutineId(): number {
  return currentContext()?.gid ?? 0;
}

/** gid-local storage for the thread outside any task (the main thread's own code). */
const outsideTasks = new Map<unknown, unknown>();

function cacheOf(): Map<unknown, unknown> {
  const context = currentContext();
  if (!context) return outsideTasks;
  context.cache ??= new Map();
  return context.cache;
}

/** A value stored by this task with setCache; each task has its own, gone when it ends. */
export function getCache<T = unknown>(key: unknown): T | undefined {
  return cacheOf().get(key) as T | undefined;
}

/** Stores a value for the rest of this task (goroutine-local storage). */
export function setCache(key: unknown, value: unknown): void {
  cacheOf().set(key, value);
}

/** Forgets everything this task stored with setCache. */
export function clearCache(): void {
  cacheOf().clear();
}
