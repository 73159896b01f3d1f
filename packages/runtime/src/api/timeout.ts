import { submit } from '../dispatch/default-runtime.js';
import { InvalidArgumentError } from '@routine/core';
import { type Task } from '@routine/core';
import { type TaskFn } from '@routine/core';

/**
 * `go` with a deadline: the task rejects with TimeoutError `ms` after it was started. A task still
 * queued then never runs. A task still running is stopped for real, even in a synchronous endless
 * loop: its worker is terminated at a safe point and replaced; the tasks it had claimed but not
 * started run elsewhere, and async tasks that were running beside it fail with WorkerCrashError.
 */
export function timeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
  return submit<R>(fn, args, { timeoutMs: checkTimeout(ms) });
}

/** Go's name for `timeout`. */
export const goWithTimeout = timeout;

export function checkTimeout(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(`a timeout must be a finite number of milliseconds >= 0, got ${String(ms)}`);
  }
  return ms;
}
