import { InvalidArgumentError, type RateLimiter, type Submitter, type Task, type TaskFn, got } from '@routine/core';
import { checkLimiter, limitedOn } from './limited.js';
import { checkTimeout } from './timeout.js';

/** Options for `go.with`. */
export interface GoOptions {
  /** Aborting it cancels the task: a queued one never runs, a running one sees current().signal abort. */
  signal?: AbortSignal;
  /** As `timeout(ms, ...)`. */
  timeoutMs?: number;
  /** Shows as current().name inside the task. */
  name?: string;
  /**
   * Higher goes first among the tasks waiting for room on the main thread's runtime (default 0;
   * see Runtime.pause and dispatch/gate.ts). Tasks already handed to the workers keep their place;
   * inside a task, nested tasks ignore it.
   */
  priority?: number;
  /** Starts the task only when this shared rate limiter gives it a token (see limited.ts). */
  limiter?: RateLimiter;
}

/** `go.with` on a given runtime (`on` is asked at each call, so it may change). */
export function withOptionsOn(on: () => Submitter, options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`go.with() takes an options object ({ signal, timeoutMs, name, priority }), ${got(options)}`);
  }
  const { signal, name, priority } = options;
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new InvalidArgumentError(`go.with({ priority }) needs a finite number (higher goes first, default 0), ${got(priority)}`);
  }
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkTimeout(options.timeoutMs);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('go.with({ signal }) needs an AbortSignal, e.g. new AbortController().signal');
  }
  const limiter = checkLimiter('go.with', options.limiter);
  return <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> => limitedOn(on(), limiter).submit<R>(fn, args, { timeoutMs, name, signal, priority });
}
