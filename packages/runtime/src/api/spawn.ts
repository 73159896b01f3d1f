import { delay, InvalidArgumentError, type Result, type Submitter, type Task, got } from '@routine/core';
import { checkTimeout } from './timeout.js';

export function spawnManyOn<R>(on: Submitter, count: number, fn: unknown): Task<R>[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`spawnMany() needs a whole number of tasks >= 0, ${got(count)}`);
  }
  const started: Task<R>[] = [];
  for (let id = 0; id < count; id++) started.push(on.submit<R>(fn, [id]));
  return started;
}

/** Waits for every task and gives each outcome, in order; never rejects. */
export function awaitAll<R>(tasks: readonly Task<R>[]): Promise<Result<R>[]> {
  return Promise.all(tasks.map((task) => task.result()));
}

/** Resolves after `ms` milliseconds, on any thread. */
export function sleep(ms: number): Promise<void> {
  checkTimeout(ms);
  return new Promise((resolve) => delay(ms, resolve));
}
