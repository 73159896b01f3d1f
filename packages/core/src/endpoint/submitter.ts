/** What the Go-style helpers start tasks through: a Runtime, or a worker's own endpoint. */
import type { SubmitOptions } from './endpoint.js';
import type { TaskHandle } from './task-handle.js';

export interface Submitter {
  submit<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R>;
  /** A gid for a handle that must exist before its task is submitted (SubmitOptions.gid). */
  reserveGid(): number;
  /**
   * Worker threads that run what it submits, where it knows (map() sizes its chunks by them); a
   * submitter spread over other processes may not.
   */
  readonly workers?: number;
}
