/**
 * Task progress, as BullMQ jobs report it: inside a task `current().progress(value)`; on the
 * thread that holds its handle, `task.onProgress(listener)` or `for await (const p of task.progress())`.
 *
 * A value goes from the worker to the main thread as one message on the worker's parcel port
 * (control-plane.ts), not through shared memory: progress is rare next to tasks, and any cloneable
 * value will do. So it is one postMessage per call: report per record or per percent, not per
 * loop turn. A nested task's values go on from the main thread to the worker that started it.
 *
 * The handle keeps the values nobody has listened to yet (the latest MAX_BACKLOG of them) and
 * gives them to the first listener or iterator, even one that comes after the task settled.
 * Progress and the result take different ways, so the result may arrive before the last values:
 * the completion says how many values the task sent, and the task's state stays here (`states`)
 * until they all came; an iterator ends right after the last one.
 */
import { isMainThread } from 'node:worker_threads';
import { InvalidArgumentError, SerializationError } from './errors.js';

export type ProgressListener = (value: unknown) => void;

/** Values kept for a listener to come; older ones are dropped. */
const MAX_BACKLOG = 1024;

/** A task's progress, shared by the handles of one gid (a group member's and its task's). */
export class ProgressState {
  readonly listeners = new Set<ProgressListener>();
  /** Values that arrived while nobody listened. */
  backlog: unknown[] = [];
  received = 0;
  /** How many values the task sent, once it settled; -1 before. */
  expected = -1;
  /** No more values will come: the task settled and every value it sent has arrived. */
  ended = false;
  /** Called once, when it ends (iterators waiting for a value). */
  readonly onEnd = new Set<() => void>();
}

/** The part of a TaskHandle progress needs. */
export interface Progressing {
  readonly gid: number;
  readonly settled: boolean;
  /** A handle made before its task (a group member): that task's handle, once started. */
  readonly delegate: object | undefined;
}

/** The task a progress value comes from, as a worker knows it (its claim entry's words). */
export interface ProgressSource {
  readonly gid: number;
  /** The submitter's ticket and inbox: where its handle is. */
  readonly ticket: number;
  readonly reply: number;
  /** Values sent so far; its completion carries the count. */
  progressSent: number;
}

let sink: ((gid: number, ticket: number, reply: number, value: unknown) => void) | undefined;

/** The progress of tasks that may still receive values, by gid: from the first value or listener until it ends. */
const states = new Map<number, ProgressState>();
/** Each handle's progress, kept after it ended for a listener that comes late (no field on every handle). */
const held = new WeakMap<object, ProgressState>();

function open(task: Progressing): ProgressState {
  const state = new ProgressState();
  states.set(task.gid, state);
  held.set(task, state);
  return state;
}

/** Worker: where progress goes (the main thread, by port). */
export function setProgressSink(send: (gid: number, ticket: number, reply: number, value: unknown) => void): void {
  sink = send;
}

/** Inside a task: reports `value` to whoever listens on its handle. */
export function reportProgress(task: ProgressSource | undefined, value: unknown): void {
  if (!task || !sink) {
    throw new InvalidArgumentError('current().progress() reports the progress of a task: call it inside a task function');
  }
  try {
    sink(task.gid, task.ticket, task.reply, value);
  } catch (error) {
    const reason = String((error as Error).message).replace(/\.+$/, '');
    throw new SerializationError(`progress value cannot be sent to the main thread: ${reason}. Report plain data (numbers, strings, plain objects and arrays)`, { cause: error });
  }
  task.progressSent++;
}

/**
 * A value arrived for task `gid`. `pending` is the handle its ticket names on this thread, which
 * may belong to another task by now (checked by gid); a task that settled before its last values
 * came has its state here still.
 */
export function receiveProgress(pending: Progressing | undefined, gid: number, value: unknown): void {
  let state = states.get(gid);
  if (!state) {
    // Settled with nothing more awaited (cancelled, or timed out while it ran on): dropped.
    if (pending?.gid !== gid || pending.settled) return;
    state = open(pending);
  }
  state.received++;
  const last = state.expected >= 0 && state.received >= state.expected;
  try {
    if (state.listeners.size > 0) for (const listener of [...state.listeners]) listener(value);
    else {
      state.backlog.push(value);
      if (state.backlog.length > MAX_BACKLOG) state.backlog.shift();
    }
  } finally {
    if (last) end(gid, state); // even past a listener that threw: the iterators must still end
  }
}

/** Its completion says task `task` sent `sent` values (more than none): progress ends once they all came. */
export function expectProgress(task: Progressing, sent: number): void {
  (states.get(task.gid) ?? open(task)).expected = sent;
}

/**
 * `task` has settled: its progress ends now, or once the values its completion counted have come
 * (expectProgress). With no count (it never reported, or it was settled here, cancelled or timed
 * out, before its worker replied) nothing more is awaited. A handle whose task started behind it
 * (a group member) leaves this to that task's handle.
 */
export function progressSettled(task: Progressing): void {
  if (states.size === 0 || task.delegate !== undefined) return;
  const state = states.get(task.gid);
  if (!state) return;
  if (state.expected < 0) state.expected = state.received;
  if (state.received >= state.expected) end(task.gid, state);
  else owe(task.gid);
}

/**
 * Settled tasks whose last values are still on their way, by gid, and when they settled. Their
 * ports do not keep the process alive (nothing of a runtime's does while no task is pending), so
 * this does, until the values come: a loop over `task.progress()` must not have the process exit
 * under it. Values that never come (OWED_MS; they cannot, short of a bug) are given up.
 */
const owed = new Map<number, number>();
const OWED_MS = 30_000;
let keepAlive: NodeJS.Timeout | undefined;

function owe(gid: number): void {
  owed.set(gid, performance.now());
  keepAlive ??= setInterval(() => {
    const before = performance.now() - OWED_MS;
    for (const [gid, since] of owed) if (since < before) end(gid, states.get(gid)!);
  }, 1000);
  // A worker is kept alive by its loop while it runs, and must be free to exit when it stops.
  if (!isMainThread) keepAlive.unref();
}

function end(gid: number, state: ProgressState): void {
  states.delete(gid);
  if (owed.delete(gid) && owed.size === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
  state.ended = true;
  state.listeners.clear();
  for (const wake of state.onEnd) wake();
  state.onEnd.clear();
}

/**
 * The progress of `task`, found or made: a settled task with none has nothing more to come. A
 * handle made before its task (a group member, one held in a runtime's line: possibly both, one
 * behind the other) shares its task's.
 */
function stateOf(task: Progressing): ProgressState {
  let state = held.get(task);
  let innermost = task;
  while (!state && innermost.delegate !== undefined) {
    innermost = innermost.delegate as Progressing;
    state = held.get(innermost);
  }
  state ??= states.get(task.gid);
  if (!state) {
    // A handle whose task has settled, values and all, is as good as settled itself.
    if (!innermost.settled) return open(task);
    state = new ProgressState();
    state.ended = true;
  }
  held.set(task, state);
  return state;
}

/** Calls `listener` with each progress value of `task` until it ends; returns the remover. */
export function listenProgress(task: Progressing, listener: ProgressListener): () => void {
  if (typeof listener !== 'function') throw new InvalidArgumentError('task.onProgress() takes a function');
  const state = stateOf(task);
  const kept = state.backlog;
  state.backlog = [];
  if (!state.ended) state.listeners.add(listener);
  for (const value of kept) listener(value);
  return () => void state.listeners.delete(listener);
}

/** The progress values of `task` as they come, ending once it has settled and its last value came. */
export function progressOf(task: Progressing): AsyncIterableIterator<unknown> {
  const values: unknown[] = [];
  let wake: (() => void) | undefined;
  const state = stateOf(task);
  const onEnd = (): void => wake?.();
  state.onEnd.add(onEnd);
  const remove = listenProgress(task, (value) => {
    values.push(value);
    wake?.();
  });
  let done = false;
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      while (values.length === 0 && !state.ended && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (values.length > 0) return { done: false, value: values.shift() };
      return { done: true, value: undefined };
    },
    async return() {
      done = true;
      remove();
      state.onEnd.delete(onEnd);
      wake?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
