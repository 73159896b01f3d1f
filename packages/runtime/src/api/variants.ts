import { routineLogger, type Result, type Submitter, type Task } from '@routine/core';

export function recoverOn<R>(on: Submitter, fn: unknown, args: unknown[]): Promise<Result<R>> {
  try {
    return on.submit<R>(fn, args).result();
  } catch (error) {
    return Promise.resolve({ ok: false, error: error as Error });
  }
}

export function cleanupOn<R>(on: Submitter, fn: unknown, cleanup: () => void, args: unknown[]): Task<R> {
  const task = on.submit<R>(fn, args);
  task.onSettled(() => {
    try {
      cleanup();
    } catch (error) {
      routineLogger().error({ err: error, gid: task.gid }, 'routine: a goWithCleanup cleanup threw');
    }
  });
  return task;
}
