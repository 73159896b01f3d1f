/**
 * What the worker entry (and tests) need from the runtime's insides. Not a public API: names here
 * may change in any release.
 */
export * from './layout.js';
export { Ring } from './ring.js';
export { Arena } from './arena.js';
export { CodeTable, CodeKind } from './code-table.js';
export { Encoder, decode } from './codec.js';
export { armAsync, bellOf, waitAsync, waitSync, type Bell } from './doorbell.js';
export { Endpoint } from './endpoint.js';
export { writeCompletion, type CompletionWriter } from './completion.js';
export { argsKey, type ParcelClient } from './parcels.js';
export { runAs, type TaskContext } from './context.js';
export { readTrace, traceIdOfTask, type Trace } from './trace.js';
export { reportUnobserved } from './handlers.js';
export { runBefore, runAfter, hasBeforeHooks, hasAfterHooks } from './hooks.js';
export { adoptGidCounter, GidSource } from './gid.js';
export { toWire } from './task-error.js';
export { setWorkerEndpoint } from './thread.js';
export { logger } from './logger.js';
export { viewsOf, type Views } from './views.js';
export { type WorkerBoot } from './worker-data.js';
export { ControlClient } from './control.js';
export { Counter, CounterBlock, TaskTimer, monotonicMs } from '@routine/stats';
export { connect } from './connect.js';
export { SafePoint } from './safety.js';
export { CancelledError } from './errors.js';
export { revive } from './revive.js';
export { Fifo } from './fifo.js';
