/**
 * Before/after hooks, per thread. On the main thread they run around each task it starts:
 * `before` when it is accepted, `after` when it settles. On a worker (registered by a workerSetup
 * module) they run around each task that worker runs: `before` just before its function is
 * called, `after` when it returns or settles, both inside the task, so current() and the
 * gid-local cache are the task's. A hook that throws is logged and skipped; it never fails the
 * task or the other hooks.
 */
import type { Result } from './result.js';
import { routineLogger } from './routine-logger.js';

export type BeforeRoutine = (parentGid: number, gid: number) => void;
export type AfterRoutine = (gid: number, result: Result<unknown>) => void;

const before: BeforeRoutine[] = [];
const after: AfterRoutine[] = [];

export function addBeforeRoutine(hook: BeforeRoutine): () => void {
  before.push(hook);
  return () => removeBeforeRoutine(hook);
}

export function addAfterRoutine(hook: AfterRoutine): () => void {
  after.push(hook);
  return () => removeAfterRoutine(hook);
}

export function removeBeforeRoutine(hook: BeforeRoutine): void {
  remove(before, hook);
}

export function removeAfterRoutine(hook: AfterRoutine): void {
  remove(after, hook);
}

export function hasBeforeHooks(): boolean {
  return before.length > 0;
}

export function hasAfterHooks(): boolean {
  return after.length > 0;
}

export function runBefore(parentGid: number, gid: number): void {
  for (let i = 0; i < before.length; i++) {
    try {
      before[i](parentGid, gid);
    } catch (error) {
      routineLogger().error({ err: error, gid }, 'routine: a before-routine hook threw; continuing');
    }
  }
}

export function runAfter(gid: number, result: Result<unknown>): void {
  for (let i = 0; i < after.length; i++) {
    try {
      after[i](gid, result);
    } catch (error) {
      routineLogger().error({ err: error, gid }, 'routine: an after-routine hook threw; continuing');
    }
  }
}

function remove<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}
