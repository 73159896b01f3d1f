/**
 * A runtime: one shared buffer, a fixed pool of workers, and the main thread's endpoint on it.
 *
 * The main thread never blocks. While tasks it started are pending it waits on its inbox with
 * `Atomics.waitAsync` and holds one ref'd timer so the process stays up; once none are pending it
 * lets go of both, and since workers are unref'd, a script that awaited its tasks exits by itself.
 */
import { EventEmitter } from 'node:events';
import { initThreadStats, monotonicMs, snapshot, toPrometheus, type DetailedSnapshot, type PrometheusOptions, type StatsSnapshot } from '@routine/stats';
import type { Logger } from 'pino';
import {
  ClaimTables, type CompletionWriter, connect, type Connection, createSpillTables, Encoder, gidCounter, GidSource, Header,
  InvalidArgumentError, type Layout, markAborted, ParcelStore, planLayout, reportPanic, reportUnobserved, type Result,
  routineLogger, RunState, RuntimeClosedError, setLogger, openRuntime, BlockedBoard, WorkerWord, WorkerStartError, type SubmitOptions, type Task, type TaskFn, type TaskHandle,
  waitAsync, wakeAll, waitGroup, type WaitGroup, got, clearDelay, delay, type Delay, SpinBudget, reporterId, relayingSpans,
  type AfterRoutine, type BeforeRoutine, checkHandler, type ErrorHandler, type PanicHandler,
} from '@routine/core';
import { availableParallelism } from 'node:os';
import { nextRuntimeName, register, unregister } from './registry.js';
import { TaskObservers } from './task-observers.js';
import { Gate } from './gate.js';
import { makingSpans, traceTask, tracingActive } from './task-tracing.js';
import { giveUpWaitingSpans, makeRelayedSpans } from './relayed-spans.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './options.js';
import { NoRoom, Recovery } from './crash-recovery.js';
import { Resizer } from './resizer.js';
import { TaskStopper } from './task-stopper.js';
import { WorkerLogs } from './worker-logs.js';
import { checkTimeout } from '../api/timeout.js';
import { withOptionsOn, type GoOptions } from '../api/go.js';
import { Group, type GroupOptions } from '../api/group.js';
import { cleanupOn, recoverOn } from '../api/variants.js';
import { breakerOn, retryOn, type RetryOptions } from '../api/resilience.js';
import { mustOn } from '../api/must.js';
import { awaitAll, sleep, spawnManyOn } from '../api/spawn.js';
import { type ItemFn, mapOn, type MapOptions } from '../api/map.js';
import { readDump, type RunningTask } from './dump.js';
import { START_ATTEMPTS, WorkerPool } from './worker-pool.js';
import { Scheduler, type SchedulerOptions } from '../long-lived/scheduler.js';
import { Pipeline, type PipelineOptions, type UnsetInput } from '../long-lived/pipeline.js';
import { Manager, type ManagerOptions } from '../long-lived/manager.js';

/** How often the main thread re-tries moving waiting tasks into a ring that has no room. */
const OVERFLOW_POLL_MS = 1;
/**
 * Inbox polls before the main thread parks on Atomics.waitAsync, adapted between these: at most
 * some 20 µs of its event loop, and only while that catches completions (SpinBudget).
 */
const MAIN_SPIN_MIN = 20;
/** The longest the main thread settles tasks without giving the event loop a turn. */
const MAX_MICROTASK_MS = 4;
const MAIN_SPIN_MAX = 1000;

/**
 * A runtime's events, Node-style (`runtime.on('idle', ...)`):
 * - `idle`: no task started here is pending any more.
 * - `drain`: the tasks that waited behind a full ring (or beyond this thread's credits) have all
 *   gone in, as a stream's 'drain' says there is room again.
 * - `error` (error, gid): a task failed and nobody observed it. With a listener (or a handler set
 *   by setErrorHandler) it is not logged and the process-wide handler is not called. Unlike
 *   EventEmitter's usual 'error', having no listener never throws: it falls back to the log.
 * - `panic` (value, stack, gid): a worker died under task `gid` (0: running nothing).
 * - `workerCreate` (index, threadId): a worker booted, at creation or as a replacement.
 * - `workerExit` (index, exitCode, threadId): a worker exited, whatever the reason.
 */
export interface RuntimeEvents {
  /** No task started here is pending any more. */
  idle: [];
  /** The tasks that waited behind a full ring have all gone in. */
  drain: [];
  /** A task failed and nobody observed it. */
  error: [error: Error, gid: number];
  /** A worker died under task `gid` (0: running nothing). */
  panic: [value: unknown, stack: string, gid: number];
  /** A worker booted, at creation or as a replacement. */
  workerCreate: [index: number, threadId: number];
  /** A worker exited, whatever the reason. */
  workerExit: [index: number, exitCode: number, threadId: number];
}

/** One shared buffer and a fixed pool of worker threads, with every free function (`go`, `group`, `timeout`, ...) as a method. Make one with `createRuntime()`; the free functions use `defaultRuntime()`. */
export class Runtime extends EventEmitter<RuntimeEvents> {
  /** What it is listed under in /metrics and /debug/routines (RuntimeOptions.name). */
  readonly name: string;
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
  readonly #mainSpin = new SpinBudget(MAIN_SPIN_MIN, MAIN_SPIN_MAX);
  /** A core is left over beside the workers, for the main thread's spin. */
  readonly #spareCore: boolean;
  /** When #watch last gave the event loop a turn (see MAX_MICROTASK_MS). */
  #lastTurn = performance.now();
  #keepAlive: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  /** Why no worker could start, once every slot is given up (worker-pool.ts): `go` throws it. */
  #broken: WorkerStartError | undefined;
  /** close({ graceMs })'s timer, and whether pending tasks were cut off (by it or terminate()). */
  #grace: Delay | undefined;
  #cut = false;
  /** Resolves when tasks are cut off: the workers still finishing nested tasks are then ended too. */
  #onCut!: () => void;
  readonly #cutSignal = new Promise<void>((resolve) => (this.#onCut = resolve));
  #logger: Logger | undefined;
  readonly #logs = new WorkerLogs(() => this.#log());
  readonly #observers = new TaskObservers();
  #errorHandler: ErrorHandler | undefined;
  #panicHandler: PanicHandler | undefined;
  /** Tasks have waited in the overflow line since the last 'drain'. */
  #overflowed = false;
  readonly #idleWaiters: (() => void)[] = [];
  readonly #gate: Gate;
  readonly #resizer: Resizer;

  constructor(options?: RuntimeOptions) {
    super();
    this.#options = resolveOptions(options);
    this.name = this.#options.name ?? nextRuntimeName();
    if (this.#options.logger) setLogger(this.#log());
    this.#layout = planLayout(this.#options.layout);
    this.#spareCore = availableParallelism() > this.#layout.workers;
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
      onUnobserved: (error, gid, traceId) => reportUnobserved(this.#log(), error, gid, traceId, this.#ownErrorHandler()),
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
      runtime: this.name,
      buffer: this.#buffer,
      layout: this.#layout,
      initial: this.#options.workers,
      spills,
      gidCounter: gidCounter(),
      parcels: this.#parcels,
      setup: this.#options.workerSetup,
      metrics: this.#options.metrics,
      resourceLimits: this.#options.resourceLimits,
      execArgv: this.#options.execArgv,
      env: this.#options.env,
      logs: this.#logs,
      logLevel: this.#options.workerLogLevel,
      onDeath: (index, error, exitCode, started) => this.#onWorkerDeath(index, error, exitCode, started),
      onWatchDeadline: (gid, timeoutMs) => delay(timeoutMs, (late: number) => this.#stopper.stop(late), gid).unref(),
      onAbort: (gid) => this.#abort(gid),
      onCreate: (index, threadId) => this.emit('workerCreate', index, threadId),
      onExit: (index, exitCode, threadId) => this.emit('workerExit', index, exitCode, threadId),
      onSpans: makeRelayedSpans,
      onProgress: (gid, ticket, value) => this.#connection.endpoint.deliverProgress(ticket, gid, value),
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
    this.#resizer = new Resizer({
      layout: this.#layout,
      buffer: this.#buffer,
      claims: this.#claims,
      pool: this.#pool,
      initial: this.#options.workers,
      closing: () => this.#closing !== undefined,
    });
    this.#gate = new Gate({
      submitter: this,
      send: (fn, args, options) => this.#submitNow(fn, args, options),
      overflowing: () => this.#connection.endpoint.overflowCount > 0,
      onUnobserved: (error, gid, traceId) => reportUnobserved(this.#log(), error, gid, traceId, this.#ownErrorHandler()),
      holding: (on) => {
        if (on) this.#keepAlive ??= setInterval(() => {}, 1 << 30);
        else if (!this.#watching) this.#release();
      },
    });
    register(this);
  }

  /**
   * Holds every task submitted from now on until resume(); tasks already handed to the workers
   * still run. See dispatch/gate.ts. close() resumes first, so nothing held is lost.
   */
  pause(): void {
    this.#gate.pause();
  }

  /** Lets the tasks held since pause() go, highest priority first. */
  resume(): void {
    this.#gate.resume();
  }

  /** Whether pause() holds new tasks now. */
  get paused(): boolean {
    return this.#gate.paused;
  }

  /** Tasks waiting in the runtime's own line: held by pause(), or behind higher priorities. */
  get heldCount(): number {
    return this.#gate.waiting;
  }

  /** The runtime's own error handler (setErrorHandler's, and its 'error' listeners), if it has one. */
  #ownErrorHandler(): ErrorHandler | undefined {
    const handler = this.#errorHandler;
    if (!handler && this.listenerCount('error') === 0) return undefined;
    return (error, gid) => {
      handler?.(error, gid);
      // EventEmitter throws an 'error' nobody listens to: here the handler has it already.
      if (this.listenerCount('error') > 0) this.emit('error', error, gid);
    };
  }

  /** As #ownErrorHandler, for panics. */
  #ownPanicHandler(): PanicHandler | undefined {
    const handler = this.#panicHandler;
    if (!handler && this.listenerCount('panic') === 0) return undefined;
    return (value, stack, gid) => {
      handler?.(value, stack, gid);
      this.emit('panic', value, stack, gid);
    };
  }

  /**
   * Unobserved failures of this runtime's tasks go to `handler` instead of the process-wide
   * handler (setErrorHandler) or the log; `undefined` restores that.
   */
  setErrorHandler(handler: ErrorHandler | undefined): void {
    this.#errorHandler = checkHandler('runtime.setErrorHandler', handler);
  }

  /** Deaths of this runtime's workers go to `handler`, once per task that died; `undefined` restores the process-wide one. */
  setPanicHandler(handler: PanicHandler | undefined): void {
    this.#panicHandler = checkHandler('runtime.setPanicHandler', handler);
  }

  /** A hook run on this thread when this runtime accepts a task; returns its remover. See also the process-wide addBeforeRoutine. */
  addBeforeRoutine(hook: BeforeRoutine): () => void {
    return this.#observers.addBefore(hook);
  }

  /** A hook run on this thread when a task of this runtime settles, with its Result; returns its remover. */
  addAfterRoutine(hook: AfterRoutine): () => void {
    return this.#observers.addAfter(hook);
  }

  /** Removes a hook added with this runtime's addBeforeRoutine. */
  removeBeforeRoutine(hook: BeforeRoutine): void {
    this.#observers.removeBefore(hook);
  }

  /** Removes a hook added with this runtime's addAfterRoutine. */
  removeAfterRoutine(hook: AfterRoutine): void {
    this.#observers.removeAfter(hook);
  }

  /** Why no worker can start (every start failed; tasks fail with it), or undefined while healthy. */
  get startError(): WorkerStartError | undefined {
    return this.#broken;
  }

  /** The threadId of worker `index` now, or undefined while it is being replaced. */
  threadIdOf(index: number): number | undefined {
    return this.#pool.threadId(index);
  }

  /** The logger given to createRuntime, else routine's own, made on first use; at logLevel if one was asked for. */
  #log(): Logger {
    if (this.#logger) return this.#logger;
    const base = this.#options.logger ?? routineLogger();
    const level = this.#options.logLevel;
    this.#logger = level === undefined || level === base.level ? base : base.child({}, { level });
    return this.#logger;
  }

  /** Worker threads in the pool (see resize). */
  get workers(): number {
    return this.#resizer.active;
  }

  /**
   * Sets the number of workers at run time, as Go's GOMAXPROCS, from 1 to the runtime's
   * maxWorkers. Growing starts workers at once; shrinking retires the highest-numbered workers,
   * each once it holds no task, so nothing queued or running is lost (see resizer.ts). Resolves
   * once done; calls take effect in order.
   */
  resize(workers: number): Promise<void> {
    const max = this.#layout.workers;
    if (!Number.isInteger(workers) || workers < 1 || workers > max) {
      throw new InvalidArgumentError(`resize() needs a whole number of workers from 1 to ${max} (maxWorkers), ${got(workers)}. Create the runtime with a larger maxWorkers to grow further`);
    }
    if (this.#closing) throw new RuntimeClosedError('the runtime is closed: it cannot be resized');
    return this.#resizer.resize(workers);
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

  /** As `go`, but settles with a Result and never rejects, even when the worker dies. */
  goWithRecover<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Promise<Result<R>> {
    return recoverOn(this, fn, args);
  }

  /** As `go`; `cleanup` runs on this thread once the task settles, whatever the outcome. */
  goWithCleanup<A extends unknown[], R>(fn: TaskFn<A, R>, cleanup: () => void, ...args: A): Task<R> {
    return cleanupOn(this, fn, cleanup, args);
  }

  /** Runs the task, and runs it again after a failure, up to `options.retries` more times. */
  goWithRetry<A extends unknown[], R>(fn: TaskFn<A, R>, options: RetryOptions, ...args: A): Promise<R> {
    return retryOn(this, fn, options, args);
  }

  /** Runs the task through the circuit named `name`: refused at once with BrokenCircuitError while it is open. */
  goWithCircuitBreaker<A extends unknown[], R>(name: string, fn: TaskFn<A, R>, ...args: A): Promise<R> {
    return breakerOn(this, name, fn, args);
  }

  /** As `go`; a failure is logged at fatal and handed to the fatal handler (default: exit with code 1). */
  goMust<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return mustOn(this, fn, args);
  }

  /** `fn(item, index)` for every item on the workers, in chunks; see the free function `map`. */
  map<T, R>(fn: ItemFn<T, R>, items: Iterable<T> | ArrayLike<T>, options?: MapOptions): Promise<R[]> {
    return mapOn(this, fn, items, options);
  }

  /** Starts `count` tasks, `fn(id)` for id 0 to count - 1. */
  spawnMany<R>(count: number, fn: TaskFn<[id: number], R>): Task<R>[] {
    return spawnManyOn(this, count, fn);
  }

  /** Waits for every task and resolves with their Results, in order; never rejects. */
  awaitAll<R>(tasks: readonly Task<R>[]): Promise<Result<R>[]> {
    return awaitAll(tasks);
  }

  /** Resolves after `ms` milliseconds (a timer; inside a task, the task yields meanwhile). */
  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }

  /** A WaitGroup in this runtime's shared memory, to pass to tasks. */
  waitGroup(): WaitGroup {
    return waitGroup();
  }

  /** A scheduler whose jobs run on this runtime; see `createScheduler`. */
  createScheduler(options?: SchedulerOptions): Scheduler {
    return new Scheduler(options, () => this);
  }

  /** A pipeline whose stages run on this runtime; see `pipeline`. */
  pipeline<In = UnsetInput>(options?: PipelineOptions): Pipeline<In, In> {
    return new Pipeline<In, In>(options, () => this);
  }

  /** A goroutine manager whose tasks run on this runtime; see `createManager`. */
  createManager(options?: ManagerOptions): Manager {
    return new Manager(options, () => this);
  }

  /** `go` with options; the variants (timeouts, names) build on it. */
  submit<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> {
    if (this.#broken) throw this.#broken;
    if (this.#gate.holds(options)) {
      if (this.#closing) throw new RuntimeClosedError('the runtime is closed: it accepts no new tasks. Create a new runtime with createRuntime()');
      return this.#gate.hold(fn, args, options) as TaskHandle<R>;
    }
    return this.#submitNow(fn, args, options);
  }

  #submitNow<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> {
    const { endpoint } = this.#connection;
    const traced = tracingActive();
    // Its workers report their nested tasks while spans are made here, or, for a runtime created
    // inside a task, while this worker reports its own.
    const relay = makingSpans() || relayingSpans();
    if (relay !== this.#relayingSpans) this.#relaySpans(relay);
    const task = traced
      ? (traceTask((traced) => endpoint.submit(fn, args, traced), options, this.name) as TaskHandle<R>)
      : endpoint.submit<R>(fn, args, options);
    if (!this.#watching) void this.#watch();
    if (this.#observers.active) this.#observers.observe(task as TaskHandle<unknown>);
    return task;
  }

  /** Whether this runtime's workers report the nested tasks they start (Header.RELAY_SPANS). */
  #relayingSpans = false;

  #relaySpans(on: boolean): void {
    this.#relayingSpans = on;
    Atomics.store(this.#connection.views.i32, Header.RELAY_SPANS, on ? 1 : 0);
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

  /** stats() with every histogram bucket, for exporters (serveDebug's /metrics). */
  detailedStats(): DetailedSnapshot {
    return this.#detailedStats();
  }

  #detailedStats(): DetailedSnapshot {
    if (!this.#options.metrics) {
      throw new InvalidArgumentError('stats are off for this runtime: it was created with metrics: false. Leave metrics out (or true) to read them');
    }
    const blocks = this.#layout.statsBlocks;
    const stats = snapshot({ buffer: this.#buffer, threadBlocks: blocks, workerBlocks: blocks.slice(1), startedMs: this.#startedMs, nowMs: monotonicMs() });
    // Slots beyond the active ones (room for resize) are no workers; their histograms stay in.
    const active = this.#resizer.active;
    if (stats.workers.length > active) stats.workers = stats.workers.slice(0, active);
    return stats;
  }

  /**
   * Stops accepting tasks, waits for every pending one to settle, then stops the workers, each once
   * the tasks it holds have settled (nested tasks a task started and did not wait for among them).
   * With `graceMs`, whatever is still pending or running after it is cut off as by terminate().
   */
  close(options: CloseOptions = {}): Promise<void> {
    const graceMs = checkGrace(options);
    // Held tasks were accepted: they go to the endpoint, in their order, before it closes.
    this.#gate.admit(true);
    this.#closing ??= this.#shutDown(false);
    if (graceMs !== Infinity && !this.#grace) {
      this.#grace = delay(graceMs, () => this.#cutOff(`the runtime was closed with graceMs: ${graceMs} and this task had not finished by then`));
    }
    return this.#closing;
  }

  /** Stops now: pending tasks reject with RuntimeClosedError, running ones are cut off. */
  terminate(): Promise<void> {
    this.#gate.failAll(new RuntimeClosedError('the runtime was terminated before this task left its line'));
    const closing = this.#shutDown(true);
    this.#closing ??= closing;
    return closing;
  }

  /** `await using runtime = createRuntime()`: closes it (as `close()`) at the end of the scope. */
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
    Atomics.store(views.i32, Header.STATE, RunState.stopped);
    // Wake every parked worker so it sees the stop state.
    wakeAll(submissions.dataBell);
    // The grace covers the nested tasks the workers still finish, too.
    await (this.#cut ? this.#pool.terminate() : this.#pool.stop(this.#cutSignal));
    clearDelay(this.#grace);
    this.#recovery.discardQueued();
    this.#release();
    this.#logs.closeAll();
    giveUpWaitingSpans(this.name);
    endpoint.reportUnobserved();
    this.#gate.reportUnobserved();
    unregister(this);
  }

  /** Fails every pending task with RuntimeClosedError; the workers, whatever they run, are then terminated. */
  #cutOff(reason: string): void {
    this.#cut = true;
    this.#onCut();
    this.#connection.endpoint.abandonAll(new RuntimeClosedError(reason));
    this.#drained?.();
  }

  /**
   * A short spin for completions before parking, when a core is free for it: one is left over
   * beside the workers, or fewer tasks are pending than there are workers, so one of them is idle.
   * Otherwise it would take time from the very workers it waits for (a burst on a machine with no
   * spare core ran a third slower). It starts a microtask later, once the caller's own synchronous
   * code, a burst of go() calls say, has run.
   */
  async #spunFor(hasWork: () => boolean): Promise<boolean> {
    const { endpoint } = this.#connection;
    if (!this.#spareCore && endpoint.pendingCount >= this.#layout.workers) return false;
    await undefined;
    return this.#mainSpin.spin(hasWork);
  }

  /** Settles completions as they arrive, for as long as tasks are pending. */
  async #watch(): Promise<void> {
    const { endpoint, inboxes } = this.#connection;
    const inbox = inboxes[0];
    this.#watching = true;
    this.#keepAlive ??= setInterval(() => {}, 1 << 30);
    const watching = (): boolean => endpoint.pendingCount > 0 || this.#recovery.deferredCount > 0;
    // Also true once nothing is pending: the last task may settle outside the inbox (a crash, a
    // cancel) while this loop is between two awaits, when its wake-up finds no waiter.
    const hasWork = (): boolean => !inbox.isEmpty() || !watching();
    try {
      while (watching()) {
        // With tasks waiting behind a full ring and none of ours in it, no completion of ours
        // will wake us: poll for room instead.
        const poll = endpoint.overflowCount > 0 || this.#recovery.deferredCount > 0 ? OVERFLOW_POLL_MS : undefined;
        // A spin or a completion already there settles tasks in microtasks alone; a caller that
        // awaits go() in a loop would then never let a timer or an I/O callback run.
        if (performance.now() - this.#lastTurn > MAX_MICROTASK_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          this.#lastTurn = performance.now();
        }
        if (!(await this.#spunFor(hasWork))) {
          const parkedAt = performance.now();
          await waitAsync(inbox.dataBell, hasWork, poll);
          this.#mainSpin.parked(performance.now() - parkedAt);
        }
        endpoint.drain();
        if (endpoint.overflowCount > 0) {
          this.#overflowed = true;
          endpoint.flushOverflow();
        }
        if (this.#recovery.deferredCount > 0) this.#recovery.retry();
        if (this.#gate.waiting > 0) this.#gate.admit();
        this.#checkDrained();
      }
    } finally {
      this.#watching = false;
      if (!this.#closing || endpoint.pendingCount === 0) this.#release();
      this.#drained?.();
    }
    this.#checkDrained();
    if (endpoint.pendingCount === 0) this.#becameIdle();
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

  /**
   * Resolves once no task started here is pending (at once if none is), like p-queue's onIdle.
   * Unlike waiting for the 'idle' event, it cannot miss an idle moment that came first.
   */
  onIdle(): Promise<void> {
    if (!this.#watching && this.#connection.endpoint.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #becameIdle(): void {
    const waiters = this.#idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
    this.emit('idle');
  }

  #checkDrained(): void {
    if (this.#overflowed && this.#connection.endpoint.overflowCount === 0) {
      this.#overflowed = false;
      this.emit('drain');
    }
  }

  #release(): void {
    if (this.#gate.waiting > 0) return; // held tasks keep the process up until they run
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #onWorkerDeath(index: number, error: unknown, exitCode: number, started: boolean): void {
    giveUpWaitingSpans(this.name, reporterId(index, this.#pool.generation(index))); // its reports are lost with it
    const stoppedGid = this.#stoppedFor.get(index);
    this.#stoppedFor.delete(index);
    const { panics, handled } = this.#recovery.recover(index, error, exitCode, stoppedGid);
    if (this.#resizer.retired(index)) {
      // Retired by resize(): no replacement. It held nothing, unless it died on its own meanwhile.
      if (panics.length > 0) {
        reportPanic(this.#log(), handled, error ?? exitCode, panics, () => [
          { err: error, worker: index, exitCode, gids: panics },
          `routine: worker ${index} died while being retired, failing ${panics.length} task(s)`,
        ], this.#ownPanicHandler());
      }
      if (!this.#watching && (this.#connection.endpoint.pendingCount > 0 || this.#recovery.deferredCount > 0)) void this.#watch();
      return;
    }
    if (!started) {
      this.#onStartFailure(index, error, exitCode);
      return;
    }
    if (stoppedGid === undefined || panics.length > 0) {
      reportPanic(this.#log(), handled, error ?? exitCode, panics, () => [
        { err: error, worker: index, exitCode, gids: panics },
        `routine: worker ${index} ${stoppedGid === undefined ? 'died' : `was stopped to end task ${stoppedGid}`}` +
          `${panics.length > 0 ? `, failing ${panics.length} task(s) running on it` : ''}` +
          `${this.#pool.stopping ? ' as the runtime closed' : '; starting a replacement'}`,
      ], this.#ownPanicHandler());
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

/** Options of `close()`. */
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
