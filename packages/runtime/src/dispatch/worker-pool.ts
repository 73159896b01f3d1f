/**
 * The worker threads of one runtime: starting them, noticing when one dies, replacing it, and
 * stopping them all. What a death means for the tasks it held is the runtime's business
 * (recovery.ts); this file only reports it.
 */
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import {
  type Layout, type ParcelStore, Safety, serveControl, type WorkerBoot, WorkerWord,
} from '@routine/core';

export interface PoolOptions {
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** Each worker's spill table, handed to it and to its replacements. */
  spills: readonly SharedArrayBuffer[];
  gidCounter: Int32Array;
  parcels: ParcelStore;
  setup?: string;
  metrics: boolean;
  resourceLimits?: ResourceLimits;
  onDeath(index: number, error: unknown, exitCode: number): void;
  /** A worker started task `gid` with a timeout: stop it if it is still running then. */
  onWatchDeadline(gid: number, timeoutMs: number): void;
  /** A worker cancelled task `gid`, which another worker is running. */
  onAbort(gid: number): void;
}

const ENTRY = import.meta.resolve('@routine/worker-entry');

export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #workers: (Worker | undefined)[] = [];
  readonly #i32: Int32Array;
  #stopping = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#i32 = new Int32Array(options.buffer);
    for (let index = 0; index < options.layout.workers; index++) this.#start(index);
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Generation of worker `index`: bumped on every replacement. */
  generation(index: number): number {
    return Atomics.load(this.#i32, this.#options.layout.workerBlocks[index] / 4 + WorkerWord.GENERATION);
  }

  /** Starts a replacement for a worker that died. */
  replace(index: number): void {
    if (this.#stopping) return;
    const control = this.#options.layout.workerBlocks[index] / 4;
    Atomics.add(this.#i32, control + WorkerWord.GENERATION, 1);
    // The dead worker may have left it BUSY or KILLING.
    Atomics.store(this.#i32, control + WorkerWord.SAFETY, Safety.safe);
    this.#start(index);
  }

  /**
   * Waits for the workers to leave their loops (the caller set the stop state), ending any that
   * have not within `graceMs`. Holds the process open meanwhile: whoever awaits close() expects
   * to get control back.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#workers.map(async (worker) => {
        if (!worker) return;
        worker.ref();
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
        if ((await Promise.race([exited.then(() => 'exited'), grace])) !== 'exited') await worker.terminate();
        clearTimeout(timer);
      }),
    );
  }

  /** Terminates one worker; its death is reported through onDeath like any other. */
  terminateWorker(index: number): void {
    void this.#workers[index]?.terminate();
  }

  async terminate(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#workers.map((worker) => worker?.terminate()));
  }

  #start(index: number): void {
    const { layout, buffer, parcels } = this.#options;
    const control = new MessageChannel();
    const parcelChannel = new MessageChannel();
    let alive = true;
    serveControl(control.port1, parcelChannel.port1, { store: parcels, alive: () => alive, watchDeadline: this.#options.onWatchDeadline, abort: this.#options.onAbort });
    const boot: WorkerBoot = {
      buffer,
      layout,
      spill: this.#options.spills[index],
      index,
      generation: this.generation(index),
      gidCounter: this.#options.gidCounter,
      control: control.port2,
      parcels: parcelChannel.port2,
      setup: this.#options.setup,
      metrics: this.#options.metrics,
    };
    const worker = new Worker(new URL(ENTRY), {
      workerData: boot,
      transferList: [control.port2, parcelChannel.port2],
      resourceLimits: this.#options.resourceLimits,
      name: `routine-${index}`,
    });
    // A parked worker must never keep the process alive: the runtime holds the process open
    // itself while tasks are pending (runtime.ts).
    worker.unref();
    let fatal: unknown;
    worker.on('error', (error) => (fatal = error));
    worker.on('exit', (exitCode) => {
      alive = false;
      // The ports are left to close themselves: a parcel this worker posted just before it died is
      // still in flight to us, and a task it put in the ring needs it. Closing our end now would
      // drop it and leave that task's worker waiting for its arguments forever.
      if (this.#workers[index] !== worker) return;
      this.#workers[index] = undefined;
      if (!this.#stopping) this.#options.onDeath(index, fatal, exitCode);
    });
    this.#workers[index] = worker;
  }
}
