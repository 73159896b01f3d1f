import { here, type Submitter } from '../dispatch/default-runtime.js';
import { InvalidArgumentError } from '@routine/core';
import { type Result } from '@routine/core';
import { type Task } from '@routine/core';
import { type TaskFn } from '@routine/core';

/** Starts `count` tasks, `fn(0)` to `fn(count - 1)`, and returns their handles in order. */
export function spawnMany<R>(count: number, fn: TaskFn<[id: number], R>): Task<R>[] {
  return spawnManyOn(here(), count, fn);
}

export function spawnManyOn<R>(on: Submitter, count: number, fn: unknown): Task<R>[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`spawnMany() needs a whole number of tasks >= 0, got ${String(count)}`);
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
  return new Promise((resolve) => setTimeout(resolve, ms));
}
