/**
 * @routine/core: the data plane both sides of a runtime speak. See ARCHITECTURE.md for the map.
 */
export { Encoder, decode, denseList } from './codec/codec.js';
export { runBatch } from './task/batch.js';
export { revive } from './codec/revive.js';
export { transfer } from './codec/transfer.js';
export { ControlClient, type ProgressMessage, serveControl } from './control/control-plane.js';
export { type ParcelClient, ParcelStore, argsKey, valuesOf } from './control/parcels.js';
export { type WorkerBoot, WORKER_LEFT, WORKER_READY } from './control/worker-boot.js';
export { type CompletionWriter, NOT_RUN, writeCompletion } from './endpoint/completion.js';
export { type Connection, connect } from './endpoint/connect.js';
export { type Endpoint, type SubmitOptions } from './endpoint/endpoint.js';
export { type Submitter } from './endpoint/submitter.js';
export { type Ran, type Task, TaskHandle } from './endpoint/task-handle.js';
export { fromWire, toWire, type WireError } from './endpoint/wire-error.js';
export { setWorkerEndpoint, workerEndpoint, workerRuntimeName } from './endpoint/worker-endpoint.js';
export { type Arena } from './memory/arena.js';
export { type Claim, ClaimTables, createSpillTables, holds, type OwnEntry, OwnClaimTable } from './memory/claim-table.js';
export { CodeKind, type CodeTable } from './memory/code-table.js';
export { type Bell, waitAsync, waitSync, wakeAll, watch } from './memory/doorbell.js';
export { GidSource, adoptGidCounter, gidCounter, MAX_NODE, useNodeGids } from './memory/gid.js';
export { BootState, Header, type Layout, type LayoutOptions, planLayout, ringBytes, RunState, WorkerWord } from './memory/layout.js';
export {
  arenaBlockOf, ClaimState, claimInto, claimStateOf, codeIdOf, copySubmission, deadlineOf, gidOf, inlineAt, isAborted, isStopped,
  markAborted, markStopped, nameIdOf, Outcome, parentGidOf, Placement, placementOf, recordOf, replyGenerationOf, replyOf,
  batchOf, relayedSpanOf, sampledOf, setClaimState, SubmitFlag, timedOf, setStartedMs, SLOT_INTS, startedMsOf, submittedMsOf, ticketOf, tokenWord, traceAt,
} from './memory/slot.js';
export { Ring } from './memory/ring.js';
export { SafePoint, Safety, freeze, thaw } from './memory/safety.js';
export { type Views, viewsOf } from './memory/views.js';
export { Fifo } from './queue/fifo.js';
export { Admission } from './queue/admission.js';
export { PendingCount } from './queue/pending-count.js';
export { WaitGroup, waitGroup } from './sync/wait-group.js';
export { SpinBudget } from './sync/spin.js';
export { inlineSource } from './task/capture.js';
export { type Current, type TaskContext, clearCache, current, currentContext, getCache, getGoroutineId, parentSpanReporter, runAs, setCache, tracePassedOn } from './task/context.js';
export { got } from './task/got.js';
export { clearDelay, delay, type Delay, MAX_TIMER_MS } from './sync/delay.js';
export { BrokenCircuitError, CancelledError, ChannelClosedError, CodeTableFullError, InvalidArgumentError, MapItemError, PipelineError, QueueFullError, RoutineError, RuntimeClosedError, SerializationError, TaskCaptureError, TimeoutError, WorkerCrashError, WorkerStartError } from './task/errors.js';
export { checkHandler, type ErrorHandler, type PanicHandler, reportPanic, reportUnobserved, setErrorHandler, setPanicHandler } from './task/handlers.js';
export { type AfterRoutine, type BeforeRoutine, addAfterRoutine, addBeforeRoutine, hasAfterHooks, hasBeforeHooks, removeAfterRoutine, removeBeforeRoutine, runAfter, runBefore } from './task/hooks.js';
export { type Result } from './task/result.js';
export { type ProgressListener, receiveProgress, setProgressSink } from './task/progress.js';
export { envLogLevel, LOG_LEVELS, type LogLevel, logTo, routineLogger, setLogger } from './task/routine-logger.js';
export { type TaskFn, type TaskModule, moduleExportOf, moduleUrlOf, tasks } from './task/task-ref.js';
export { fromHex, type Trace, readTrace, traceIdOfTask, writeRootTrace } from './task/trace-id.js';
export { withTrace } from './task/trace.js';
export { flushSpans, parentReporterOf, type RelayedSpan, relayingSpans, relaySpan, reporterId, OWNER_REPORTER, setParentReporter, setSpanSink, type TaskRun } from './task/span-relay.js';
export { type OtelApi, type OtelSpan, otelApi, type SpanContext } from './task/otel.js';
export { lazyRequire } from './lazy-require.js';
export { type UnobservedReport, UnobservedReporter } from './endpoint/unobserved.js';
export { Chan, chan, type ChanOptions, type Received } from './chan/chan.js';
export { after, ticker, Ticker } from './chan/timers.js';
export { merge } from './chan/merge.js';
export { recv, select, selectSync, send, type RecvCase, type SelectCase, type Selected, type SelectOptions, type SendCase } from './chan/select.js';
export { Mutex, mutex } from './sync/mutex.js';
export { Once, once } from './sync/once.js';
export { RateLimiter, rateLimiter, type RateLimiterOptions } from './sync/rate-limiter.js';
export { Semaphore, semaphore } from './sync/semaphore.js';
export { openRuntime, watchRunState } from './sync/parking.js';
export { type Blocked, BlockedBoard } from './sync/blocked-board.js';
