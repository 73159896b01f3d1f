/**
 * Which task is running on this thread, for `current()`, nested `go` (parent gid, trace) and
 * gid-local storage.
 *
 * A synchronous task is tracked with a plain variable, set around the call: no cost beyond two
 * stores. An async task function also runs inside an AsyncLocalStorage scope, so `current()` is
 * still right after an `await`, when other tasks of the same worker have run in between. The
 * plain variable wins while it is set: it is only set during a task's synchronous part.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { gidCounter, ProcessWord } from './gid.js';

export interface TaskContext {
  readonly gid: number;
  readonly parentGid: number;
  /** gid of the task that started this trace (see traceIdOf). */
  readonly traceRoot: number;
  readonly name?: string;
  /** Created on first use of `current().signal`. */
  controller?: AbortController;
  cache?: Map<unknown, unknown>;
}

export interface Current {
  gid: number;
  parentGid: number;
  traceId: string;
  signal: AbortSignal;
  name?: string;
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

/** Describes the running task; on the main thread (outside any task) gid 0 with no trace. */
export function current(): Current {
  const context = currentContext();
  if (!context) return { gid: 0, parentGid: 0, traceId: '', signal: neverAborted };
  context.controller ??= new AbortController();
  return {
    gid: context.gid,
    parentGid: context.parentGid,
    traceId: traceIdOf(context.traceRoot),
    signal: context.controller.signal,
    ...(context.name === undefined ? {} : { name: context.name }),
  };
}

/** `current().gid`; 0 on the main thread. */
export function getGoroutineId(): number {
  return currentContext()?.gid ?? 0;
}

let traceSalt = '';

/**
 * A W3C-shaped (32 hex digit) trace id for the trace rooted at task `root`: the process's random
 * salt (shared by every thread), then the root gid. Unique per root task, made only when asked for.
 */
export function traceIdOf(root: number): string {
  if (traceSalt === '') {
    const words = gidCounter();
    traceSalt = hex8(words[ProcessWord.SALT_HI]) + hex8(words[ProcessWord.SALT_LO]);
  }
  return traceSalt + Math.floor(root).toString(16).padStart(16, '0');
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
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
