/**
 * The worker threads of one runtime: starting them, noticing when one dies, replacing it, and
 * stopping them all. What a death means for the tasks it held is the runtime's business
 * (recovery.ts); this file only reports it.
 *
 * A worker that dies before it has booted (WORKER_READY) failed to start, and another start would
 * most likely fail the same way: its slot is restarted with backoff, and given up after
 * START_ATTEMPTS failures in a row. Once every slot is given up the runtime is broken.
 */
import { MessageChannel, type MessagePort, type ResourceLimits, type SHARE_ENV, Worker } from 'node:worker_threads';
import {
  BootState, InvalidArgumentError, type ProgressMessage, type Layout, type LogLevel, type ParcelStore, type RelayedSpan, Safety, serveControl, type WorkerBoot, WORKER_LEFT, WORKER_READY, WorkerWord,
} from '@routine/core';
import { withoutRefused, workerExecArgv } from './worker-flags.js';
import type { WorkerLogs } from './worker-logs.js';

export interface WorkerPoolOptions {
  /** The runtime's name, which its workers label their spans with. */
  runtime: string;
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** Slots started at creation, from 0 (the layout may have room for more: resize). */
  initial: number;
  /** Each worker's spill table, handed to it and to its replacements. */
  spills: readonly SharedArrayBuffer[];
  gidCounter: Int32Array;
  parcels: ParcelStore;
  setup?: string;
  metrics: boolean;
  resourceLimits?: ResourceLimits;
  /** Node flags for the workers; undefined: the parent's, less those a worker cannot take. */
  execArgv?: string[];
  env?: Record<string, string> | typeof SHARE_ENV;
  /** Where the workers' log lines go, and the level they log at. */
  logs: WorkerLogs;
  logLevel: LogLevel;
  /** `started`: whether it had booted; a worker that had not failed to start. */
  onDeath(index: number, error: unknown, exitCode: number, started: boolean): void;
  /** A worker started task `gid` with a timeout: stop it if it is still running then. */
  onWatchDeadline(gid: number, timeoutMs: number): void;
  /** A worker cancelled task `gid`, which another worker is running. */
  onAbort(gid: number): void;
  /** Worker `index` has booted (its setup imported) and takes tasks. */
  onCreate?(index: number, threadId: number): void;
  /** Worker `index` has exited, whatever the reason (a replacement, if any, is reported by onCreate). */
  onExit?(index: number, exitCode: number, threadId: number): void;
  /** A task started on the main thread reported progress: its handle is at `ticket` there. */
  onProgress(gid: number, ticket: number, value: unknown): void;
  /** A worker reported the nested tasks it traced (relayed-spans.ts). */
  onSpans?(spans: RelayedSpan[]): void;
}

const ENTRY = import.meta.resolve('@routine/worker-entry');

/** Failed starts in a row after which a slot is given up. */
export const START_ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

/** What `replace` did after a failed start: which attempt comes next and when, or that it gave up. */
export type Restart = { attempt: number; delayMs: number } | 'given-up';

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: (Worker | undefined)[] = [];
  /** Workers the pool terminated on purpose while stopping: their exit is no death. */
  readonly #ended = new WeakSet<Worker>();
  /** Each worker's parcel port, this side: what the main thread sends on to a worker goes there. */
  readonly #parcelPorts: (MessagePort | undefined)[] = [];
  readonly #i32: Int32Array;
  /** Per slot: whether its worker has booted, its failed starts in a row, a restart it waits for. */
  readonly #started: boolean[] = [];
  readonly #failedStarts: number[] = [];
  readonly #restarts: (NodeJS.Timeout | undefined)[] = [];
  #givenUp = 0;
  /** Slots in use: started at creation or by activate(), not retired. */
  #live: number;
  #execArgv: string[] | undefined;
  /** Whether #execArgv is ours (derived from the parent's), so flags Node refuses may be dropped. */
  readonly #derivedArgv: boolean;
  #stopping = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#i32 = new Int32Array(options.buffer);
    this.#execArgv = options.execArgv ?? workerExecArgv(process.execArgv);
    this.#derivedArgv = options.execArgv === undefined;
    this.#live = options.initial;
    try {
      for (let index = 0; index < options.initial; index++) this.#start(index, true);
    } catch (error) {
      void this.terminate();
      throw error;
    }
  }

  /** stop() or terminate() began: no worker is replaced any more. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Every slot has failed to start START_ATTEMPTS times in a row: no worker will take a task. */
  get broken(): boolean {
    return this.#givenUp >= this.#live;
  }


  /** The threadId of worker `index` now (what the inspector names it by), or undefined between a death and its replacement. */
  threadId(index: number): number | undefined {
    return this.#workers[index]?.threadId;
  }

  /** Generation of worker `index`: bumped on every replacement. */
  generation(index: number): number {
    return Atomics.load(this.#i32, this.#options.layout.workerBlocks[index] / 4 + WorkerWord.GENERATION);
  }

  /**
   * Starts a replacement for a worker that died: at once if it had booted (returns undefined, as
   * while stopping), after a backoff if it failed to start (returns which attempt comes when),
   * or not at all after START_ATTEMPTS failed starts in a row ('given-up').
   */
  replace(index: number): Restart | undefined {
    if (this.#stopping) return undefined;
    const control = this.#options.layout.workerBlocks[index] / 4;
    Atomics.add(this.#i32, control + WorkerWord.GENERATION, 1);
    // The dead worker may have left it BUSY or KILLING.
    Atomics.store(this.#i32, control + WorkerWord.SAFETY, Safety.safe);
    if (this.#started[index]) {
      this.#start(index, false);
      return undefined;
    }
    const failed = ++this.#failedStarts[index];
    if (failed >= START_ATTEMPTS) {
      this.#givenUp++;
      return 'given-up';
    }
    const delayMs = Math.min(FIRST_BACKOFF_MS * 2 ** (failed - 1), MAX_BACKOFF_MS);
    // Unref'd: a pending task holds the process open (runtime.ts), a restart alone must not.
    this.#restarts[index] = setTimeout(() => {
      this.#restarts[index] = undefined;
      if (!this.#stopping) this.#start(index, false);
    }, delayMs).unref();
    return { attempt: failed + 1, delayMs };
  }

  /**
   * Waits for the workers to leave their loops (the caller set the stop state), which each does
   * once it holds no task: the nested tasks a task started and did not wait for finish too, as the
   * tasks of the main thread did. Ends them all at once when `cut` resolves (close's graceMs, or
   * terminate()), and a worker still booting at once, since it holds no task. Holds the process
   * open meanwhile: whoever awaits close() expects to get control back.
   */
  async stop(cut: Promise<unknown>): Promise<void> {
    this.#stopRestarts();
    await Promise.all(
      this.#workers.map(async (worker, index) => {
        if (!worker) return;
        worker.ref();
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        // One still booting holds nothing and may never finish (a workerSetup that hangs): ended
        // at once, unless it has begun to take tasks, whatever the 'ready' message says yet.
        const boot = this.#options.layout.workerBlocks[index] / 4 + WorkerWord.BOOT;
        if (Atomics.compareExchange(this.#i32, boot, BootState.booting, BootState.ended) === BootState.booting) {
          await this.#end(worker);
          return;
        }
        if ((await Promise.race([exited.then(() => 'exited'), cut])) !== 'exited') await this.#end(worker);
      }),
    );
  }

  /** Starts a worker in slot `index`, which has none (never used, or retired). */
  activate(index: number): void {
    const control = this.#options.layout.workerBlocks[index] / 4;
    Atomics.add(this.#i32, control + WorkerWord.GENERATION, 1);
    Atomics.store(this.#i32, control + WorkerWord.SAFETY, Safety.safe);
    this.#failedStarts[index] = 0;
    this.#live++;
    this.#start(index, false);
  }

  /** Slot `index` is given up for good (its worker was retired): no replacement, not counted as live. */
  retired(index: number): void {
    clearTimeout(this.#restarts[index]); // a restart after a failed start it was waiting for
    this.#restarts[index] = undefined;
    if (this.#failedStarts[index] >= START_ATTEMPTS) this.#givenUp--;
    this.#live--;
  }

  /** Whether slot `index` has a worker now (not between a failed start and its restart, nor given up). */
  hasWorker(index: number): boolean {
    return this.#workers[index] !== undefined;
  }

  /** Terminates one worker; its death is reported through onDeath like any other. */
  terminateWorker(index: number): void {
    void this.#workers[index]?.terminate();
  }

  async terminate(): Promise<void> {
    this.#stopRestarts();
    await Promise.all(this.#workers.map((worker) => worker && this.#end(worker)));
  }

  #end(worker: Worker): Promise<number> {
    this.#ended.add(worker);
    return worker.terminate();
  }

  #stopRestarts(): void {
    this.#stopping = true;
    for (const timer of this.#restarts) clearTimeout(timer);
  }

  /**
   * A progress value from a task: its handle is on the main thread (inbox 0) or on the worker that
   * started it, which hears it from here, its ticket and gid naming the handle there.
   */
  #progress(gid: number, ticket: number, reply: number, value: unknown): void {
    if (reply === 0) {
      this.#options.onProgress(gid, ticket, value);
      return;
    }
    const message: ProgressMessage = { progress: gid, ticket, reply, value };
    try {
      this.#parcelPorts[reply - 1]?.postMessage(message);
    } catch {
      // It cloned once on its way here; a port closed meanwhile has nobody left to tell.
    }
  }

  #start(index: number, creating: boolean): void {
    const { layout, buffer, parcels } = this.#options;
    Atomics.store(this.#i32, layout.workerBlocks[index] / 4 + WorkerWord.BOOT, BootState.booting);
    const control = new MessageChannel();
    const parcelChannel = new MessageChannel();
    const boot: WorkerBoot = {
      buffer,
      layout,
      spill: this.#options.spills[index],
      runtime: this.#options.runtime,
      index,
      generation: this.generation(index),
      gidCounter: this.#options.gidCounter,
      control: control.port2,
      parcels: parcelChannel.port2,
      setup: this.#options.setup,
      metrics: this.#options.metrics,
      log: this.#options.logs.portFor(index),
      logLevel: this.#options.logLevel,
    };
    this.#started[index] = false;
    this.#failedStarts[index] ??= 0;
    let worker: Worker;
    try {
      worker = this.#spawn(boot, [control.port2, parcelChannel.port2, boot.log]);
    } catch (error) {
      control.port1.close();
      parcelChannel.port1.close();
      // Node refused the options themselves (execArgv, env): no start can succeed.
      if (creating) throw new InvalidArgumentError(`createRuntime(): Node refused to start a worker with these options: ${(error as Error).message}`, { cause: error });
      setImmediate(() => this.#stopping || this.#options.onDeath(index, error, 1, false));
      return;
    }
    let alive = true;
    serveControl(control.port1, parcelChannel.port1, { store: parcels, alive: () => alive, watchDeadline: this.#options.onWatchDeadline, abort: this.#options.onAbort, progress: (gid, ticket, reply, value) => this.#progress(gid, ticket, reply, value), spans: this.#options.onSpans });
    this.#parcelPorts[index] = parcelChannel.port1;
    let left = false;
    worker.on('message', (message) => {
      if (message === WORKER_LEFT) left = true;
      if (message !== WORKER_READY || this.#workers[index] !== worker) return;
      this.#started[index] = true;
      this.#failedStarts[index] = 0;
      this.#options.onCreate?.(index, worker.threadId);
    });
    // A parked worker must never keep the process alive: the runtime holds the process open
    // itself while tasks are pending (runtime.ts). After the 'message' listener: adding one refs
    // the worker's port again.
    worker.unref();
    let fatal: unknown;
    worker.on('error', (error) => (fatal = error));
    // Node delivers every message a worker posted before its 'exit' event, so #started is final here.
    const threadId = worker.threadId;
    worker.on('exit', (exitCode) => {
      alive = false;
      this.#options.onExit?.(index, exitCode, threadId);
      // The ports are left to close themselves: a parcel this worker posted just before it died is
      // still in flight to us, and a task it put in the ring needs it. Closing our end now would
      // drop it and leave that task's worker waiting for its arguments forever.
      if (this.#workers[index] !== worker) return;
      this.#workers[index] = undefined;
      this.#options.logs.close(index);
      // While stopping, a worker that left its loop, or that the stop ended itself, is no death;
      // one that died otherwise (a task stopped at its deadline, a crash) is recovered as ever, so
      // what it held settles and the workers waiting on those tasks can leave too.
      if (this.#stopping && (left || this.#ended.has(worker))) return;
      this.#options.onDeath(index, fatal, exitCode, this.#started[index]);
    });
    this.#workers[index] = worker;
  }

  #spawn(workerData: WorkerBoot, transferList: MessagePort[]): Worker {
    for (;;) {
      try {
        return new Worker(new URL(ENTRY), {
          workerData,
          transferList,
          resourceLimits: this.#options.resourceLimits,
          execArgv: this.#execArgv,
          env: this.#options.env,
          name: `routine-${workerData.index}`,
        });
      } catch (error) {
        // Each pass drops at least one flag, so this ends.
        const fewer = this.#derivedArgv && this.#execArgv ? withoutRefused(this.#execArgv, error) : undefined;
        if (!fewer) throw error;
        this.#execArgv = fewer;
      }
    }
  }
}
