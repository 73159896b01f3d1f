/**
 * Reporting failures nobody observed. A failed task nobody has looked at yet may still be
 * awaited: `const t = go(f); await other; await t`, or handles awaited one by one in a loop while
 * a later one has already failed. So a failure is reported only once nobody can observe it any
 * more: when its handle is garbage collected unobserved, or when the reporter is flushed (the
 * runtime closes, the main thread's event loop runs dry before exit, a worker has no task left
 * that could observe it and parks).
 */
import { isMainThread } from 'node:worker_threads';
import { traceIdOfTask } from '../task/trace-id.js';
import type { TaskHandle } from './task-handle.js';

export type UnobservedReport = (error: Error, gid: number, traceId: string) => void;

/** What is reported about a failed task; it holds no reference to the handle, which may go. */
export interface Suspect {
  readonly error: Error;
  readonly gid: number;
  readonly traceId: string;
  readonly reporter: UnobservedReporter;
}

const collected = new FinalizationRegistry<Suspect>((suspect) => suspect.reporter.report(suspect));
/** Reporters with failures not yet reported, flushed when the main thread is about to exit. */
const waiting = new Set<UnobservedReporter>();
let exitHooked = false;

export class UnobservedReporter {
  readonly #report: UnobservedReport;
  readonly #pending = new Set<Suspect>();

  constructor(report: UnobservedReport) {
    this.#report = report;
  }

  /** `task` failed and nobody has observed it yet. */
  suspect(task: TaskHandle<unknown>, error: Error): void {
    const suspect: Suspect = { error, gid: task.gid, traceId: traceIdOfTask(task), reporter: this };
    this.#pending.add(suspect);
    collected.register(task, suspect, suspect);
    task.suspect = suspect;
    waiting.add(this);
    if (isMainThread && !exitHooked) {
      exitHooked = true;
      process.on('beforeExit', flushAll);
    }
  }

  /** Reports `suspect` unless it was reported or cleared already. */
  report(suspect: Suspect): void {
    if (!this.#pending.delete(suspect)) return;
    collected.unregister(suspect);
    if (this.#pending.size === 0) waiting.delete(this);
    this.#report(suspect.error, suspect.gid, suspect.traceId);
  }

  /** Reports every failure still unobserved: nobody will look at them now. */
  flush(): void {
    if (this.#pending.size === 0) return;
    for (const suspect of [...this.#pending]) this.report(suspect);
  }

  /** The task was observed after all. */
  clear(suspect: Suspect): void {
    this.#pending.delete(suspect);
    collected.unregister(suspect);
    if (this.#pending.size === 0) waiting.delete(this);
  }
}

function flushAll(): void {
  for (const reporter of [...waiting]) reporter.flush();
}
