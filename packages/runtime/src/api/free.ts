/**
 * api/: the Go-style helpers, one file each, every one taking the runtime it runs on (a Submitter:
 * a Runtime, or a worker's endpoint), and this file, the same helpers as free functions.
 *
 * The free functions: every helper on this thread's runtime. Inside a task that is the worker's
 * connection to the runtime running it, so nested tasks go through the same ring; on the main
 * thread it is the default runtime, created on first use. Each one is the matching Runtime method
 * (see dispatch/runtime.ts) with the runtime found at call time, so they live here together and
 * the helpers themselves never look a runtime up.
 */
import type { PrometheusOptions, StatsSnapshot } from '@routine/stats';
import type { Result, Task, TaskFn } from '@routine/core';
import { defaultRuntime, here } from '../dispatch/default-runtime.js';
import type { RunningTask } from '../dispatch/dump.js';
import { Manager, type ManagerOptions } from '../long-lived/manager.js';
import { Pipeline, type PipelineOptions, type UnsetInput } from '../long-lived/pipeline.js';
import { Scheduler, type SchedulerOptions } from '../long-lived/scheduler.js';
import { withOptionsOn, type GoOptions } from './go.js';
import { Group, type GroupOptions } from './group.js';
import { mustOn } from './must.js';
import { breakerOn, retryOn, type RetryOptions } from './resilience.js';
import { spawnManyOn } from './spawn.js';
import { type ItemFn, mapOn, type MapOptions } from './map.js';
import { checkTimeout } from './timeout.js';
import { cleanupOn, recoverOn } from './variants.js';

function goFn<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return here().submit<R>(fn, args);
}

/** `go` with options: `go.with({ signal, timeoutMs, name })(fn, ...args)`. */
function goWith(options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R> {
  return withOptionsOn(here, options);
}

/**
 * Runs `fn(...args)` on a worker thread, like Go's `go` statement, and returns a Task handle at
 * once. `fn` is an inline function (it may not read variables from its surrounding scope: pass
 * them as arguments) or a module export named with `tasks(url)`. Arguments and the result cross
 * threads by structured clone; SharedArrayBuffers are shared and `transfer()` moves buffers.
 *
 * Throws synchronously, accepting nothing, for a non-function, a captured variable
 * (TaskCaptureError), an argument that cannot be cloned (SerializationError), a full `maxQueue`
 * (QueueFullError) or a closed runtime (RuntimeClosedError). Inside a task it starts a nested
 * task on the same runtime, with the caller as its parent.
 */
export const go: Go = Object.assign(goFn, { with: goWith });

/** The type of `go`: a function, with `go.with(options)` beside it. */
export interface Go {
  <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R>;
  /** `go` with options: `go.with({ signal, timeoutMs, name })(fn, ...args)`. */
  with(options: GoOptions): <A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A) => Task<R>;
}

/**
 * `go` with a deadline: the task rejects with TimeoutError `ms` after it was started. A task still
 * queued then never runs. A task still running is stopped for real, even in a synchronous endless
 * loop: its worker is terminated at a safe point and replaced; the tasks it had claimed but not
 * started run elsewhere, and async tasks that were running beside it fail with WorkerCrashError.
 */
export function timeout<A extends unknown[], R>(ms: number, fn: TaskFn<A, R>, ...args: A): Task<R> {
  return here().submit<R>(fn, args, { timeoutMs: checkTimeout(ms) });
}

/** Go's name for `timeout`. */
export const goWithTimeout = timeout;

/**
 * `go` that never rejects: the outcome as a Result, whether the task returned, threw, its worker
 * died under it (WorkerCrashError), or the call itself was refused (a capture, an uncloneable
 * argument, a closed runtime).
 */
export function goWithRecover<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Promise<Result<R>> {
  return recoverOn(here(), fn, args);
}

/**
 * `go`, then `cleanup()` on this thread once the task settles, whatever the outcome (like a Go
 * `defer` around the goroutine). Cleanup does not count as observing the task: a failure nobody
 * awaits is still reported. A cleanup that throws is logged.
 */
export function goWithCleanup<A extends unknown[], R>(fn: TaskFn<A, R>, cleanup: () => void, ...args: A): Task<R> {
  return cleanupOn(here(), fn, cleanup, args);
}

/**
 * Runs `fn(...args)`, and again after each failure, up to `retries` more times, waiting between
 * attempts. Resolves with the first success; rejects with the last attempt's error, or with
 * CancelledError once `signal` aborts. Each attempt is a task of its own.
 */
export function goWithRetry<A extends unknown[], R>(fn: TaskFn<A, R>, options: RetryOptions, ...args: A): Promise<R> {
  return retryOn(here(), fn, options, args);
}

/**
 * Runs `fn(...args)` through the breaker named `name` (created with the defaults on first use).
 * While it is open the task is not started and this rejects with BrokenCircuitError at once.
 */
export function goWithCircuitBreaker<A extends unknown[], R>(name: string, fn: TaskFn<A, R>, ...args: A): Promise<R> {
  return breakerOn(here(), name, fn, args);
}

/**
 * `go` for work the program cannot go on without: if the task fails (error, panic, timeout) it is
 * logged at fatal level and the fatal handler runs (default `process.exit(1)`).
 */
export function goMust<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
  return mustOn(here(), fn, args);
}

/** Starts `count` tasks, `fn(0)` to `fn(count - 1)`, and returns their handles in order. */
/**
 * `fn(item, index)` for every item, on the workers, and the results in item order. The items go in
 * chunks of `chunk` (default: about eight chunks per worker), one task each, so many tiny items
 * cost few tasks. The first item that fails rejects it with MapItemError (its `index`, and the
 * error as `cause`) once the chunks still out are cancelled; `signal` and `timeoutMs` (per chunk)
 * as for `go.with`. An async `fn` runs the items of a chunk concurrently.
 */
export function map<T, R>(fn: ItemFn<T, R>, items: Iterable<T> | ArrayLike<T>, options?: MapOptions): Promise<R[]> {
  return mapOn(here(), fn, items, options);
}

export function spawnMany<R>(count: number, fn: TaskFn<[id: number], R>): Task<R>[] {
  return spawnManyOn(here(), count, fn);
}

/** A new errgroup on this thread's runtime; see Group. */
export function group(options?: GroupOptions): Group {
  return new Group(options, here());
}

/** A scheduler whose jobs run on this thread's runtime. */
export function createScheduler(options?: SchedulerOptions): Scheduler {
  return new Scheduler(options, here);
}

/** A pipeline with no stages yet, on this thread's runtime; its input type is its first stage's, or `In`. */
export function pipeline<In = UnsetInput>(options?: PipelineOptions): Pipeline<In, In> {
  return new Pipeline<In, In>(options, here);
}

/** A manager whose tasks run on this thread's runtime. */
export function createManager(options?: ManagerOptions): Manager {
  return new Manager(options, here);
}

/** Counters of the default runtime (see Runtime.stats for one you created). */
export function stats(): StatsSnapshot {
  return defaultRuntime().stats();
}

/** The default runtime's stats in the Prometheus text format (see Runtime.toPrometheus). */
export function toPrometheus(options?: PrometheusOptions): string {
  return defaultRuntime().toPrometheus(options);
}

/** The default runtime's running tasks (see Runtime.dump). */
export function dump(): RunningTask[] {
  return defaultRuntime().dump();
}

/**
 * Channels, select and the sync primitives: shared memory, the same on every thread and bound
 * to no runtime, so they need no lookup (see @routine/core's chan/ and sync/).
 */
export {
  chan, after, ticker, merge, select, selectSync, recv, send, mutex, semaphore, once, rateLimiter,
} from '@routine/core';
