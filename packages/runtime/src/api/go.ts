import { here, submit, type Submitter } from '../dispatch/default-runtime.js';
import { InvalidArgumentError } from '@routine/core';
import { type Task } from '@routine/core';
import { type TaskFn } from '@routine/core';
import { checkTimeout } from './timeout.js';

/** Options for `go.with`. */
export interface GoOptions {
  /** Aborting it cancels the task: a queued one never runs, a running one sees current().signal abort. */
  signal?: AbortSignal;
  /** As `timeout(ms, ...)`. */
  timeoutMs?: number;
  /** Shows as current().name inside the task. */
  name?: string;
}

function goFn<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return submit<R>(fn, args);
}

/** `go` with options: `go.with({ signal, timeoutMs, name })(fn, ...args)`. */
function goWith(options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
  return withOptionsOn(here, options);
}

/** `go.with` on a given runtime (`on` is asked at each call, so it may change). */
export function withOptionsOn(on: () => Submitter, options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`go.with() takes an options object ({ signal, timeoutMs, name }), got ${String(options)}`);
  }
  const { signal, name } = options;
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkTimeout(options.timeoutMs);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('go.with({ signal }) needs an AbortSignal, e.g. new AbortController().signal');
  }
  return <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> => on().submit<R>(fn, args, { timeoutMs, name, signal });
}

/**
 * Runs `fn(...args)` on a worker thread, like Go's `go` statement, and returns a Task handle at
 * once. `fn` is an inline function (it may not read variables from its surrounding scope: pass
 * them as arguments) or a module export named with `tasks(url)`. Arguments and the result cross
 * threads by structured clone; SharedArrayBuffers are shared and `transfer()` moves buffers.
 *
 * Throws synchronously, accepting nothing, for a non-function, a captured variable
 * (TaskCaptureError), an argument that cannot be cloned (SerializationError), a full `maxQueue`
 * (QueueFullError) or a closed runtime (RuntimeClosedError). Inside a task it starts a nested
 * task on the same runtime, with the caller as its parent.
 */
export const go: typeof goFn & { with: typeof goWith } = Object.assign(goFn, { with: goWith });
