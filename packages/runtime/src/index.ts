/**
 * @routine/runtime: Go-style goroutines for Node.js. See the README for the rules of task
 * functions; every name here works the same on the main thread and inside a task.
 *
 * The package's folders are its quarters: dispatch/ (a runtime: its workers, crash recovery,
 * stopping tasks at their deadline), api/ (the Go-style helpers, each taking the runtime it runs
 * on, and free.ts, the same helpers on this thread's runtime), long-lived/ (background workers,
 * the scheduler, pipelines, the goroutine manager). The shared memory and its protocol are
 * @routine/core's; the worker loop is @routine/worker-entry's.
 */
export {
  go, timeout, goWithTimeout, goWithRecover, goWithCleanup, goWithRetry, goWithCircuitBreaker, goMust, spawnMany, map,
  group, createScheduler, pipeline, createManager, stats, dump, toPrometheus, type Go,
  chan, after, ticker, merge, select, selectSync, recv, send, mutex, semaphore, once, rateLimiter,
} from './api/free.js';
export { type GoOptions } from './api/go.js';
export { type ItemFn, type MapOptions } from './api/map.js';
export { configureCircuitBreaker, circuitBreakerState, retryOn, type RetryOptions, type BreakerOptions } from './api/resilience.js';
export { withOptionsOn } from './api/go.js';
export { setFatalHandler, type FatalHandler } from './api/must.js';
export { awaitAll, sleep } from './api/spawn.js';
export { Group, type GroupOptions } from './api/group.js';
export { createPool, getPool, Pool, type PoolOptions, type PoolStats, type PoolEvents } from './api/pool.js';
export { logger } from './api/task-logger.js';
export { createRuntime, Runtime, type CloseOptions, type RuntimeEvents } from './dispatch/runtime.js';
export { serveDebug, type ServeDebugOptions, type DebugServer } from './debug/serve-debug.js';
export { type RoutinesDump, type RuntimeRoutines } from './debug/routines.js';
export { TASK_START_CHANNEL, TASK_END_CHANNEL } from './dispatch/task-tracing.js';
export { defaultRuntime } from './dispatch/default-runtime.js';
export { type RuntimeOptions } from './dispatch/options.js';
export { type RunningTask } from './dispatch/dump.js';
export {
  startBackgroundWorker, stopBackgroundWorker, stopAllBackgroundWorkers, getBackgroundWorkerStatus,
  type BackgroundWorkerOptions, type BackgroundWorkerStatus,
} from './long-lived/background.js';
export { Scheduler, type SchedulerOptions, type JobStatus } from './long-lived/scheduler.js';
export { Pipeline, type PipelineOptions, type StageOptions, type UnsetInput } from './long-lived/pipeline.js';
export { Manager, errGoroutineStopped, type ManagerOptions } from './long-lived/manager.js';
export {
  waitGroup, WaitGroup, tasks, type TaskFn, type TaskModule, type Task, type Result, transfer,
  current, getGoroutineId, getCache, setCache, clearCache, type Current,
  addBeforeRoutine, addAfterRoutine, removeBeforeRoutine, removeAfterRoutine, type BeforeRoutine, type AfterRoutine,
  setErrorHandler, setPanicHandler, type ErrorHandler, type PanicHandler, withTrace,
  RoutineError, TimeoutError, CancelledError, QueueFullError, WorkerCrashError, TaskCaptureError,
  RuntimeClosedError, BrokenCircuitError, SerializationError, InvalidArgumentError, PipelineError,
  WorkerStartError, CodeTableFullError, MapItemError, ChannelClosedError,
  Chan, type ChanOptions, type Received, Ticker, type SelectCase, type RecvCase, type SendCase, type Selected, type SelectOptions,
  Mutex, Semaphore, Once, RateLimiter, type RateLimiterOptions,
} from '@routine/core';
export { type StatsSnapshot, type WorkerStats, type HistogramSummary, type PrometheusOptions } from '@routine/stats';
