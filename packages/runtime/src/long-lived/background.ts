/**
 * Background workers: long-lived functions, each on a thread of its own outside the pool, so a
 * loop that never ends cannot starve the tasks. Each one is a one-worker runtime running a
 * single task; `current().signal` inside it aborts when it is asked to stop.
 *
 *   startBackgroundWorker('metrics-flusher', work.flushLoop, { restart: 'on-failure', maxRestarts: 5 });
 *   await stopBackgroundWorker('metrics-flusher', { graceMs: 2000 });
 *
 * With `restart: 'on-failure'`, a run that throws, rejects or panics is started again after a
 * backoff that doubles from `backoffMs` (capped at `maxBackoffMs`), up to `maxRestarts` times;
 * then the worker is `failed`. A run that returns ends it (`stopped`). Tasks it starts with `go`
 * run on its own thread, beside it.
 */
import { CancelledError, clearDelay, delay, type Delay, InvalidArgumentError, routineLogger, type TaskFn, type TaskHandle, got } from '@routine/core';
import { createRuntime, type Runtime } from '../dispatch/runtime.js';
import { checkName, checkTaskFn } from '../api/task-fn-check.js';

/** Options of `startBackgroundWorker()`. */
export interface BackgroundWorkerOptions {
  /** 'never' (default): a failure leaves it `failed`. 'on-failure': start it again. */
  restart?: 'never' | 'on-failure';
  /** Restarts allowed before it is `failed`; default 10. */
  maxRestarts?: number;
  /** First restart delay, doubled each time; default 100 ms. */
  backoffMs?: number;
  /** Longest restart delay; default 30 s. */
  maxBackoffMs?: number;
  /** Module imported in its thread before it starts (as createRuntime's workerSetup). */
  workerSetup?: string | URL;
  /** Arguments for `fn` (cloned for each run, as for any task). */
  args?: unknown[];
}

/** What `getBackgroundWorkerStatus()` reports about a background worker. */
export interface BackgroundWorkerStatus {
  /** Whether it runs, was stopped, failed for good, or waits to restart. */
  state: 'running' | 'stopped' | 'failed' | 'restarting';
  /** Restarts after a failure so far. */
  restarts: number;
  /** The failure that caused the last restart, if any. */
  lastError?: Error;
  /** When the current (or last) run started. */
  startedAt?: Date;
}

interface Entry {
  fn: TaskFn<never[], unknown>;
  args: unknown[];
  restart: 'never' | 'on-failure';
  maxRestarts: number;
  backoffMs: number;
  maxBackoffMs: number;
  runtime: Runtime;
  status: BackgroundWorkerStatus;
  run?: TaskHandle<unknown>;
  timer?: Delay;
  /** Set once a stop was asked for: no more restarts. */
  stopping?: Promise<void>;
}

const workers = new Map<string, Entry>();

/** Starts `fn` on a thread of its own. A name still running (or restarting) is an error. */
export function startBackgroundWorker(name: string, fn: TaskFn<never[], unknown>, options: BackgroundWorkerOptions = {}): void {
  checkName(name, 'startBackgroundWorker()');
  checkTaskFn(fn, `startBackgroundWorker('${name}')`);
  const existing = workers.get(name);
  if (existing && (existing.status.state === 'running' || existing.status.state === 'restarting')) {
    throw new InvalidArgumentError(`a background worker named '${name}' is already ${existing.status.state}: stop it first, or pick another name`);
  }
  const restart = options.restart ?? 'never';
  if (restart !== 'never' && restart !== 'on-failure') {
    throw new InvalidArgumentError(`startBackgroundWorker(): restart must be 'never' or 'on-failure', ${got(restart)}`);
  }
  if (options.args !== undefined && !Array.isArray(options.args)) {
    throw new InvalidArgumentError(`startBackgroundWorker(): args must be an array, ${got(options.args)}`);
  }
  const entry: Entry = {
    fn,
    args: options.args ?? [],
    restart,
    maxRestarts: count(options.maxRestarts ?? 10, 'maxRestarts'),
    backoffMs: count(options.backoffMs ?? 100, 'backoffMs'),
    maxBackoffMs: count(options.maxBackoffMs ?? 30_000, 'maxBackoffMs'),
    runtime: createRuntime({ workers: 1, workerSetup: options.workerSetup }),
    status: { state: 'running', restarts: 0 },
  };
  workers.set(name, entry);
  launch(name, entry);
}

function count(value: number, what: string): number {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new InvalidArgumentError(`startBackgroundWorker(): ${what} must be a number >= 0, ${got(value)}`);
  }
  return value;
}

function launch(name: string, entry: Entry): void {
  entry.status = { ...entry.status, state: 'running', startedAt: new Date() };
  const run = entry.runtime.submit<unknown>(entry.fn, entry.args, { name: `background:${name}` });
  entry.run = run;
  void run.result().then((result) => {
    if (entry.run !== run) return;
    entry.run = undefined;
    if (entry.stopping) return; // stopBackgroundWorker settles the state
    if (result.ok) {
      entry.status = { ...entry.status, state: 'stopped' };
      void entry.runtime.close();
      return;
    }
    entry.status = { ...entry.status, lastError: result.error };
    if (entry.restart === 'on-failure' && entry.status.restarts < entry.maxRestarts) {
      const backoff = Math.min(entry.maxBackoffMs, entry.backoffMs * 2 ** entry.status.restarts);
      entry.status = { ...entry.status, state: 'restarting', restarts: entry.status.restarts + 1 };
      routineLogger().warn({ err: result.error, worker: name, restarts: entry.status.restarts, delayMs: backoff }, `routine: background worker '${name}' failed; restarting`);
      entry.timer = delay(backoff, () => {
        entry.timer = undefined;
        if (!entry.stopping) launch(name, entry);
      });
      return;
    }
    entry.status = { ...entry.status, state: 'failed' };
    routineLogger().error({ err: result.error, worker: name, restarts: entry.status.restarts }, `routine: background worker '${name}' failed for good`);
    void entry.runtime.close();
  });
}

/**
 * Asks a background worker to stop (its `current().signal` aborts), waits up to `graceMs`
 * (default 5000) for it to return, then ends its thread. Resolves once it is stopped.
 */
export function stopBackgroundWorker(name: string, options: { graceMs?: number } = {}): Promise<void> {
  const entry = workers.get(name);
  if (!entry) return Promise.reject(new InvalidArgumentError(`there is no background worker named '${name}'`));
  const graceMs = options.graceMs ?? 5000;
  if (typeof graceMs !== 'number' || !(graceMs >= 0)) {
    return Promise.reject(new InvalidArgumentError(`stopBackgroundWorker(): graceMs must be a number >= 0, ${got(graceMs)}`));
  }
  entry.stopping ??= stop(entry, graceMs);
  return entry.stopping;
}

async function stop(entry: Entry, graceMs: number): Promise<void> {
  clearDelay(entry.timer);
  const run = entry.run;
  if (run && !run.settled) {
    run.cancel(new CancelledError('the background worker was asked to stop'));
    let timer: Delay | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = delay(graceMs, resolve, 'late')));
    const finished = await Promise.race([run.result().then(() => 'done' as const), grace]);
    clearDelay(timer);
    if (finished === 'late') await entry.runtime.terminate();
  }
  await entry.runtime.close();
  entry.run = undefined;
  if (entry.status.state !== 'failed') entry.status = { ...entry.status, state: 'stopped' };
}

/** Stops every background worker (see stopBackgroundWorker), in parallel. */
export async function stopAllBackgroundWorkers(options: { graceMs?: number } = {}): Promise<void> {
  await Promise.all([...workers.keys()].map((name) => stopBackgroundWorker(name, options)));
}

/** A background worker's state, restarts, last error and start time of its current run. */
export function getBackgroundWorkerStatus(name: string): BackgroundWorkerStatus {
  const entry = workers.get(name);
  if (!entry) throw new InvalidArgumentError(`there is no background worker named '${name}'`);
  return { ...entry.status };
}
