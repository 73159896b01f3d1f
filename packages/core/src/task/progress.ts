/**
 * Task progress, as BullMQ jobs report it: inside a task `current().progress(value)`; on the
 * thread that holds its handle, `task.onProgress(listener)` or `for await (const p of task.progress())`.
 *
 * A value goes from the worker to the main thread as one message on the worker's parcel port
 * (control-plane.ts), not through shared memory: progress is rare next to tasks, and any cloneable
 * value will do. So it is one postMessage per call: report per record or per percent, not per
 * loop turn. Values reported before anyone listened are not kept. Only the main thread hears
 * progress: a nested task's progress does not reach the worker that started it.
 *
 * Progress and the result take different ways, so the main thread may see the result a moment
 * before the last values: an iterator ends shortly after its task settles, not at once, to let
 * them in (PROGRESS_TAIL_MS).
 */
import { InvalidArgumentError, SerializationError } from './errors.js';

export type ProgressListener = (value: unknown) => void;

interface Progressing {
  readonly gid: number;
  readonly settled: boolean;
  onSettled(listener: () => void): void;
}

/** How long after its task settles an iterator still takes values in. */
const PROGRESS_TAIL_MS = 20;

let sink: ((gid: number, value: unknown) => void) | undefined;
const listeners = new Map<number, Set<ProgressListener>>();

/** Worker: where progress goes (the main thread, by port). */
export function setProgressSink(send: (gid: number, value: unknown) => void): void {
  sink = send;
}

/** Inside task `gid`: reports `value` to whoever listens on its handle. */
export function reportProgress(gid: number, value: unknown): void {
  if (gid === 0 || !sink) {
    throw new InvalidArgumentError('current().progress() reports the progress of a task: call it inside a task function');
  }
  try {
    sink(gid, value);
  } catch (error) {
    throw new SerializationError(`progress value cannot be sent to the main thread: ${(error as Error).message}. Report plain data`, { cause: error });
  }
}

/** Main thread: a progress value arrived for task `gid`. */
export function deliverProgress(gid: number, value: unknown): void {
  const set = listeners.get(gid);
  if (!set) return;
  for (const listener of [...set]) listener(value);
}

/** Calls `listener` with each progress value of `task` until it settles; returns the remover. */
export function listenProgress(task: Progressing, listener: ProgressListener): () => void {
  if (typeof listener !== 'function') throw new InvalidArgumentError('task.onProgress() takes a function');
  const remove = (): void => {
    const set = listeners.get(task.gid);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) listeners.delete(task.gid);
  };
  if (task.settled) return remove;
  let set = listeners.get(task.gid);
  if (!set) listeners.set(task.gid, (set = new Set()));
  set.add(listener);
  task.onSettled(() => setTimeout(remove, PROGRESS_TAIL_MS).unref());
  return remove;
}

/** The progress values of `task` as they come, ending once it has settled. */
export function progressOf(task: Progressing): AsyncIterableIterator<unknown> {
  const values: unknown[] = [];
  let wake: (() => void) | undefined;
  let ended = task.settled;
  const remove = listenProgress(task, (value) => {
    values.push(value);
    wake?.();
  });
  if (!ended) {
    task.onSettled(() =>
      setTimeout(() => {
        ended = true;
        remove();
        wake?.();
      }, PROGRESS_TAIL_MS).unref(),
    );
  }
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      while (values.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (values.length > 0) return { done: false, value: values.shift() };
      return { done: true, value: undefined };
    },
    async return() {
      ended = true;
      remove();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
