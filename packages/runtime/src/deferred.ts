/**
 * Starting the task behind a handle that was handed out before it (a group member beyond the
 * limit, a pool.submitWait call waiting for room): submit under the handle's reserved gid, let
 * the handle's cancel reach the task, and pass the outcome on.
 */
import { type Submitter } from './default-runtime.js';
import { type TaskHandle } from './task.js';

export function startDeferred(
  on: Submitter,
  handle: TaskHandle<unknown>,
  fn: unknown,
  args: unknown[],
  finish: (ok: boolean, outcome: unknown) => void,
): void {
  let task: TaskHandle<unknown>;
  try {
    task = on.submit(fn, args, { gid: handle.gid });
  } catch (error) {
    finish(false, error); // refused (closed runtime, uncloneable argument): the handle fails with it
    return;
  }
  handle.delegate = task;
  void task.result().then((result) => finish(result.ok, result.ok ? result.value : result.error));
}
