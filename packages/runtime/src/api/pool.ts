/**
 * Named pools: a runtime of their own with a bounded queue, for work that must not crowd out the
 * rest (one pool for image resizing, one for parsing). A pool accepts at most `workers` running
 * tasks plus `queue` waiting ones; `submit` beyond that throws QueueFullError at once, and
 * `submitWait` waits for room instead. Pools are registered by name for `getPool`.
 */
import {
  CancelledError, InvalidArgumentError, QueueFullError, type Task, type TaskFn, type TaskHandle,
} from '@routine/core';
import { createRuntime, type Runtime } from '../dispatch/runtime.js';
import { deferredHandle, startDeferred } from './deferred.js';

export interface PoolOptions {
  name: string;
  workers: number;
  /** Tasks allowed to wait for a free worker; default 2 * workers. */
  queue?: number;
}

export interface PoolStats {
  completed: number;
  active: number;
  queued: number;
  /** Errors, panics and timeouts. */
  failed: number;
  workers: number;
}

const pools = new Map<string, Pool>();

export class Pool {
  readonly name: string;
  readonly #runtime: Runtime;
  readonly #capacity: number;
  #unsettled = 0;
  /** submitWait calls waiting for room, in order. */
  readonly #waiting: { handle: TaskHandle<unknown>; fn: unknown; args: unknown[] }[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(options: PoolOptions) {
    if (options === null || typeof options !== 'object' || typeof options.name !== 'string' || options.name === '') {
      throw new InvalidArgumentError('createPool() needs a name: createPool({ name: "images", workers: 4 })');
    }
    const queue = options.queue ?? 2 * options.workers;
    if (!Number.isInteger(queue) || queue < 0) {
      throw new InvalidArgumentError(`pool "${options.name}": queue must be a whole number >= 0, got ${String(queue)}`);
    }
    if (pools.has(options.name)) {
      throw new InvalidArgumentError(`a pool named "${options.name}" already exists: use getPool("${options.name}"), or close it first`);
    }
    this.name = options.name;
    this.#runtime = createRuntime({ workers: options.workers });
    this.#capacity = options.workers + queue;
    pools.set(this.name, this);
  }

  /** Runs `fn(...args)` on this pool; throws QueueFullError at once when the pool is full. */
  submit<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    if (this.#unsettled >= this.#capacity) {
      throw new QueueFullError(
        `pool "${this.name}" is full: ${this.#capacity} tasks are running or waiting (workers + queue). ` +
          'Use submitWait() to wait for room, or create the pool with a larger queue',
      );
    }
    const task = this.#runtime.go(fn, ...args) as TaskHandle<R>;
    this.#unsettled++;
    task.onSettled(() => this.#settled());
    return task;
  }

  /**
   * Like `submit`, but waits for room instead of throwing. The handle comes back at once (a
   * promise could not hold a thenable Task: it would adopt its result) and its task starts when
   * the pool has room; cancelling it before then means it never starts.
   */
  submitWait<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    if (this.#unsettled < this.#capacity && this.#waiting.length === 0) return this.submit(fn, ...args);
    const handle = deferredHandle(this.#runtime, (task, reason) => {
      const at = this.#waiting.findIndex((w) => w.handle === task);
      if (at >= 0) {
        this.#waiting.splice(at, 1);
        task.settle(false, new CancelledError(`task ${task.gid} was cancelled while waiting for room in pool "${this.name}"`, { cause: reason, gid: task.gid }));
      } else {
        task.delegate?.cancel(reason);
      }
    });
    this.#waiting.push({ handle, fn, args });
    return handle as unknown as Task<R>;
  }

  /** Resolves once every task submitted so far (waiting ones included) has settled. */
  async wait(): Promise<void> {
    while (this.#unsettled > 0 || this.#waiting.length > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting, lets every accepted task finish, stops the workers. */
  async close(): Promise<void> {
    pools.delete(this.name);
    await this.#runtime.close();
  }

  /** Stops now: pending tasks reject with RuntimeClosedError. */
  async terminate(): Promise<void> {
    pools.delete(this.name);
    await this.#runtime.terminate();
  }

  #startWaiting({ handle, fn, args }: { handle: TaskHandle<unknown>; fn: unknown; args: unknown[] }): void {
    this.#unsettled++;
    startDeferred(this.#runtime, handle, fn, args, (ok, outcome) => {
      handle.settle(ok, outcome);
      this.#settled();
    });
  }

  stats(): PoolStats {
    const stats = this.#runtime.stats();
    return {
      completed: stats.completed,
      active: stats.active,
      queued: stats.queued,
      failed: stats.errors + stats.panics + stats.timeouts,
      workers: this.#runtime.workers,
    };
  }

  #settled(): void {
    this.#unsettled--;
    while (this.#unsettled < this.#capacity && this.#waiting.length > 0) this.#startWaiting(this.#waiting.shift()!);
    if (this.#unsettled === 0) {
      const idle = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of idle) resolve();
    }
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
