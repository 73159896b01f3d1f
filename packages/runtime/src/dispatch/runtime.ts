/**
 * A runtime: one shared buffer, a fixed pool of workers, and the main thread's endpoint on it.
 *
 * The main thread never blocks. While tasks it started are pending it waits on its inbox with
 * `Atomics.waitAsync` and holds one ref'd timer so the process stays up; once none are pending it
 * lets go of both, and since workers are unref'd, a script that awaited its tasks exits by itself.
 */
import { initThreadStats, monotonicMs, snapshot, toPrometheus, type DetailedSnapshot, type PrometheusOptions, type StatsSnapshot } from '@routine/stats';
import type { Logger } from 'pino';
import {
  ClaimTables, type CompletionWriter, connect, type Connection, createSpillTables, Encoder, gidCounter, GidSource, Header,
  InvalidArgumentError, type Layout, markAborted, ParcelStore, planLayout, reportPanic, reportUnobserved, type Result,
  routineLogger, RunState, RuntimeClosedError, setLogger, openRuntime, BlockedBoard, WorkerWord, WorkerStartError, type SubmitOptions, type Task, type TaskFn, type TaskHandle,
  traceIdOfTask, waitAsync, wakeAll, waitGroup, type WaitGroup, got, clearDelay, delay, type Delay,
} from '@routine/core';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './options.js';
import { NoRoom, Recovery } from './crash-recovery.js';
import { TaskStopper } from './task-stopper.js';
import { checkTimeout } from '../api/timeout.js';
import { withOptionsOn, type GoOptions } from '../api/go.js';
import { Group, type GroupOptions } from '../api/group.js';
import { cleanupOn, recoverOn } from '../api/variants.js';
import { breakerOn, retryOn, type RetryOptions } from '../api/resilience.js';
import { mustOn } from '../api/must.js';
import { awaitAll, sleep, spawnManyOn } from '../api/spawn.js';
import { readDump, type RunningTask } from './dump.js';
import { START_ATTEMPTS, WorkerPool } from './worker-pool.js';
import { Scheduler, type SchedulerOptions } from '../long-lived/scheduler.js';
import { Pipeline, type PipelineOptions } from '../long-lived/pipeline.js';
import { Manager, type ManagerOptions } from '../long-lived/manager.js';

/** How often the main thread re-tries moving waiting tasks into a ring that has no room. */
const OVERFLOW_POLL_MS = 1;

export class Runtime {
  readonly #options: ResolvedOptions;
  readonly #layout: Layout;
  readonly #buffer: SharedArrayBuffer;
  readonly #connection: Connection;
  readonly #claims: ClaimTables;
  readonly #parcels = new ParcelStore();
  readonly #pool: WorkerPool;
  readonly #recovery: Recovery;
  readonly #stopper: TaskStopper;
  /** Workers being terminated to stop a task that outlived its deadline, and that task's gid. */
  readonly #stoppedFor = new Map<number, number>();
  /** monotonicMs() at creation: the start of every worker's utilization. */
  readonly #startedMs = monotonicMs();
  #watching = false;
  #keepAlive: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  /** Why no worker could start, once every slot is given up (worker-pool.ts): `go` throws it. */
  #broken: WorkerStartError | undefined;
  /** close({ graceMs })'s timer, and whether pending tasks were cut off (by it or terminate()). */
  #grace: Delay | undefined;
  #cut = false;

  constructor(options?: RuntimeOptions) {
    this.#options = resolveOptions(options);
    if (this.#options.logger) setLogger(this.#options.logger);
    this.#layout = planLayout(this.#options.layout);
    this.#buffer = new SharedArrayBuffer(this.#layout.totalBytes);
    this.#connection = connect({
      buffer: this.#buffer,
      layout: this.#layout,
      thread: 0,
      generation: 0,
      gids: new GidSource(),
      parcels: this.#parcels,
      maxQueue: this.#options.maxQueue,
      metrics: this.#options.metrics,
      onUnobserved: (error, task) => reportUnobserved(this.#log(), error, task.gid, traceIdOfTask(task)),
      onExpired: (gid) => this.#stopper.stop(gid),
      onAbort: (gid) => this.#abort(gid),
    });
    const { views, submissions, inboxes, arena } = this.#connection;
    submissions.initialize();
    for (const inbox of inboxes) inbox.initialize();
    arena.initialize();
    for (const offset of this.#layout.statsBlocks) initThreadStats(this.#buffer, offset);
    const spills = createSpillTables(this.#layout);
    this.#claims = new ClaimTables(this.#layout, views, spills);
    const writer: CompletionWriter = {
      views,
      inboxes,
      arena,
      encoder: new Encoder(),
      parcels: this.#parcels,
      waitForRoom: () => {
        throw new NoRoom();
      },
    };
    this.#pool = new WorkerPool({
      buffer: this.#buffer,
      layout: this.#layout,
      spills,
      gidCounter: gidCounter(),
      parcels: this.#parcels,
      setup: this.#options.workerSetup,
      metrics: this.#options.metrics,
      resourceLimits: this.#options.resourceLimits,
      execArgv: this.#options.execArgv,
      env: this.#options.env,
      onDeath: (index, error, exitCode, started) => this.#onWorkerDeath(index, error, exitCode, started),
      onWatchDeadline: (gid, timeoutMs) => delay(timeoutMs, (late: number) => this.#stopper.stop(late), gid).unref(),
      onAbort: (gid) => this.#abort(gid),
    });
    this.#stopper = new TaskStopper({
      layout: this.#layout,
      i32: views.i32,
      tables: this.#claims,
      wake: (index) => wakeAll(this.#connection.inboxes[1 + index].dataBell),
      terminate: (index, gid) => {
        this.#stoppedFor.set(index, gid);
        this.#pool.terminateWorker(index);
      },
    });
    this.#recovery = new Recovery({
      layout: this.#layout,
      i32: views.i32,
      tables: this.#claims,
      submissions,
      endpoint: this.#connection.endpoint,
      writer,
      parcels: this.#parcels,
      generationOf: (worker) => this.#pool.generation(worker),
    });
  }

  /** The logger given to createRuntime, else routine's own, made on first use. */
  #log(): Logger {
    return this.#options.logger ?? routineLogger();
  }

  /** Worker threads in the pool. */
  get workers(): number {
    return this.#layout.workers;
  }

  /**
   * Runs `fn(...args)` on a worker. Returns at once with a Task handle; throws synchronously for
   * input that can never run (not a function, a captured variable, an argument that cannot be
   * cloned) and after close. Measured cost on the calling thread: see bench/.
   */
  go<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.submit(fn, args);
  }

  /** `go` with a deadline; see the free function `timeout`. */
  timeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.submit(fn, args, { timeoutMs: checkTimeout(ms) });
  }

  /** Go's name for `timeout`. */
  goWithTimeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.timeout(ms, fn, ...args);
  }

  /** `go.with({ signal, timeoutMs, name })` on this runtime. */
  goWith(options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
    return withOptionsOn(() => this, options);
  }

  /** An errgroup whose members run on this runtime; see `group`. */
  group(options?: GroupOptions): Group {
    return new Group(options, this);
  }

  goWithRecover<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Promise<Result<R>> {
    return recoverOn(this, fn, args);
  }

  goWithCleanup<A extends unknown[], R>(fn: TaskFn<A, R>, cleanup: () => void, ...args: A): Task<R> {
    return cleanupOn(this, fn, cleanup, args);
  }

  goWithRetry<A extends unknown[], R>(fn: TaskFn<A, R>, options: RetryOptions, ...args: A): Promise<R> {
    return retryOn(this, fn, options, args);
  }

  goWithCircuitBreaker<A extends unknown[], R>(name: string, fn: TaskFn<A, R>, ...args: A): Promise<R> {
    return breakerOn(this, name, fn, args);
  }

  goMust<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return mustOn(this, fn, args);
  }

  spawnMany<R>(count: number, fn: TaskFn<[id: number], R>): Task<R>[] {
    return spawnManyOn(this, count, fn);
  }

  awaitAll<R>(tasks: readonly Task<R>[]): Promise<Result<R>[]> {
    return awaitAll(tasks);
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }

  waitGroup(): WaitGroup {
    return waitGroup();
  }

  /** A scheduler whose jobs run on this runtime; see `createScheduler`. */
  createScheduler(options?: SchedulerOptions): Scheduler {
    return new Scheduler(options, () => this);
  }

  /** A pipeline whose stages run on this runtime; see `pipeline`. */
  pipeline<In = unknown>(options?: PipelineOptions): Pipeline<In, In> {
    return new Pipeline<In, In>(options, () => this);
  }

  /** A goroutine manager whose tasks run on this runtime; see `createManager`. */
  createManager(options?: ManagerOptions): Manager {
    return new Manager(options, () => this);
  }

  /** `go` with options; the variants (timeouts, names) build on it. */
  submit<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> {
    if (this.#broken) throw this.#broken;
    const task = this.#connection.endpoint.submit<R>(fn, args, options);
    if (!this.#watching) void this.#watch();
    return task;
  }

  /** A gid for a task to be submitted later, with SubmitOptions.gid. */
  reserveGid(): number {
    return this.#connection.endpoint.reserveGid();
  }

  /** Counts this runtime among the open ones that blocked operations on this thread wait for. */
  readonly #closeParking = openRuntime();
  /** Each worker's record of what it is blocked on (made on the first dump). */
  #boards: BlockedBoard[] | undefined;

  /** Every task running on this runtime's workers now, longest-running first (a goroutine dump). */
  dump(): RunningTask[] {
    this.#boards ??= this.#layout.workerBlocks.map((block) => new BlockedBoard(this.#buffer, block / 4 + WorkerWord.BLOCKED));
    const boards = this.#boards;
    return readDump(this.#claims, this.#connection.code, (worker) => boards[worker].read());
  }

  /**
   * Counters, wait/run-time histograms (microseconds) and per-worker busy time, read from shared
   * memory without a message to any worker; see @routine/stats.
   */
  stats(): StatsSnapshot {
    const { histograms: _, ...stats } = this.#detailedStats();
    return stats;
  }

  /** stats() in the Prometheus text exposition format, for a /metrics endpoint. */
  toPrometheus(options?: PrometheusOptions): string {
    return toPrometheus(this.#detailedStats(), options);
  }

  #detailedStats(): DetailedSnapshot {
    if (!this.#options.metrics) {
      throw new InvalidArgumentError('stats are off for this runtime: it was created with metrics: false. Leave metrics out (or true) to read them');
    }
    const blocks = this.#layout.statsBlocks;
    return snapshot({ buffer: this.#buffer, threadBlocks: blocks, workerBlocks: blocks.slice(1), startedMs: this.#startedMs, nowMs: monotonicMs() });
  }

  /**
   * Stops accepting tasks, waits for every pending one to settle, then stops the workers. With
   * `graceMs`, tasks still pending after it are cut off as by terminate().
   */
  close(options: CloseOptions = {}): Promise<void> {
    const graceMs = checkGrace(options);
    this.#closing ??= this.#shutDown(false);
    if (graceMs !== Infinity && !this.#grace) {
      this.#grace = delay(graceMs, () => this.#cutOff(`the runtime was closed with graceMs: ${graceMs} and this task had not finished by then`));
    }
    return this.#closing;
  }

  /** Stops now: pending tasks reject with RuntimeClosedError, running ones are cut off. */
  terminate(): Promise<void> {
    const closing = this.#shutDown(true);
    this.#closing ??= closing;
    return closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutDown(abort: boolean): Promise<void> {
    const { endpoint, views, submissions } = this.#connection;
    endpoint.close();
    // Blocked channel and lock operations end with RuntimeClosedError: on workers at their next
    // look at the run state, on this thread at once.
    Atomics.store(views.i32, Header.STATE, RunState.closing);
    this.#closeParking();
    if (abort) {
      this.#cutOff('the runtime was terminated before this task finished');
    } else if (endpoint.pendingCount > 0) {
      await new Promise<void>((resolve) => (this.#drained = resolve));
    }
    clearDelay(this.#grace);
    Atomics.store(views.i32, Header.STATE, RunState.stopped);
    // Wake every parked worker so it sees the stop state.
    wakeAll(submissions.dataBell);
    await (this.#cut ? this.#pool.terminate() : this.#pool.stop());
    this.#recovery.discardQueued();
    this.#release();
  }

  /** Fails every pending task with RuntimeClosedError; the workers, whatever they run, are then terminated. */
  #cutOff(reason: string): void {
    this.#cut = true;
    this.#connection.endpoint.abandonAll(new RuntimeClosedError(reason));
    this.#drained?.();
  }

  /** Settles completions as they arrive, for as long as tasks are pending. */
  async #watch(): Promise<void> {
    const { endpoint, inboxes } = this.#connection;
    const inbox = inboxes[0];
    this.#watching = true;
    this.#keepAlive ??= setInterval(() => {}, 1 << 30);
    const hasWork = (): boolean => !inbox.isEmpty();
    try {
      while (endpoint.pendingCount > 0 || this.#recovery.deferredCount > 0) {
        // With tasks waiting behind a full ring and none of ours in it, no completion of ours
        // will wake us: poll for room instead.
        const poll = endpoint.overflowCount > 0 || this.#recovery.deferredCount > 0 ? OVERFLOW_POLL_MS : undefined;
        await waitAsync(inbox.dataBell, hasWork, poll);
        endpoint.drain();
        if (endpoint.overflowCount > 0) endpoint.flushOverflow();
        if (this.#recovery.deferredCount > 0) this.#recovery.retry();
      }
    } finally {
      this.#watching = false;
      if (!this.#closing || endpoint.pendingCount === 0) this.#release();
      this.#drained?.();
    }
  }

  /**
   * Cancelling a task a worker already holds: mark its claim entry, then wake that worker (through
   * its inbox doorbell) so it aborts the task's signal. A synchronous task sees it only once it
   * returns; an async one at its next turn of the event loop.
   */
  #abort(gid: number): void {
    const { inboxes } = this.#connection;
    // A worker makes its claim entry visible before it swaps the task's token, so a task whose
    // cancel found it claimed is here, unless it has already finished.
    const found = this.#claims.find(gid);
    if (!found) return;
    markAborted(found.i32, found.entry);
    this.#claims.signal(found.worker);
    wakeAll(inboxes[1 + found.worker].dataBell);
  }

  #release(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #onWorkerDeath(index: number, error: unknown, exitCode: number, started: boolean): void {
    const stoppedGid = this.#stoppedFor.get(index);
    this.#stoppedFor.delete(index);
    const panics = this.#recovery.recover(index, error, exitCode, stoppedGid);
    if (!started) {
      this.#onStartFailure(index, error, exitCode);
      return;
    }
    if (stoppedGid === undefined || panics.length > 0) {
      reportPanic(this.#log(), error ?? exitCode, panics, () => [
        { err: error, worker: index, exitCode, gids: panics },
        `routine: worker ${index} ${stoppedGid === undefined ? 'died' : `was stopped to end task ${stoppedGid}`}` +
          `${panics.length > 0 ? `, failing ${panics.length} task(s) running on it` : ''}; starting a replacement`,
      ]);
    }
    this.#pool.replace(index);
    if (!this.#watching && (this.#connection.endpoint.pendingCount > 0 || this.#recovery.deferredCount > 0)) void this.#watch();
  }

  /**
   * A worker died before it booted. Tasks wait for its restart (a transient failure costs them
   * nothing); once every slot has used up its attempts, no worker will ever take them, so they
   * and every later task fail with the start error, and close() has nothing left to wait for.
   */
  #onStartFailure(index: number, cause: unknown, exitCode: number): void {
    const reason = cause instanceof Error ? cause.message : `it exited with code ${exitCode}`;
    const error = new WorkerStartError(
      `worker ${index} could not start: ${reason}. Check that workerSetup exists and imports without throwing, ` +
        'that resourceLimits leave room to boot, and that execArgv holds only flags a worker accepts',
      { cause },
    );
    if (cause === undefined) error.exitCode = exitCode;
    const restart = this.#pool.replace(index);
    if (restart === undefined) return; // stopping
    this.#log().error(
      { err: cause, worker: index, exitCode },
      restart === 'given-up'
        ? `routine: worker ${index} failed to start ${START_ATTEMPTS} times in a row; giving it up: ${reason}`
        : `routine: worker ${index} failed to start; attempt ${restart.attempt} of ${START_ATTEMPTS} in ${restart.delayMs} ms: ${reason}`,
    );
    if (!this.#pool.broken) return;
    this.#broken = error;
    this.#connection.endpoint.abandonAll(error);
    this.#recovery.discardQueued();
  }
}

export interface CloseOptions {
  /**
   * How long close() waits for pending tasks (default Infinity); then they reject with
   * RuntimeClosedError and the workers are terminated, as by terminate().
   */
  graceMs?: number;
}

function checkGrace(options: CloseOptions): number {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`close() takes an options object ({ graceMs }), ${got(options)}`);
  const graceMs = options.graceMs ?? Infinity;
  if (typeof graceMs !== 'number' || Number.isNaN(graceMs) || graceMs < 0) {
    throw new InvalidArgumentError(`close({ graceMs }) needs a number of milliseconds >= 0 (or Infinity), ${got(graceMs)}`);
  }
  return graceMs;
}

/** Creates a runtime with its own workers. Close it (or `await using`) when done. */
export function createRuntime(options?: RuntimeOptions): Runtime {
  return new Runtime(options);
}
