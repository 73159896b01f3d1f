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

/**
 * `onProgress` hears what the attempt under way reports with current().progress(): an earlier
 * attempt's late values are not passed on, and a new attempt starts again from 0.
 */
export async function attempt(
  runtime: MapRuntime,
  fn: TaskFn<[record: unknown]>,
  record: unknown,
  options: AttemptOptions,
  onProgress: (value: unknown) => void,
): Promise<Attempted> {
  const { timeoutMs, retries } = options;
  let current = 0;
  for (let tries = 1; ; tries++) {
    if (tries > 1) onProgress(0);
    const task = timeoutMs === undefined ? runtime.go(fn, record) : runtime.timeout(timeoutMs, fn, record);
    const attempt = ++current;
    task.onProgress((value) => attempt === current && onProgress(value));
    const result = await task.result();
    if (result.ok) return result;
    if (tries > retries) {
      // The runtime's own wording names the task by its internal id, which means nothing here.
      const message = timeoutMs !== undefined && result.error instanceof TimeoutError ? `TimeoutError: took longer than --timeout ${timeoutMs} ms` : describe(result.error);
      return { ok: false, message: tries > 1 ? `${message} (after ${tries} attempts)` : message };
    }
  }
}
