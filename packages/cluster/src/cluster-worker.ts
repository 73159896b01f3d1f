/**
 * A worker process's side of a cluster: a BullMQ Worker that takes the queue's jobs and runs each
 * on this process's local runtime (the shared-memory ring and its threads), which is the sandbox:
 * a CPU-bound task runs on a thread, so the process's event loop keeps renewing its jobs' locks
 * and no job looks stalled. `routine worker` is this with a command line around it.
 *
 * Closing stops fetching, lets the jobs it holds finish within a grace period, then lets go of
 * the rest: their locks expire and BullMQ's stalled-job check hands them to another worker.
 */
import { hostname } from 'node:os';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CancelledError, InvalidArgumentError, readTrace, routineLogger, SerializationError, TaskCaptureError, TimeoutError, useNodeGids, got,
} from '@routine/core';
import { createRuntime, type Runtime } from '@routine/runtime';
import { CancelledJobs } from './cancelled-jobs.js';
import { CodeCache, describeRef } from './code-ref.js';
import { keys } from './keys.js';
import { NodeClaim } from './node-claim.js';
import { type Connection, connected, resolveOptions } from './options.js';
import { publishReport, removeReport, REPORT_MS } from './stats.js';
import { decode, encode, errorReason, type JobData, WIRE_VERSION } from './wire.js';
import { CLOSE_MS, within } from './within.js';

export interface ClusterWorkerOptions {
  connection: Connection;
  queue: string;
  /** Threads of the local runtime; default one per core. */
  workers?: number;
  /** Jobs held at once; default twice the threads, so a thread finds its next task waiting. */
  concurrency?: number;
  /** How long close() lets held jobs finish before leaving them to be run elsewhere; default 30 s. */
  graceMs?: number;
  /**
   * How long a job's lock lasts without renewal (BullMQ lockDuration); a job held by a process
   * that died is run again this long after. Default 30 s.
   */
  lockMs?: number;
  /** As createClusterRuntime's; a result above it fails its task with SerializationError. */
  maxPayloadBytes?: number;
  connectTimeoutMs?: number;
}

const CANCELLED = 'cancelled by its caller';

/** Errors that another run would not change: BullMQ does not retry them. */
const FINAL = [TimeoutError, CancelledError, SerializationError, TaskCaptureError, InvalidArgumentError];

export class ClusterWorker {
  readonly node: number;
  readonly runtime: Runtime;
  readonly jobs = { active: 0, completed: 0, failed: 0 };
  readonly #worker: Worker;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #claim: NodeClaim;
  readonly #queue: string;
  readonly #graceMs: number;
  readonly #reporter: NodeJS.Timeout;
  #closing: Promise<'drained' | 'cut'> | undefined;

  private constructor(parts: {
    worker: Worker; redis: Redis; subscriber: Redis; claim: NodeClaim; runtime: Runtime; queue: string; graceMs: number;
  }) {
    this.#worker = parts.worker;
    this.#redis = parts.redis;
    this.#subscriber = parts.subscriber;
    this.#claim = parts.claim;
    this.runtime = parts.runtime;
    this.node = parts.claim.node;
    this.#queue = parts.queue;
    this.#graceMs = parts.graceMs;
    this.#reporter = setInterval(() => void this.#report(), REPORT_MS).unref();
    void this.#report();
  }

  static async start(opts: ClusterWorkerOptions): Promise<ClusterWorker> {
    const { workers, concurrency, graceMs = 30_000, lockMs = 30_000, ...shared } = opts ?? ({} as ClusterWorkerOptions);
    const options = resolveOptions(shared, 'startClusterWorker()');
    for (const [name, value, min] of [['graceMs', graceMs, 0], ['lockMs', lockMs, 100]] as const) {
      if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`startClusterWorker(): ${name} must be a whole number of milliseconds >= ${min}, ${got(value)}`);
    }
    return connected(options, 2, async ([redis, subscriber]) => {
      const claim = await NodeClaim.claim(redis);
      // Before the runtime takes its first gid: this process's gids are its node's.
      useNodeGids(claim.node);
      const runtime = createRuntime({ workers });
      const jobsAtOnce = concurrency ?? 2 * runtime.workers;
      const code = new CodeCache();
      const cancelled = new CancelledJobs();
      const limit = options.maxPayloadBytes;
      let self: ClusterWorker | undefined;
      const worker = new Worker(
        options.queue,
        async (job: Job, _token?: string, signal?: AbortSignal) => {
          self!.jobs.active++;
          try {
            const value = await runJob(runtime, code, job, limit, cancelled.has(job.id) ? AbortSignal.abort(CANCELLED) : signal);
            self!.jobs.completed++;
            return value;
          } catch (error) {
            self!.jobs.failed++;
            throw error;
          } finally {
            self!.jobs.active--;
          }
        },
        {
          connection: redis,
          concurrency: jobsAtOnce,
          lockDuration: lockMs,
          stalledInterval: Math.max(100, Math.floor(lockMs / 2)),
          maxStalledCount: 2,
          autorun: false,
        },
      );
      worker.on('error', () => {});
      self = new ClusterWorker({ worker, redis, subscriber, claim, runtime, queue: options.queue, graceMs });
      try {
        await subscriber.subscribe(keys.cancel(options.queue));
        subscriber.on('message', (_channel: string, jobId: string) => {
          cancelled.add(jobId);
          worker.cancelJob(jobId, CANCELLED);
        });
        worker.run().catch((error: unknown) => routineLogger().error({ err: error }, `routine worker: stopped taking jobs from ${options.queue}`));
        await worker.waitUntilReady();
        return self;
      } catch (error) {
        await self.close();
        throw error;
      }
    });
  }

  /** Jobs held at once. */
  get concurrency(): number {
    return this.#worker.concurrency;
  }

  async #report(): Promise<void> {
    await publishReport(this.#redis, this.#queue, {
      node: this.node, host: hostname(), pid: process.pid, jobs: { ...this.jobs }, stats: this.runtime.stats(), reportedAt: Date.now(),
    }).catch(() => {});
  }

  /**
   * Stops taking jobs and waits up to the grace period for the held ones; resolves 'drained' if
   * they all finished, 'cut' if some were left to be run again elsewhere.
   */
  close(): Promise<'drained' | 'cut'> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<'drained' | 'cut'> {
    clearInterval(this.#reporter);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'cut'>((resolve) => (timer = setTimeout(() => resolve('cut'), this.#graceMs)));
    const outcome = await Promise.race([this.#worker.close().then(() => 'drained' as const), graceOver]);
    clearTimeout(timer);
    const wait = this.#redis.status === 'ready' ? CLOSE_MS : 0;
    if (outcome === 'cut') await within(wait, this.#worker.close(true));
    await within(wait, removeReport(this.#redis, this.#queue, this.node));
    await within(wait, this.#claim.release());
    // Disconnected before the runtime cuts off what it still runs: those tasks' failures must not
    // reach their jobs, which are to run again elsewhere once their locks expire.
    this.#redis.disconnect();
    this.#subscriber.disconnect();
    await (outcome === 'cut' ? this.runtime.terminate() : this.runtime.close());
    return outcome;
  }
}

async function runJob(runtime: Runtime, code: CodeCache, job: Job, limit: number, signal: AbortSignal | undefined): Promise<string> {
  const data = job.data as JobData;
  const gid = typeof data?.gid === 'number' ? data.gid : 0;
  try {
    if (data?.v !== WIRE_VERSION) {
      throw new SerializationError(`job ${job.id} is not a routine task of wire version ${WIRE_VERSION} (got ${got(data?.v)}): callers and workers must run the same @routine/cluster`);
    }
    let timeoutMs: number | undefined;
    if (data.deadline !== undefined) {
      timeoutMs = data.deadline - Date.now();
      if (timeoutMs <= 0) throw new TimeoutError(`the task timed out after ${data.timeoutMs} ms before a worker took it`, { gid });
    }
    const fn = code.functionOf(data);
    const args = decode(data.args) as unknown[];
    const trace = readTrace(Int32Array.from(data.trace.slice(0, 6)), 0, data.trace[6] === 1, undefined);
    const task = runtime.submit(fn, args, { gid, lineage: { parentGid: data.parentGid, trace }, timeoutMs, name: data.name, signal });
    const progressed = forwardProgress(task.progress(), job, gid);
    const result = await task.result();
    await progressed;
    if (!result.ok) throw result.error;
    return encode(result.value, limit, `the result of task ${describeRef(data)}`);
  } catch (error) {
    const reason = errorReason(error, gid);
    throw FINAL.some((Class) => error instanceof Class) ? new UnrecoverableError(reason) : new Error(reason);
  }
}

/**
 * A task's progress becomes its job's (BullMQ's own progress events). The iterator ends only once
 * every value the task sent has come, which may be after its result, and each value is in Redis
 * before the job completes: its caller hears them all before the outcome. BullMQ stores progress
 * as JSON; a value JSON cannot write (a BigInt) is logged and passed over.
 */
async function forwardProgress(values: AsyncIterable<unknown>, job: Job, gid: number): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for await (const value of values) {
    writes.push(
      job.updateProgress(value as object).catch((error: unknown) =>
        routineLogger().warn({ err: error, gid, job: job.id }, `routine worker: a progress value of task ${gid} could not be stored as JSON and was passed over`),
      ),
    );
  }
  await Promise.all(writes);
}

/** Connects, takes a node number and starts taking the queue's jobs. */
export function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  return ClusterWorker.start(options);
}
