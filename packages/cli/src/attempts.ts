/**
 * One record's task, under `--timeout` and `--retries`: each attempt is a task of its own with its
 * own deadline (the runtime's goWithRetry has no per-attempt deadline), tried again at once after
 * a failure, a missed deadline included, until one succeeds or the retries run out.
 */
import { TimeoutError, type TaskFn } from '@routine/runtime';
import type { MapRuntime } from './cluster-map.js';
import { describe } from './describe.js';

export interface AttemptOptions {
  timeoutMs: number | undefined;
  retries: number;
}

export type Attempted = { ok: true; value: unknown } | { ok: false; message: string };

/** `onProgress` hears what each attempt reports with current().progress(). */
export async function attempt(
  runtime: MapRuntime,
  fn: TaskFn<[record: unknown]>,
  record: unknown,
  options: AttemptOptions,
  onProgress: (value: unknown) => void,
): Promise<Attempted> {
  const { timeoutMs, retries } = options;
  for (let tries = 1; ; tries++) {
    const task = timeoutMs === undefined ? runtime.go(fn, record) : runtime.timeout(timeoutMs, fn, record);
    task.onProgress(onProgress);
    const result = await task.result();
    if (result.ok) return result;
    if (tries > retries) {
      // The runtime's own wording names the task by its internal id, which means nothing here.
      const message = timeoutMs !== undefined && result.error instanceof TimeoutError ? `TimeoutError: took longer than --timeout ${timeoutMs} ms` : describe(result.error);
      return { ok: false, message: tries > 1 ? `${message} (after ${tries} attempts)` : message };
    }
  }
}
