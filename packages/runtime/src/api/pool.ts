/**
 * Named pools: a runtime of their own with a bounded queue, for work that must not crowd out the
 * rest (one pool for image resizing, one for parsing). A pool accepts at most `workers` running
 * tasks plus `queue` waiting ones; `submit` beyond that throws QueueFullError at once, and
 * `submitWait` waits for room instead. Pools are registered by name for `getPool`.
 */
import {
  Admission, InvalidArgumentError, PendingCount, QueueFullError, type RateLimiter, type Submitter, type Task, type TaskFn, type TaskHandle, got,
} from '@routine/core';
import { createRuntime, type Runtime } from '../dispatch/runtime.js';
import { deferredHandle, startDeferred } from './deferred.js';
import { checkLimiter, limitedOn } from './limited.js';

export interface PoolOptions {
  name: string;
  workers: number;
  /** Tasks allowed to wait for a free worker; default 2 * workers. */
  queue?: number;
  /** Tasks start only when this shared rate limiter gives them a token. */
  limiter?: RateLimiter;
}

export interface PoolStats {
  completed: number;
  active: number;
  queued: number;
  /** Errors, panics and timeouts. */
  failed: number;
  workers: number;
}

interface Waiting {
  handle: TaskHandle<unknown>;
  fn: unknown;
  args: unknown[];
}

const pools = new Map<string, Pool>();

export class Pool {
  readonly name: string;
  readonly #runtime: Runtime;
  /** The runtime, through the pool's rate limiter if it has one. */
  readonly #on: Submitter;
  readonly #capacity: number;
  /** At most workers + queue tasks in; submitWait calls beyond wait in line, in order. */
  readonly #admission: Admission<Waiting>;
  /** Tasks accepted and not yet settled, running or waiting. */
  readonly #unsettled = new PendingCount();

  constructor(options: PoolOptions) {
    if (options === null || typeof options !== 'object' || typeof options.name !== 'string' || options.name === '') {
      throw new InvalidArgumentError('createPool() needs a name: createPool({ name: "images", workers: 4 })');
    }
    const queue = options.queue ?? 2 * options.workers;
    if (!Number.isInteger(queue) || queue < 0) {
      throw new InvalidArgumentError(`pool "${options.name}": queue must be a whole number >= 0, ${got(queue)}`);
    }
    if (pools.has(options.name)) {
      throw new InvalidArgumentError(`a pool named "${options.name}" already exists: use getPool("${options.name}"), or close it first`);
    }
    this.name = options.name;
    this.#runtime = createRuntime({ workers: options.workers });
    this.#on = limitedOn(this.#runtime, checkLimiter('createPool', options.limiter));
    this.#capacity = options.workers + queue;
    this.#admission = new Admission<Waiting>(this.#capacity, (next) => this.#startWaiting(next), (next) => next.handle.settled);
    pools.set(this.name, this);
  }

  /** Runs `fn(...args)` on this pool; throws QueueFullError at once when the pool is full. */
  submit<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    if (!this.#admission.tryEnter()) {
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
    if (this.#admission.tryEnter()) return this.#run(fn, args);
    const handle = deferredHandle(this.#runtime, `for room in pool "${this.name}"`, (gaveUp, error) => {
      gaveUp.settle(false, error);
      this.#unsettled.done();
    });
    this.#unsettled.add();
    this.#admission.enter({ handle, fn, args });
    return handle as unknown as Task<R>;
  }

  /** Resolves once every task submitted so far (waiting ones included) has settled. */
  async wait(): Promise<void> {
    while (this.#unsettled.count > 0) await this.#unsettled.idle();
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

  #startWaiting({ handle, fn, args }: Waiting): void {
    startDeferred(this.#on, handle, fn, args, (ok, outcome) => {
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
    this.#admission.leave();
    this.#unsettled.done();
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
