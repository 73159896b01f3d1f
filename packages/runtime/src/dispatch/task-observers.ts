/**
 * What one runtime tells about the tasks it starts, beside the process-wide hooks (core's
 * hooks.ts): its own before/after hooks. They run on the main thread, `before` once a task is
 * accepted and `after` once it settles, and cost nothing while none is registered: the runtime
 * checks `active` before handing a task here. A hook that throws is logged and skipped.
 */
import { InvalidArgumentError, type AfterRoutine, type BeforeRoutine, type TaskHandle, got, routineLogger } from '@routine/core';

export class TaskObservers {
  readonly #before: BeforeRoutine[] = [];
  readonly #after: AfterRoutine[] = [];

  get active(): boolean {
    return this.#before.length > 0 || this.#after.length > 0;
  }

  addBefore(hook: BeforeRoutine): () => void {
    this.#before.push(checkHook('addBeforeRoutine', hook));
    return () => remove(this.#before, hook);
  }

  addAfter(hook: AfterRoutine): () => void {
    this.#after.push(checkHook('addAfterRoutine', hook));
    return () => remove(this.#after, hook);
  }

  removeBefore(hook: BeforeRoutine): void {
    remove(this.#before, hook);
  }

  removeAfter(hook: AfterRoutine): void {
    remove(this.#after, hook);
  }

  /** A task this runtime accepted: before hooks now, after hooks once it settles. */
  observe(task: TaskHandle<unknown>): void {
    for (const hook of [...this.#before]) safely(task.gid, 'before', () => hook(task.parentGid, task.gid));
    if (this.#after.length === 0) return;
    task.onSettled(() => {
      const result = task.peek()!;
      for (const hook of [...this.#after]) safely(task.gid, 'after', () => hook(task.gid, result));
    });
  }
}

function checkHook<T>(name: string, hook: T): T {
  if (typeof hook !== 'function') throw new InvalidArgumentError(`runtime.${name}() takes a function, ${got(hook)}`);
  return hook;
}

function safely(gid: number, kind: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    routineLogger().error({ err: error, gid }, `routine: a runtime's ${kind}-routine hook threw; continuing`);
  }
}

function remove<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}
