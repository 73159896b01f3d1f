/**
 * Reporting failures nobody observed. A failure counts as unobserved only if nobody has looked by
 * the next macrotask: a completion can be drained before the microtask in which `await task`
 * calls `then`, as with Node's own unhandled-rejection check.
 */
import type { TaskHandle } from './task-handle.js';

export class UnobservedReporter {
  readonly #report: (error: Error, task: TaskHandle<unknown>) => void;
  #suspects: { task: TaskHandle<unknown>; error: Error }[] = [];

  constructor(report: (error: Error, task: TaskHandle<unknown>) => void) {
    this.#report = report;
  }

  suspect(task: TaskHandle<unknown>, error: Error): void {
    if (this.#suspects.length === 0) setImmediate(() => this.#check());
    this.#suspects.push({ task, error });
  }

  #check(): void {
    const suspects = this.#suspects;
    this.#suspects = [];
    for (const { task, error } of suspects) if (!task.observed) this.#report(error, task);
  }
}
