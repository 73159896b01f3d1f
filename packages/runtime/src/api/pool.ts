/**
 * Named pools: a runtime of their own with a bounded queue, for work that must not crowd out the
 * rest (one pool for image resizing, one for parsing). A pool accepts at most `workers` running
 * tasks plus `queue` waiting ones; `submit` beyond that throws QueueFullError at once, and
 * `submitWait` waits for room instead. Pools are registered by name for `getPool`.
 */
import { EventEmitter } from 'node:events';
import {
  Admission, InvalidArgumentError, PendingCount, QueueFullError, type RateLimiter, RuntimeClosedError, type Submitter, type Task, type TaskFn, type TaskHandle, got,
} from '@routine/core';
import { Exposition, type PrometheusOptions } from '@routine/stats';
import { createRuntime, type Runtime, type RuntimeEvents } from '../dispatch/runtime.js';
import type { RunningTask } from '../dispatch/dump.js';
import { registerPool } from '../dispatch/registry.js';
import { addPoolGauges } from '../debug/metrics.js';
import { deferredHandle, startDeferred } from './deferred.js';
import { checkLimiter, limitedOn } from './limited.js';

/** Options of `createPool()`. */
export interface PoolOptions {
  /** The name `getPool(name)` finds it by; unique among live pools. */
  name: string;
  /** Tasks of this pool running at once (its share of the runtime's workers). */
  workers: number;
  /** Tasks allowed to wait for a free worker; default 2 * workers. */
  queue?: number;
  /** Tasks start only when this shared rate limiter gives them a token. */
  limiter?: RateLimiter;
}

/** Counts of one pool, from `pool.stats()`. */
export interface PoolStats {
  /** Tasks that finished with a value. */
  completed: number;
  /** Tasks running now. */
  active: number;
  /** Tasks waiting for a free place in the pool. */
  queued: number;
  /** Errors, panics and timeouts. */
  failed: number;
  /** The pool's `workers` option: tasks it runs at once. */
  workers: number;
  /** submitWait calls waiting for room (their tasks are not in `queued` yet). */
  waiting: number;
  /** Tasks the pool holds at once: workers + queue. */
  capacity: number;
}

/**
 * A pool's events: its runtime's (error, panic, workerCreate, workerExit: see RuntimeEvents), and
 * - `drain`: the pool was full (a submit refused, or submitWait calls waiting) and has room again;
 * - `idle`: every task accepted so far has settled.
 */
/** A pool's events: its runtime's (RuntimeEvents), and EventEmitter's own listener bookkeeping. */
export interface PoolEvents extends RuntimeEvents {
  /** A listener is about to be added (EventEmitter's). */
  newListener: [event: string | symbol, listener: (...args: unknown[]) => void];
  /** A listener was removed (EventEmitter's). */
  removeListener: [event: string | symbol, listener: (...args: unknown[]) => void];
}

/** Runtime events a pool passes on; 'error' and 'panic' only while the pool has listeners for them, since listening changes who hears of a failure. */
const FORWARDED = ['error', 'panic', 'workerCreate', 'workerExit'] as const;

interface Waiting {
  handle: TaskHandle<unknown>;
  fn: unknown;
  args: unknown[];
}

const pools = new Map<string, Pool>();

/** A named limit on how many tasks run at once, on a runtime's workers; tasks beyond it wait in the pool's own line. Make one with `createPool()`. */
export class Pool extends EventEmitter<PoolEvents> {
  /** The name it was created with. */
  readonly name: string;
  readonly #runtime: Runtime;
  /** The runtime, through the pool's rate limiter if it has one. */
  readonly #on: Submitter;
  readonly #capacity: number;
  /** At most workers + queue tasks in; submitWait calls beyond wait in line, in order. */
  readonly #admission: Admission<Waiting>;
  /** Tasks accepted and not yet settled, running or waiting. */
  readonly #unsettled = new PendingCount();
  /** The pool turned a task away or made one wait since the last 'drain'. */
  #full = false;
  #closing: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    super();
    if (options === null || typeof options !== 'object' || typeof options.name !== 'string' || options.name === '') {
      throw new InvalidArgumentError('createPool() needs a name: createPool({ name: "images", workers: 4 })');
    }
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new InvalidArgumentError(`pool "${options.name}" needs workers, a whole number >= 1: createPool({ name: "${options.name}", workers: 4 }), ${got(options.workers)}`);
    }
    const queue = options.queue ?? 2 * options.workers;
    if (!Number.isInteger(queue) || queue < 0) {
      throw new InvalidArgumentError(`pool "${options.name}": queue must be a whole number >= 0, ${got(queue)}`);
    }
    if (pools.has(options.name)) {
      throw new InvalidArgumentError(`a pool named "${options.name}" already exists: use getPool("${options.name}"), or close it first`);
    }
    this.name = options.name;
    this.#runtime = createRuntime({ workers: options.workers, name: options.name });
    this.#on = limitedOn(this.#runtime, checkLimiter('createPool', options.limiter));
    this.#capacity = options.workers + queue;
    this.#admission = new Admission<Waiting>(this.#capacity, (next) => this.#startWaiting(next), (next) => next.handle.settled);
    pools.set(this.name, this);
    registerPool(this.#runtime, this);
    this.#forwardEvents();
  }

  #forwardEvents(): void {
    const forwarders = new Map<string, (...args: unknown[]) => void>();
    const watch = (event: string | symbol): void => {
      const name = event as (typeof FORWARDED)[number];
      if (!FORWARDED.includes(name)) return;
      const listening = this.listenerCount(name) > 0;
      if (listening && !forwarders.has(name)) {
        const forward = (...args: unknown[]): boolean => this.emit(name, ...(args as never));
        forwarders.set(name, forward);
        this.#runtime.on(name, forward);
      } else if (!listening && forwarders.has(name)) {
        this.#runtime.off(name, forwarders.get(name)!);
        forwarders.delete(name);
      }
    };
    // Both fire before the listener list changes: look again once it has.
    this.on('newListener', (event) => queueMicrotask(() => watch(event)));
    this.on('removeListener', (event) => watch(event));
  }

  /** For /debug/routines and /metrics (registry.ts). */
  poolGauges(): {
    /** submitWait calls waiting for room. */
    waiting: number;
    /** Tasks it takes in at once: its workers plus its queue. */
    capacity: number;
    /** Tasks accepted and not yet settled, running or waiting. */
    unsettled: number;
  } {
    return { waiting: this.#admission.waiting, capacity: this.#capacity, unsettled: this.#unsettled.count };
  }

  /** Runs `fn(...args)` on this pool; throws QueueFullError at once when the pool is full. */
  submit<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    this.#checkOpen();
    if (!this.#admission.tryEnter()) {
      this.#full = true;
      throw new QueueFullError(
        `pool "${this.name}" is full: ${this.#capacity} tasks are running or waiting (workers + queue). ` +
          'Use submitWait() to wait for room, or create the pool with a larger queue',
      );
    }
    return this.#run(fn, args);
  }

  /** Runs a task that has been let in. */
  #run<R>(fn: unknown, args: unknown[]): Task<R> {
    let task: TaskHandle<R>;
    try {
      task = this.#on.submit<R>(fn, args);
    } catch (error) {
      this.#admission.leave(); // refused: it never took its place
      throw error;
    }
    this.#unsettled.add();
    task.onSettled(() => this.#settled());
    return task;
  }

  /**
   * Like `submit`, but waits for room instead of throwing. The handle comes back at once (a
   * promise could not hold a thenable Task: it would adopt its result) and its task starts when
   * the pool has room; cancelling it before then means it never starts.
   */
  submitWait<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    this.#checkOpen();
    if (this.#admission.tryEnter()) return this.#run(fn, args);
    const handle = deferredHandle(this.#runtime, `for room in pool "${this.name}"`, (gaveUp, error) => {
      gaveUp.settle(false, error);
      this.#done();
    });
    this.#full = true;
    this.#unsettled.add();
    this.#admission.enter({ handle, fn, args });
    return handle as unknown as Task<R>;
  }

  /** Resolves once every task submitted so far (waiting ones included) has settled. */
  async wait(): Promise<void> {
    while (this.#unsettled.count > 0) await this.#unsettled.idle();
  }

  /**
   * Stops accepting (submit and submitWait throw RuntimeClosedError), lets every accepted task
   * finish, those still waiting in submitWait for room included, then stops the workers.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    pools.delete(this.name);
    await this.wait();
    await this.#runtime.close();
  }

  /** Stops now: pending tasks, and those waiting for room, reject with RuntimeClosedError. */
  async terminate(): Promise<void> {
    pools.delete(this.name);
    this.#closing ??= Promise.resolve();
    const error = new RuntimeClosedError(`pool "${this.name}" was terminated before this task started`);
    for (const { handle } of this.#admission.clear()) {
      if (handle.settle(false, error)) this.#done();
    }
    await this.#runtime.terminate();
  }

  /** `await using pool = createPool(...)`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closing) throw new RuntimeClosedError(`pool "${this.name}" is closed: it accepts no new tasks. Create a new pool with createPool()`);
  }

  /** The pool's running tasks (a goroutine dump); see Runtime.dump. */
  dump(): RunningTask[] {
    return this.#runtime.dump();
  }

  /** The pool's metrics in the Prometheus text format, labelled pool="<name>", with its own gauges. */
  toPrometheus(options: PrometheusOptions = {}): string {
    const exposition = new Exposition(options.prefix);
    exposition.addSnapshot(this.#runtime.detailedStats(), { pool: this.name, ...options.labels });
    addPoolGauges(exposition, this.name, this.poolGauges());
    return exposition.text();
  }

  #startWaiting({ handle, fn, args }: Waiting): void {
    startDeferred(this.#on, handle, fn, args, (ok, outcome) => {
      handle.settle(ok, outcome);
      this.#settled();
    });
  }

  /** Counts of this pool's tasks: completed, failed, running and waiting. */
  stats(): PoolStats {
    const stats = this.#runtime.stats();
    return {
      completed: stats.completed,
      active: stats.active,
      queued: stats.queued,
      failed: stats.errors + stats.panics + stats.timeouts,
      workers: this.#runtime.workers,
      waiting: this.#admission.waiting,
      capacity: this.#capacity,
    };
  }

  #settled(): void {
    this.#admission.leave();
    if (this.#full && this.#admission.waiting === 0 && this.#admission.active < this.#capacity) {
      this.#full = false;
      this.emit('drain');
    }
    this.#done();
  }

  #done(): void {
    this.#unsettled.done();
    if (this.#unsettled.count === 0) this.emit('idle');
  }
}

/** Creates and registers a named pool. */
export function createPool(options: PoolOptions): Pool {
  return new Pool(options);
}

/** The pool registered under `name`. */
export function getPool(name: string): Pool {
  const pool = pools.get(name);
  if (!pool) {
    const known = [...pools.keys()];
    throw new InvalidArgumentError(`no pool named "${name}"${known.length ? `; pools: ${known.join(', ')}` : ''}: create it with createPool({ name, workers })`);
  }
  return pool;
}
