import { here, type Submitter } from '../dispatch/default-runtime.js';
import { logger } from '@routine/core';
import { type Task } from '@routine/core';
import { type TaskFn } from '@routine/core';

export type FatalHandler = (error: Error, gid: number) => void;

let onFatal: FatalHandler = () => process.exit(1);

/** What `goMust` does after logging a failure at fatal; the default exits the process. */
export function setFatalHandler(handler: FatalHandler): void {
  onFatal = handler;
}

/**
 * `go` for work the program cannot go on without: if the task fails (error, panic, timeout) it is
 * logged at fatal level and the fatal handler runs (default `process.exit(1)`).
 */
export function goMust<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return mustOn(here(), fn, args);
}

export function mustOn<R>(on: Submitter, fn: unknown, args: unknown[]): Task<R> {
  const task = on.submit<R>(fn, args);
  void task.result().then((result) => {
    if (result.ok) return;
    logger().fatal({ err: result.error, gid: task.gid }, 'routine: a goMust task failed');
    onFatal(result.error, task.gid);
  });
  return task;
}
