import { submit } from './default-runtime.js';
import { type Task } from './task.js';
import { type TaskFn } from './task-ref.js';

/**
 * Runs `fn(...args)` on a worker thread, like Go's `go` statement, and returns a Task handle at
 * once. `fn` is an inline function (it may not read variables from its surrounding scope: pass
 * them as arguments) or a module export named with `tasks(url)`. Arguments and the result cross
 * threads by structured clone; SharedArrayBuffers are shared and `transfer()` moves buffers.
 *
 * Throws synchronously, accepting nothing, for a non-function, a captured variable
 * (TaskCaptureError), an argument that cannot be cloned (SerializationError), a full `maxQueue`
 * (QueueFullError) or a closed runtime (RuntimeClosedError). Inside a task it starts a nested
 * task on the same runtime, with the caller as its parent.
 */
export function go<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return submit<R>(fn, args);
}
