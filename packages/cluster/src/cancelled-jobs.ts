/**
 * The job ids callers broadcast a cancel for, remembered for a while by every worker process. A
 * cancel can pass a job on its way to a worker (too late to remove from the queue, too early for
 * the worker to hold it); the worker that takes it then still knows not to run it.
 */
const REMEMBER_MS = 10 * 60_000;

export class CancelledJobs {
  /** Job id -> when its cancel arrived; in arrival order, so the oldest are pruned first. */
  readonly #ids = new Map<string, number>();

  add(jobId: string): void {
    const now = Date.now();
    this.#ids.set(jobId, now);
    for (const [id, at] of this.#ids) {
      if (now - at < REMEMBER_MS) break;
      this.#ids.delete(id);
    }
  }

  has(jobId: string | undefined): boolean {
    return jobId !== undefined && this.#ids.has(jobId);
  }
}
