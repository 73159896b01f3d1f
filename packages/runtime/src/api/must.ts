import { routineLogger, type Submitter, type Task } from '@routine/core';

/** Called with the error and gid of a failed `goMust` task; the default exits the process with code 1. */
export type FatalHandler = (error: Error, gid: number) => void;

let onFatal: FatalHandler = () => process.exit(1);

/** What `goMust` does after logging a failure at fatal; the default exits the process. */
export function setFatalHandler(handler: FatalHandler): void {
  onFatal = handler;
}

export function mustOn<R>(on: Submitter, fn: unknown, args: unknown[]): Task<R> {
  const task = on.submit<R>(fn, args);
  void task.result().then((result) => {
    if (result.ok) return;
    routineLogger().fatal({ err: result.error, gid: task.gid }, 'routine: a goMust task failed');
    onFatal(result.error, task.gid);
  });
  return task;
}
