/**
 * What a task's OpenTelemetry span holds, wherever it is made: on the thread that started the task
 * (task-tracing.ts) or on the main thread from a worker's report (relayed-spans.ts).
 *
 * Attributes: `routine.gid`, `routine.parent_gid`, `routine.runtime`, `routine.name`,
 * `routine.worker` (the pool index of the worker that ran it), `routine.wait_ms` (accepted to
 * started), `routine.run_ms` (started to settled on its worker) and `routine.outcome`; an event
 * `routine.task.started` at the moment its function was called; on failure the exception and an
 * error status. The span itself runs from the task's acceptance to its settling.
 */
import { monotonicMs } from '@routine/stats';
import type { OtelApi, OtelSpan, TaskRun } from '@routine/core';

export const TRACER_NAME = '@routine/runtime';
const SPAN_KIND_INTERNAL = 0;
const STATUS_ERROR = 2;

export function startTaskSpan(api: OtelApi, name: string | undefined, runtime: string, parent: unknown, startMs?: number): OtelSpan {
  const options = { kind: SPAN_KIND_INTERNAL, attributes: { 'routine.runtime': runtime }, ...(startMs === undefined ? {} : { startTime: epochMs(startMs) }) };
  return api.trace.getTracer(TRACER_NAME).startSpan(name ?? 'routine.task', options, parent);
}

/** The context a span is made in whose parent is the given span of the given trace. */
export function parentContext(api: OtelApi, traceId: string, spanId: string, sampled: boolean): unknown {
  return api.trace.setSpanContext(api.context.active(), { traceId, spanId, traceFlags: sampled ? 1 : 0, isRemote: false });
}

/** Sets what the span says of the task and of where and when it ran. */
export function describeRun(span: OtelSpan, run: TaskRun): void {
  span.setAttribute('routine.gid', run.gid);
  span.setAttribute('routine.parent_gid', run.parentGid);
  if (run.name !== undefined) span.setAttribute('routine.name', run.name);
  if (run.worker < 0) return;
  span.setAttribute('routine.worker', run.worker);
  span.setAttribute('routine.wait_ms', Math.max(0, run.ranFrom - run.submittedMs));
  span.setAttribute('routine.run_ms', Math.max(0, run.ranTo - run.ranFrom));
  span.addEvent('routine.task.started', { 'routine.worker': run.worker }, epochMs(run.ranFrom));
}

/** Records the outcome and ends the span (at `endMs`, monotonicMs(), or now). */
export function endTaskSpan(span: OtelSpan, outcome: string, error: { name: string; message: string; stack?: string } | undefined, endMs?: number): void {
  span.setAttribute('routine.outcome', outcome);
  if (error) {
    span.recordException(error, endMs === undefined ? undefined : epochMs(endMs));
    span.setStatus({ code: STATUS_ERROR, message: error.message });
  }
  span.end(endMs === undefined ? undefined : epochMs(endMs));
}

/** ok, or error, timeout, cancelled or panic from the error's class. */
export function outcomeOf(ok: boolean, error: Error | undefined): string {
  if (ok) return 'ok';
  switch (error?.name) {
    case 'TimeoutError':
      return 'timeout';
    case 'CancelledError':
      return 'cancelled';
    case 'WorkerCrashError':
      return 'panic';
    default:
      return 'error';
  }
}

let epochOffset: number | undefined;

/**
 * A monotonicMs() time as epoch milliseconds, which OpenTelemetry takes. Both clocks move with
 * performance.now() on this thread, so the offset between them is fixed.
 */
export function epochMs(monotonic: number): number {
  epochOffset ??= performance.timeOrigin + performance.now() - monotonicMs();
  return monotonic + epochOffset;
}
