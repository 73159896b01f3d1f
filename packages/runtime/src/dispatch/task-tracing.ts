/**
 * Telling tracers about the tasks a runtime accepts, on the main thread:
 *
 * - diagnostics_channel, for APMs: `routine:task:start` when a task is accepted
 *   ({ gid, parentGid, name, runtime, traceId }) and `routine:task:end` when it settles
 *   ({ gid, runtime, ok, error?, durationMs }).
 * - OpenTelemetry, when @opentelemetry/api is installed and a tracer provider registered: a span
 *   per task, named after the task (`routine.task` without a name), a child of the caller's active
 *   span, with the gid, parent gid, runtime and outcome as attributes, ended when the task settles.
 *   The task is submitted with that span active, so the trace it carries (its current().traceparent,
 *   and the parent of every task it starts, on any worker) names the task's own span.
 *
 * Neither costs a task anything while nobody listens: `active` is a check of the channels'
 * subscribers and, now and then, of whether a tracer provider is registered.
 */
import diagnostics from 'node:diagnostics_channel';
import { type OtelApi, type OtelSpan, otelApi, type TaskHandle, traceIdOfTask } from '@routine/core';

/** The diagnostics_channel a task's start is published on. */
export const TASK_START_CHANNEL = 'routine:task:start';
/** The diagnostics_channel a task's end is published on. */
export const TASK_END_CHANNEL = 'routine:task:end';

const startChannel = diagnostics.channel(TASK_START_CHANNEL);
const endChannel = diagnostics.channel(TASK_END_CHANNEL);

/** Tasks between two looks at whether a tracer provider has been registered. */
const RECHECK_EVERY = 256;
const SPAN_KIND_INTERNAL = 0;
const STATUS_ERROR = 2;

let recheckIn = 0;
let tracingOn = false;

/** Whether an OpenTelemetry SDK (a tracer provider) is registered; looked at every RECHECK_EVERY tasks. */
function otelRecording(): OtelApi | undefined {
  if (--recheckIn <= 0) {
    recheckIn = RECHECK_EVERY;
    const api = otelApi();
    const delegate = api?.trace.getTracerProvider().getDelegate?.();
    tracingOn = api !== null && delegate !== undefined && delegate.constructor.name !== 'NoopTracerProvider';
  }
  return tracingOn ? otelApi()! : undefined;
}

export function tracingActive(): boolean {
  return startChannel.hasSubscribers || endChannel.hasSubscribers || otelRecording() !== undefined;
}

/** Submits through `submit`, telling the channels and OpenTelemetry about the task. */
export function traceTask(submit: () => TaskHandle<unknown>, name: string | undefined, runtime: string): TaskHandle<unknown> {
  const api = tracingOn ? otelApi() : null;
  let span: OtelSpan | undefined;
  let task: TaskHandle<unknown>;
  if (api) {
    const parent = api.context.active();
    span = api.trace.getTracer('@routine/runtime').startSpan(name ?? 'routine.task', { kind: SPAN_KIND_INTERNAL, attributes: { 'routine.runtime': runtime } }, parent);
    task = api.context.with(api.trace.setSpan(parent, span), submit);
    span.setAttribute('routine.gid', task.gid);
    span.setAttribute('routine.parent_gid', task.parentGid);
    if (name !== undefined) span.setAttribute('routine.name', name);
  } else {
    task = submit();
  }
  const startedMs = performance.now();
  if (startChannel.hasSubscribers) startChannel.publish({ gid: task.gid, parentGid: task.parentGid, name, runtime, traceId: traceIdOfTask(task) });
  task.onSettled(() => {
    const result = task.peek()!;
    if (span) {
      span.setAttribute('routine.outcome', result.ok ? 'ok' : outcomeOf(result.error));
      if (!result.ok) {
        span.recordException(result.error);
        span.setStatus({ code: STATUS_ERROR, message: result.error.message });
      }
      span.end();
    }
    if (endChannel.hasSubscribers) {
      endChannel.publish({ gid: task.gid, runtime, ok: result.ok, ...(result.ok ? {} : { error: result.error }), durationMs: performance.now() - startedMs });
    }
  });
  return task;
}

/** error, timeout, cancelled or panic, from the error's class. */
function outcomeOf(error: Error): string {
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
