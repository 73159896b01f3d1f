/**
 * Starting the task behind a handle that was handed out before it (a group member beyond the
 * limit, a pool.submitWait call waiting for room): submit under the handle's reserved gid, let
 * the handle's cancel reach the task, and pass the outcome on.
 */
import { CancelledError, currentContext, parentReporterOf, parentSpanReporter, setParentReporter, type Submitter, type SubmitOptions, TaskHandle, tracePassedOn } from '@routine/core';

/**
 * A handle for a task that will start later, from some unrelated callback: it records now the
 * parent gid and trace the task must carry, since by then nothing on the stack knows them.
 * Cancelling it once its task has started cancels that task; before, `onGaveUp` gets a
 * CancelledError that says it never started `where`, and must settle the handle with it (its
 * line then skips it: see Admission).
 */
export function deferredHandle(
  on: Submitter,
  where: string,
  onGaveUp: (handle: TaskHandle<unknown>, error: CancelledError) => void,
  /** A gid reserved already and the lineage recorded with it, for a handle deferred once more. */
  reserved?: { gid: number; lineage: { parentGid: number; trace: TaskHandle<unknown>['trace'] } },
): TaskHandle<unknown> {
  const handle = new TaskHandle<unknown>(reserved?.gid ?? on.reserveGid(), (task, reason) => {
    if (task.delegate) {
      task.delegate.cancel(reason);
      return;
    }
    onGaveUp(task, new CancelledError(`task ${task.gid} was cancelled while waiting ${where}`, { cause: reason, gid: task.gid }));
  });
  if (reserved) {
    handle.parentGid = reserved.lineage.parentGid;
    handle.trace = reserved.lineage.trace;
    setParentReporter(handle, parentReporterOf(reserved.lineage));
    return handle;
  }
  const parent = currentContext();
  handle.parentGid = parent?.gid ?? 0;
  handle.trace = tracePassedOn(parent);
  setParentReporter(handle, parentSpanReporter(parent));
  return handle;
}

export function startDeferred(
  on: Submitter,
  handle: TaskHandle<unknown>,
  fn: unknown,
  args: unknown[],
  finish: (ok: boolean, outcome: unknown) => void,
  options?: SubmitOptions,
): void {
  let task: TaskHandle<unknown>;
  try {
    task = on.submit(fn, args, { ...options, gid: handle.gid, lineage: handle });
  } catch (error) {
    finish(false, error); // refused (closed runtime, uncloneable argument): the handle fails with it
    return;
  }
  handle.delegate = task;
  void task.result().then((result) => finish(result.ok, result.ok ? result.value : result.error));
}
