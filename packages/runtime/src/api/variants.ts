import { here, type Submitter } from '../dispatch/default-runtime.js';
import { logger } from '@routine/core';
import { type Result } from '@routine/core';
import { type Task } from '@routine/core';
import { type TaskFn } from '@routine/core';

/**
 * `go` that never rejects: the outcome as a Result, whether the task returned, threw, its worker
 * died under it (WorkerCrashError), or the call itself was refused (a capture, an uncloneable
 * argument, a closed runtime).
 */
export function goWithRecover<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Promise<Result<R>> {
  return recoverOn(here(), fn, args);
}

export function recoverOn<R>(on: Submitter, fn: unknown, args: unknown[]): Promise<Result<R>> {
  try {
    return on.submit<R>(fn, args).result();
  } catch (error) {
    return Promise.resolve({ ok: false, error: error as Error });
  }
}

/**
 * `go`, then `cleanup()` on this thread once the task settles, whatever the outcome (like a Go
 * `defer` around the goroutine). Cleanup does not count as observing the task: a failure nobody
 * awaits is still reported. A cleanup that throws is logged.
 */
export function goWithCleanup<A extends unknown[], R>(fn: TaskFn<A, R>, cleanup: () => void, ...args: A): Task<R> {
  return cleanupOn(here(), fn, cleanup, args);
}

export function cleanupOn<R>(on: Submitter, fn: unknown, cleanup: () => void, args: unknown[]): Task<R> {
  const task = on.submit<R>(fn, args);
  task.onSettled(() => {
    try {
      cleanup();
    } catch (error) {
      logger().error({ err: error, gid: task.gid }, 'routine: a goWithCleanup cleanup threw');
    }
  });
  return task;
}
