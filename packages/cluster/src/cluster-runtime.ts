/**
 * A runtime whose tasks run on other processes and machines: each `go` becomes a BullMQ job on a
 * Redis queue, taken by a `routine worker` and run on that worker's local runtime. It is a
 * Submitter like a local runtime, so groups, pipelines and retries are the local ones.
 *
 * Delivery is at least once: a job whose worker process dies is run again by another (BullMQ's
 * stalled-job check). Each task still settles once here: the first outcome wins.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CancelledError, currentContext, GidSource, got, InvalidArgumentError, receiveProgress, reportUnobserved, type Result, routineLogger,
  RuntimeClosedError, type SubmitOptions, type Submitter, type Task, type TaskFn, TaskHandle, TimeoutError, tracePassedOn,
  UnobservedReporter, useNodeGids, writeRootTrace,
} from '@routine/core';
import { Group, type GroupOptions, Pipeline, type PipelineOptions, retryOn, type RetryOptions, withOptionsOn, type GoOptions } from '@routine/runtime';
import { codeRefOf, describeRef } from './code-ref.js';
import { ClusterUnavailableError } from './errors.js';
import { keys } from './keys.js';
import { NodeClaim } from './node-claim.js';
import { type ClusterOptions, connected, describeConnection, type Resolved, resolveOptions } from './options.js';
import { Replies } from './replies.js';
import { clusterStats, type ClusterStats, clusterPrometheus } from './stats.js';
import { encode, type JobData, WIRE_VERSION } from './wire.js';
import { CLOSE_MS, within } from './within.js';

/** go.with's options on a cluster: the local ones, and an idempotency key. */
export interface ClusterGoOptions extends GoOptions {
  /**
   * Names the job: a second task with the same key while the first's job is kept (an hour after
   * it finishes) does not run again and settles with the first one's outcome.
   */
  key?: string;
}

interface ClusterSubmitOptions extends SubmitOptions {
  key?: string;
}

/** One task waiting on a job. */
interface Waiter {
  handle: TaskHandle<unknown>;
  timer: NodeJS.Timeout | undefined;
}

interface PendingJob {
  waiters: Waiter[];
  /** Epoch ms when Redis acknowledged the job; 0 until then. */
  addedAt: number;
}

/**
 * How often tasks pending longer than this are looked up in Redis (replies.ts): a fallback for
 * events the stream dropped, so rare enough to cost little beside the jobs themselves; and how
 * often the connection's health is checked.
 */
const SWEEP_MS = 5000;
const HEALTH_MS = 250;
/** What a job named by an idempotency key has its id start with. */
const KEYED = 'key-';
/** Finished jobs are kept this long, so a late sweep or a repeated key still finds them. */
const KEEP_S = 3600;

export class ClusterRuntime implements Submitter {
  readonly #options: Resolved;
  readonly #redis: Redis;
  readonly #queue: Queue;
  readonly #claim: NodeClaim;
  readonly #gids: GidSource;
  #replies: Replies | undefined;
  readonly #pending = new Map<string, PendingJob>();
  /** The job each pending task waits on, for cancel. */
  readonly #jobOf = new WeakMap<TaskHandle<unknown>, string>();
  readonly #outbox: { name: string; data: JobData; opts: JobsOptions }[] = [];
  readonly #counts = { launched: 0, completed: 0, errors: 0, cancelled: 0, timeouts: 0 };
  readonly #health: NodeJS.Timeout;
  /** A failure nobody observed is logged once nobody can observe it, as locally; cancellations are not. */
  readonly #unobserved = new UnobservedReporter((error, gid, traceId) => reportUnobserved(routineLogger(), error, gid, traceId));
  #downSince = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  private constructor(options: Resolved, redis: Redis, queue: Queue, claim: NodeClaim) {
    this.#options = options;
    this.#redis = redis;
    this.#queue = queue;
    this.#claim = claim;
    const counter = new Int32Array(new SharedArrayBuffer(12));
    useNodeGids(claim.node, counter);
    this.#gids = new GidSource(counter);
    this.#health = setInterval(() => this.#checkHealth(), HEALTH_MS).unref();
    redis.on('close', () => (this.#downSince ||= Date.now()));
    redis.on('ready', () => {
      if (!this.#downSince) return;
      this.#downSince = 0;
      // Events may have been missed while it was away.
      void this.#replies?.sweep(true);
    });
  }

  static async create(opts: ClusterOptions): Promise<ClusterRuntime> {
    const options = resolveOptions(opts, 'createClusterRuntime()');
    return connected(options, 2, async ([redis, eventsRedis]) => {
      const claim = await NodeClaim.claim(redis);
      const queue = new Queue(options.queue, { connection: redis });
      queue.on('error', () => {});
      const runtime = new ClusterRuntime(options, redis, queue, claim);
      runtime.#replies = await Replies.open(redis, eventsRedis, queue, {
        settleJob: (jobId, outcome) => runtime.#settleJob(jobId, outcome),
        progressJob: (jobId, value) => {
          for (const { handle } of runtime.#pending.get(jobId)?.waiters ?? []) receiveProgress(handle, handle.gid, value);
        },
        stragglers: (before, limit) => runtime.#stragglers(before, limit),
      }, SWEEP_MS);
      return runtime;
    });
  }

  /** The node number this caller holds; its gids are that node's. */
  get node(): number {
    return this.#claim.node;
  }

  get queueName(): string {
    return this.#options.queue;
  }

  go<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.submit(fn, args);
  }

  timeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.goWith({ timeoutMs: ms })(fn, ...args);
  }

  goWithTimeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.timeout(ms, fn, ...args);
  }

  /** `go.with({ signal, timeoutMs, name, key })` on the cluster. */
  goWith(options: ClusterGoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
    const key = options?.key;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
      throw new InvalidArgumentError(`go.with({ key }) needs a non-empty string of at most 200 characters, ${got(key)}`);
    }
    const on: Submitter = { submit: (fn, args, submit) => this.submit(fn, args, { ...submit, key }), reserveGid: () => this.reserveGid() };
    return withOptionsOn(() => on, options);
  }

  group(options?: GroupOptions): Group {
    return new Group(options, this);
  }

  pipeline<In = unknown>(options?: PipelineOptions): Pipeline<In, In> {
    return new Pipeline<In, In>(options, () => this);
  }

  goWithRetry<A extends unknown[], R>(fn: TaskFn<A, R>, options: RetryOptions, ...args: A): Promise<R> {
    return retryOn(this, fn, options, args);
  }

  reserveGid(): number {
    return this.#gids.next();
  }

  submit<R>(fn: unknown, args: unknown[], options?: ClusterSubmitOptions): TaskHandle<R> {
    if (this.#closing) throw new RuntimeClosedError('the cluster runtime is closed: it accepts no new tasks. Create a new one with createClusterRuntime()');
    const ref = codeRefOf(fn);
    const payload = encode(args, this.#options.maxPayloadBytes, `the arguments of task ${describeRef(ref)}`);
    const gid = options?.gid ?? this.#gids.next();
    const handle = new TaskHandle<unknown>(gid, (task, reason) => this.#cancel(task, reason));
    const parent = currentContext();
    handle.parentGid = options?.lineage ? options.lineage.parentGid : (parent?.gid ?? 0);
    handle.trace = options?.lineage ? options.lineage.trace : tracePassedOn(parent);
    this.#counts.launched++;
    if (options?.signal?.aborted) {
      this.#finish(handle, false, new CancelledError('the task was cancelled before it started', { cause: options.signal.reason, gid }));
      return handle as TaskHandle<R>;
    }
    // BullMQ refuses ids with ':' (its key separator) and whole numbers (its own ids).
    const jobId = options?.key === undefined ? `g${gid}` : `${KEYED}${encodeURIComponent(options.key)}`;
    const timeoutMs = options?.timeoutMs;
    const waiter: Waiter = { handle, timer: undefined };
    if (timeoutMs !== undefined) {
      waiter.timer = setTimeout(() => this.#expire(jobId, waiter, timeoutMs), timeoutMs);
    }
    let job = this.#pending.get(jobId);
    const isNew = !job;
    if (!job) this.#pending.set(jobId, (job = { waiters: [], addedAt: 0 }));
    job.waiters.push(waiter);
    this.#jobOf.set(handle, jobId);
    if (isNew) {
      const data: JobData = {
        v: WIRE_VERSION, kind: ref.kind, code: ref.code, args: payload, gid, parentGid: handle.parentGid, trace: traceWords(handle),
      };
      if (options?.name !== undefined) data.name = String(options.name);
      if (timeoutMs !== undefined) {
        data.timeoutMs = timeoutMs;
        data.deadline = Date.now() + timeoutMs;
      }
      this.#send({
        name: ref.kind === 'module' ? ref.code.slice(ref.code.lastIndexOf('#') + 1) : 'inline',
        data,
        opts: {
          jobId,
          attempts: this.#options.attempts,
          backoff: this.#options.backoff,
          removeOnComplete: { age: KEEP_S },
          removeOnFail: { age: KEEP_S },
        },
      });
    }
    const signal = options?.signal;
    if (signal) {
      const onAbort = (): void => handle.cancel(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      handle.onSettled(() => signal.removeEventListener('abort', onAbort));
    }
    return handle as TaskHandle<R>;
  }

  /** Jobs made in one turn of the event loop go to Redis in one round trip. */
  #send(job: { name: string; data: JobData; opts: JobsOptions }): void {
    this.#outbox.push(job);
    if (this.#outbox.length > 1) return;
    setImmediate(() => {
      const batch = this.#outbox.splice(0);
      this.#queue.addBulk(batch).then(
        () => {
          const now = Date.now();
          const keyed: string[] = [];
          for (const { opts } of batch) {
            const pending = this.#pending.get(opts.jobId!);
            if (pending) pending.addedAt = now;
            if (pending && opts.jobId!.startsWith(KEYED)) keyed.push(opts.jobId!);
          }
          if (keyed.length > 0) void this.#replies?.lookUp(keyed);
        },
        (error: Error) => {
          for (const { opts } of batch) {
            this.#settleJob(opts.jobId!, { ok: false, error: new ClusterUnavailableError(`the task could not be queued in Redis: ${error.message}`, { cause: error }) });
          }
        },
      );
    });
  }

  #settleJob(jobId: string, outcome: Result<unknown>): void {
    const job = this.#pending.get(jobId);
    if (!job) return;
    this.#pending.delete(jobId);
    for (const waiter of job.waiters) {
      clearTimeout(waiter.timer);
      const { handle } = waiter;
      if (outcome.ok) this.#finish(handle, true, outcome.value);
      else {
        const error = outcome.error as Error & { gid?: number };
        // A shared (keyed) job's error names its own task; each waiter gets its own gid.
        if (job.waiters.length > 1) {
          const copy = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error)) as Error & { gid?: number };
          copy.gid = handle.gid;
          this.#finish(handle, false, copy);
        } else {
          error.gid ??= handle.gid;
          this.#finish(handle, false, error);
        }
      }
    }
  }

  /** Takes one waiter off its job; the job is cancelled in the cluster once no one waits on it. */
  #detach(jobId: string, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const job = this.#pending.get(jobId);
    if (!job) return;
    job.waiters = job.waiters.filter((other) => other !== waiter);
    if (job.waiters.length > 0) return;
    this.#pending.delete(jobId);
    this.#cancelRemote(jobId);
  }

  #expire(jobId: string, waiter: Waiter, timeoutMs: number): void {
    this.#detach(jobId, waiter);
    this.#counts.timeouts++;
    this.#finish(waiter.handle, false, new TimeoutError(`the task timed out after ${timeoutMs} ms and was stopped`, { gid: waiter.handle.gid }), false);
  }

  #cancel(task: TaskHandle<unknown>, reason: unknown): void {
    const jobId = this.#jobOf.get(task);
    const waiter = jobId === undefined ? undefined : this.#pending.get(jobId)?.waiters.find((w) => w.handle === task);
    if (waiter) this.#detach(jobId!, waiter);
    this.#counts.cancelled++;
    this.#finish(task, false, new CancelledError('the task was cancelled', { cause: reason, gid: task.gid }), false);
  }

  /**
   * BullMQ can stop a job only on the worker that holds it, so the id is broadcast to every
   * worker; one still waiting is removed from the queue.
   */
  #cancelRemote(jobId: string): void {
    void this.#queue.remove(jobId).catch(() => {});
    void this.#redis.publish(keys.cancel(this.#options.queue), jobId).catch(() => {});
  }

  #finish(handle: TaskHandle<unknown>, ok: boolean, outcome: unknown, count = true): void {
    if (!handle.settle(ok, outcome)) return;
    if (count) this.#counts[ok ? 'completed' : 'errors']++;
    if (!ok && !handle.observed && !(outcome instanceof CancelledError)) this.#unobserved.suspect(handle, outcome as Error);
    if (this.#pending.size === 0) this.#drained?.();
  }

  #stragglers(before: number, limit: number): string[] {
    const ids: string[] = [];
    for (const [jobId, job] of this.#pending) {
      if (ids.length >= limit) break;
      if (job.addedAt > 0 && job.addedAt < before) ids.push(jobId);
    }
    return ids;
  }

  /** Redis gone for longer than unavailableMs: every pending task fails rather than wait on. */
  #checkHealth(): void {
    if (!this.#downSince || Date.now() - this.#downSince < this.#options.unavailableMs || this.#pending.size === 0) return;
    const error = new ClusterUnavailableError(
      `Redis at ${describeConnection(this.#options.connection)} has been unreachable for over ${this.#options.unavailableMs} ms (unavailableMs); ` +
        "the task's outcome is unknown: its job may still run once Redis is back",
    );
    for (const jobId of [...this.#pending.keys()]) this.#settleJob(jobId, { ok: false, error });
  }

  /** Tasks this caller is waiting on. */
  get pendingCount(): number {
    let count = 0;
    for (const job of this.#pending.values()) count += job.waiters.length;
    return count;
  }

  /** This caller's counts, BullMQ's job counts, and every live worker's counters, summed. */
  stats(): Promise<ClusterStats> {
    return clusterStats(this.#redis, this.#queue, { ...this.#counts, pending: this.pendingCount });
  }

  async toPrometheus(): Promise<string> {
    return clusterPrometheus(await this.stats());
  }

  /**
   * Stops accepting tasks and waits for the pending ones; with `graceMs`, those still pending
   * then reject with RuntimeClosedError (their jobs are cancelled in the cluster).
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const graceMs = options.graceMs ?? Infinity;
    if (typeof graceMs !== 'number' || !(graceMs >= 0)) throw new InvalidArgumentError(`close({ graceMs }) needs a number of milliseconds >= 0, ${got(graceMs)}`);
    this.#closing ??= this.#shutDown(graceMs);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutDown(graceMs: number): Promise<void> {
    if (this.#pending.size > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      if (graceMs !== Infinity) {
        timer = setTimeout(() => {
          const error = new RuntimeClosedError(`the cluster runtime was closed with graceMs: ${graceMs} and this task had not finished by then`);
          for (const jobId of [...this.#pending.keys()]) {
            this.#cancelRemote(jobId);
            this.#settleJob(jobId, { ok: false, error });
          }
        }, graceMs);
      }
      await drained;
      clearTimeout(timer);
    }
    clearInterval(this.#health);
    this.#unobserved.flush();
    // A Redis that is away is not waited for at all.
    const wait = this.#redis.status === 'ready' ? CLOSE_MS : 0;
    await this.#replies?.close(wait);
    await within(wait, this.#claim.release());
    await within(wait, this.#queue.close());
    this.#redis.disconnect();
  }
}

/** The trace a job carries: the one the task inherited, or the root one its gid gives (as locally). */
function traceWords(handle: TaskHandle<unknown>): number[] {
  const trace = handle.trace;
  if (trace) return [trace.t0, trace.t1, trace.t2, trace.t3, trace.s0, trace.s1, trace.sampled ? 1 : 0];
  const words = new Int32Array(6);
  writeRootTrace(words, 0, handle.gid);
  return [...words, 1];
}

/**
 * Connects to Redis and returns a runtime whose tasks run on the queue's `routine worker`s.
 * Rejects with ClusterConnectError when Redis cannot be reached within connectTimeoutMs.
 */
export function createClusterRuntime(options: ClusterOptions): Promise<ClusterRuntime> {
  return ClusterRuntime.create(options);
}
