/**
 * @routine/runtime: Go-style goroutines for Node.js. See the README for the rules of task
 * functions; every name here works the same on the main thread and inside a task.
 */
export { go, type GoOptions } from './go.js';
export { timeout, goWithTimeout } from './timeout.js';
export { goWithRecover, goWithCleanup } from './recover.js';
export { goWithRetry, goWithCircuitBreaker, configureCircuitBreaker, circuitBreakerState, type RetryOptions, type BreakerOptions } from './resilience.js';
export { goMust, setFatalHandler, type FatalHandler } from './must.js';
export { spawnMany, awaitAll, sleep } from './spawn.js';
export { group, Group, type GroupOptions } from './group.js';
export { waitGroup, WaitGroup } from './wait-group.js';
export { createPool, getPool, Pool, type PoolOptions, type PoolStats } from './pool.js';
export { tasks, type TaskFn, type TaskModule } from './task-ref.js';
export { type Task } from './task.js';
export { type Result } from './result.js';
export { createRuntime, Runtime } from './runtime.js';
export { defaultRuntime } from './default-runtime.js';
export { type RuntimeOptions } from './options.js';
export { current, getGoroutineId, getCache, setCache, clearCache, type Current } from './context.js';
export { transfer } from './transfer.js';
export {
  addBeforeRoutine, addAfterRoutine, removeBeforeRoutine, removeAfterRoutine,
  type BeforeRoutine, type AfterRoutine,
} from './hooks.js';
export {
  startBackgroundWorker, stopBackgroundWorker, stopAllBackgroundWorkers, getBackgroundWorkerStatus,
  type BackgroundWorkerOptions, type BackgroundWorkerStatus,
} from './background.js';
export { createScheduler, Scheduler, type SchedulerOptions, type JobStatus } from './scheduler.js';
export { pipeline, Pipeline, type PipelineOptions, type StageOptions } from './pipeline.js';
export { createManager, Manager, errGoroutineStopped, type ManagerOptions } from './manager.js';
export { setErrorHandler, setPanicHandler, type ErrorHandler, type PanicHandler } from './handlers.js';
export { withTrace } from './trace.js';
export { logger } from './task-logger.js';
export { stats, dump, toPrometheus } from './stats.js';
export { type RunningTask } from './dump.js';
export { type StatsSnapshot, type WorkerStats, type HistogramSummary, type PrometheusOptions } from '@routine/stats';
export {
  RoutineError, TimeoutError, CancelledError, QueueFullError, WorkerCrashError, TaskCaptureError,
  RuntimeClosedError, BrokenCircuitError, SerializationError, InvalidArgumentError, PipelineError,
} from './errors.js';
