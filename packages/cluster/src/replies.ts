/**
 * How a caller learns its tasks' outcomes: BullMQ's event stream (QueueEvents), read from the
 * point the caller started, plus a sweep that asks Redis for the job of any task pending longer
 * than a sweep interval. The stream alone is not enough: it is trimmed (10 000 events by default),
 * and a Redis that restarted without persistence forgets both stream and jobs. The sweep settles
 * what the stream missed and fails, with JobLostError, a task whose job is gone.
 */
import { type Job, type Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Result, WorkerCrashError } from '@routine/core';
import { JobLostError } from './errors.js';
import { keys } from './keys.js';
import { errorOf, outcomeOf } from './wire.js';
import { within } from './within.js';

/** Pending jobs looked up per sweep, oldest first. */
const SWEEP_BATCH = 256;

export interface ReplySink {
  /** Settles the tasks waiting on job `jobId`; ignored for a job no task waits on. */
  settleJob(jobId: string, outcome: Result<unknown>): void;
  /** Job `jobId`'s task reported progress (its worker passed it to job.updateProgress). */
  progressJob(jobId: string, value: unknown): void;
  /** Jobs pending since before `before` (epoch ms), oldest first, at most `limit`. */
  stragglers(before: number, limit: number): string[];
}

export class Replies {
  readonly #events: QueueEvents;
  readonly #eventsRedis: Redis;
  readonly #queue: Queue;
  readonly #sink: ReplySink;
  readonly #timer: NodeJS.Timeout;
  readonly #sweepMs: number;
  #sweeping = false;

  private constructor(events: QueueEvents, eventsRedis: Redis, queue: Queue, sink: ReplySink, sweepMs: number) {
    this.#events = events;
    this.#eventsRedis = eventsRedis;
    this.#queue = queue;
    this.#sink = sink;
    this.#sweepMs = sweepMs;
    events.on('completed', ({ jobId, returnvalue }) => sink.settleJob(jobId, outcomeOf(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => sink.settleJob(jobId, { ok: false, error: failure(failedReason) }));
    events.on('progress', ({ jobId, data }) => sink.progressJob(jobId, data));
    events.on('error', () => {}); // reconnects on its own; the runtime watches the connection
    this.#timer = setInterval(() => void this.sweep(), sweepMs).unref();
  }

  /** Starts reading the queue's events from now on (from the stream's last entry). */
  static async open(redis: Redis, events: Redis, queue: Queue, sink: ReplySink, sweepMs: number): Promise<Replies> {
    const [last] = (await redis.xrevrange(keys.events(queue.name), '+', '-', 'COUNT', 1)) as [string, string[]][];
    const queueEvents = new QueueEvents(queue.name, { connection: events, lastEventId: last?.[0] ?? '0-0', autorun: true });
    return new Replies(queueEvents, events, queue, sink, sweepMs);
  }

  /** Looks up jobs pending longer than a sweep interval and settles the finished and the lost. */
  async sweep(all = false): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      await this.lookUp(this.#sink.stragglers(all ? Infinity : Date.now() - this.#sweepMs, SWEEP_BATCH));
    } finally {
      this.#sweeping = false;
    }
  }

  /**
   * Settles the jobs among `ids` that have finished or are gone. A keyed job added again after it
   * finished sends no new events, so its caller asks at once.
   */
  async lookUp(ids: string[]): Promise<void> {
    try {
      const jobs = await Promise.all(ids.map((id) => this.#queue.getJob(id)));
      ids.forEach((id, i) => {
        const outcome = outcomeOfJob(jobs[i], id);
        if (outcome) this.#sink.settleJob(id, outcome);
      });
    } catch {
      // Redis is unreachable: the runtime's watch on the connection decides what that means.
    }
  }

  async close(waitMs: number): Promise<void> {
    clearInterval(this.#timer);
    await within(waitMs, this.#events.close());
    this.#eventsRedis.disconnect();
  }
}

function outcomeOfJob(job: Job | undefined, id: string): Result<unknown> | undefined {
  if (!job) {
    return {
      ok: false,
      error: new JobLostError(`job ${id} is gone from Redis before it finished (it was removed, or Redis restarted without persistence); whether the task ran is unknown`),
    };
  }
  if (!job.finishedOn) return undefined;
  return job.returnvalue != null ? outcomeOf(job.returnvalue) : { ok: false, error: failure(job.failedReason) };
}

/** A failed reason BullMQ wrote itself (not a task's error) means the workers holding it kept dying. */
function failure(reason: string): Error {
  return errorOf(reason ?? '', (text) => new WorkerCrashError(`the task's job failed in the cluster: ${text}`));
}
