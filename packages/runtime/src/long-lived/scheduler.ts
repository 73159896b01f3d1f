/**
 * Jobs on a timetable, run on the pool: `every` (fixed rate), `once` (after a delay) and `cron`
 * (a cron expression, in a time zone). A job never overlaps itself: if its previous run is still
 * going when it is due again, that run is skipped and counted.
 *
 *   const scheduler = createScheduler();
 *   scheduler.every('flush', 5_000, work.flush);
 *   scheduler.cron('report', '0 9 * * 1-5', work.report, { tz: 'Europe/Paris' });
 *   scheduler.start();
 *   await scheduler.stop(); // no more runs; waits for the running ones
 */
import type { Cron } from 'croner';
import {
  clearDelay, delay, type Delay, got, InvalidArgumentError, lazyRequire, routineLogger, type Submitter, type TaskFn,
} from '@routine/core';
import { checkName, checkTaskFn } from '../api/task-fn-check.js';

/** The cron parser, loaded at the first cron job rather than when routine is imported. */
const croner = lazyRequire<typeof import('croner')>(import.meta.url, 'croner');

/** What `scheduler.status(name)` reports about a job. */
export interface JobStatus {
  /** The job's name. */
  name: string;
  /** How it was scheduled: `every(ms)`, `once(at)` or `cron(expression)`. */
  kind: 'every' | 'once' | 'cron';
  /** A run is going now. */
  running: boolean;
  /** Runs started, and of them the ones that failed. */
  runs: number;
  /** Runs that failed. */
  failures: number;
  /** Times it was due while its previous run was still going. */
  skips: number;
  /** When the last run started, and how long it took (once it ended). */
  lastRun?: Date;
  /** How long the last run took. */
  lastDurationMs?: number;
  /** The error of the last failed run. */
  lastError?: Error;
  /** When it is next due; absent when stopped, or for a `once` job that has run. */
  nextRun?: Date;
}

/** Options of `createScheduler()`. */
export interface SchedulerOptions {
  /** Called with each failed run; default: logged. */
  onError?: (error: Error, job: string) => void;
}

interface Job {
  status: JobStatus;
  fn: TaskFn<[], unknown>;
  /** The first due time after `after` (epoch ms), or undefined when there is none. */
  next(after: number, status: JobStatus): number | undefined;
  dueAt?: number;
  timer?: Delay;
  run?: Promise<void>;
}

/** Runs tasks on a timetable: every n ms, once at a time, or on a cron expression; a run due while the last one still runs is skipped. Make one with `createScheduler()`. */
export class Scheduler {
  readonly #on: () => Submitter;
  readonly #onError: (error: Error, job: string) => void;
  readonly #jobs = new Map<string, Job>();
  #started = false;

  /** Prefer `createScheduler()`, or `runtime.createScheduler()` for a runtime of your own. */
  constructor(options: SchedulerOptions = {}, on: () => Submitter) {
    if (on === undefined) {
      throw new InvalidArgumentError('new Scheduler() needs the runtime it runs on: call createScheduler(), or runtime.createScheduler() for a runtime of your own');
    }
    this.#on = on;
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new InvalidArgumentError('createScheduler({ onError }) needs a function (error, jobName) => void');
    }
    this.#onError =
      options.onError ?? ((error, job) => routineLogger().error({ err: error, job }, `routine: scheduled job '${job}' failed`));
  }

  /** Runs `fn` every `ms`, at a fixed rate from when the scheduler starts (or the job is added). */
  every(name: string, ms: number, fn: TaskFn<[], unknown>): this {
    checkDelay(ms, 'every', true);
    return this.#add(name, 'every', fn, (after) => after + ms);
  }

  /** Runs `fn` once, `delayMs` after the scheduler starts (or the job is added). */
  once(name: string, delayMs: number, fn: TaskFn<[], unknown>): this {
    checkDelay(delayMs, 'once', false);
    return this.#add(name, 'once', fn, (after, status) => (status.runs === 0 ? after + delayMs : undefined));
  }

  /**
   * Runs `fn` at the instants a cron expression names (5 fields, or 6 with seconds first), read
   * in time zone `tz` (an IANA name such as 'America/New_York'; default the process's zone).
   */
  cron(name: string, expression: string, fn: TaskFn<[], unknown>, options: { tz?: string } = {}): this {
    if (options.tz !== undefined) checkTimeZone(name, options.tz);
    let pattern: Cron;
    try {
      pattern = new (croner().Cron)(expression, { timezone: options.tz, paused: true });
    } catch (error) {
      throw new InvalidArgumentError(`cron('${name}'): ${JSON.stringify(expression)} is not a valid cron expression (${(error as Error).message})`, {
        cause: error,
      });
    }
    return this.#add(name, 'cron', fn, (after) => pattern.nextRun(new Date(after))?.getTime());
  }

  /** Arms every job; jobs added afterwards are armed as they are added. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    const now = Date.now();
    for (const job of this.#jobs.values()) this.#arm(job, job.next(now, job.status));
    return this;
  }

  /** No more runs; resolves once the runs still going have ended. The scheduler can start again. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const job of this.#jobs.values()) {
      clearDelay(job.timer);
      job.timer = undefined;
      job.dueAt = undefined;
    }
    await Promise.all([...this.#jobs.values()].map((job) => job.run));
  }

  /** `await using scheduler = createScheduler()`: stop() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** The runs, failures, skips and timings of job `name`. */
  status(name: string): JobStatus {
    const job = this.#jobs.get(name);
    if (!job) throw new InvalidArgumentError(`the scheduler has no job named '${name}'`);
    return { ...job.status, ...(job.dueAt === undefined ? {} : { nextRun: new Date(job.dueAt) }) };
  }

  #add(name: string, kind: JobStatus['kind'], fn: TaskFn<[], unknown>, next: Job['next']): this {
    checkName(name, `${kind}()`);
    checkTaskFn(fn, `${kind}('${name}')`);
    if (this.#jobs.has(name)) throw new InvalidArgumentError(`the scheduler already has a job named '${name}': pick another name`);
    const job: Job = { status: { name, kind, running: false, runs: 0, failures: 0, skips: 0 }, fn, next };
    this.#jobs.set(name, job);
    if (this.#started) this.#arm(job, next(Date.now(), job.status));
    return this;
  }

  #arm(job: Job, dueAt: number | undefined): void {
    job.dueAt = dueAt;
    if (dueAt === undefined) return;
    job.timer = delay(Math.max(0, dueAt - Date.now()), () => this.#due(job));
  }

  #due(job: Job): void {
    job.timer = undefined;
    if (!this.#started || job.dueAt === undefined) return;
    const now = Date.now();
    if (now < job.dueAt) {
      this.#arm(job, job.dueAt); // the wall clock is behind the timer: wait for the rest
      return;
    }
    if (job.status.running) job.status.skips++;
    else this.#run(job);
    // Due times that passed meanwhile (a blocked event loop) count as skipped, not as a burst.
    let next = job.next(job.dueAt, job.status);
    while (next !== undefined && next <= now) {
      job.status.skips++;
      next = job.next(next, job.status);
    }
    this.#arm(job, next);
  }

  #run(job: Job): void {
    const { status } = job;
    const started = Date.now();
    status.running = true;
    status.runs++;
    status.lastRun = new Date(started);
    job.run = (async () => {
      try {
        const result = await this.#on().submit(job.fn, [], { name: `job:${status.name}` }).result();
        if (!result.ok) throw result.error;
      } catch (error) {
        status.failures++;
        status.lastError = error as Error;
        try {
          this.#onError(error as Error, status.name);
        } catch (thrown) {
          routineLogger().error({ err: thrown, job: status.name }, 'routine: the scheduler onError callback threw');
        }
      } finally {
        status.running = false;
        status.lastDurationMs = Date.now() - started;
        job.run = undefined;
      }
    })();
  }
}

function checkTimeZone(job: string, tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new InvalidArgumentError(`cron('${job}'): ${JSON.stringify(tz)} is not a time zone: use an IANA name such as 'Europe/Paris'`);
  }
}

function checkDelay(ms: number, what: string, positive: boolean): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (positive && ms === 0)) {
    throw new InvalidArgumentError(`${what}() needs a finite number of milliseconds ${positive ? '> 0' : '>= 0'}, ${got(ms)}`);
  }
}

