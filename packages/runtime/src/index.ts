/**
 * @routine/runtime: Go-style goroutines for Node.js. See the README for the rules of task
 * functions; every name here works the same on the main thread and inside a task.
 */
export { go, type GoOptions } from './api/go.js';
export { timeout, goWithTimeout } from './api/timeout.js';
export { goWithRecover, goWithCleanup } from './api/variants.js';
export { goWithRetry, goWithCircuitBreaker, configureCircuitBreaker, circuitBreakerState, type RetryOptions, type BreakerOptions } from './api/resilience.js';
export { goMust, setFatalHandler, type FatalHandler } from './api/must.js';
export { spawnMany, awaitAll, sleep } from './api/spawn.js';
export { group, Group, type GroupOptions } from './api/group.js';
export { waitGroup, WaitGroup } from '@routine/core';
export { createPool, getPool, Pool, type PoolOptions, type PoolStats } from './api/pool.js';
export { tasks, type TaskFn, type TaskModule } from '@routine/core';
export { type Task } from '@routine/core';
export { type Result } from '@routine/core';
export { createRuntime, Runtime } from './dispatch/runtime.js';
export { defaultRuntime } from './dispatch/default-runtime.js';
export { type RuntimeOptions } from './dispatch/options.js';
export { current, getGoroutineId, getCache, setCache, clearCache, type Current } from '@routine/core';
export { transfer } from '@routine/core';
export {
  addBeforeRoutine, addAfterRoutine, removeBeforeRoutine, removeAfterRoutine,
  type BeforeRoutine, type AfterRoutine,
} from '@routine/core';
export {
  startBackgroundWorker, stopBackgroundWorker, stopAllBackgroundWorkers, getBackgroundWorkerStatus,
  type BackgroundWorkerOptions, type BackgroundWorkerStatus,
} from './long-lived/background.js';
export { createScheduler, Scheduler, type SchedulerOptions, type JobStatus } from './long-lived/scheduler.js';
export { pipeline, Pipeline, type PipelineOptions, type StageOptions } from './long-lived/pipeline.js';
export { createManager, Manager, errGoroutineStopped, type ManagerOptions } from './long-lived/manager.js';
export { setErrorHandler, setPanicHandler, type ErrorHandler, type PanicHandler } from '@routine/core';
export { withTrace } from '@routine/core';
export { logger } from './api/task-logger.js';
export { stats, dump, toPrometheus } from './api/stats.js';
export { type RunningTask } from './dispatch/dump.js';
export { type StatsSnapshot, type WorkerStats, type HistogramSummary, type PrometheusOptions } from '@routine/stats';
export {
  RoutineError, TimeoutError, CancelledError, QueueFullError, WorkerCrashError, TaskCaptureError,
  RuntimeClosedError, BrokenCircuitError, SerializationError, InvalidArgumentError, PipelineError,
} from '@routine/core';
