/**
 * Telling tracers about the tasks started on this thread, the main thread or a worker:
 *
 * - diagnostics_channel, for APMs: `routine:task:start` when a task is accepted
 *   ({ gid, parentGid, name, runtime, traceId }) and `routine:task:end` when it settles
 *   ({ gid, runtime, ok, error?, durationMs, worker?, waitMs?, runMs? }). Each thread has its own
 *   channels: a nested task is published in the worker that started it.
 * - OpenTelemetry, when @opentelemetry/api is installed and a tracer provider is registered on
 *   this thread: a span per task (span-shape.ts), a child of the span it was started under (the
 *   caller's active span, a withTrace scope, the task it was started from), and the trace the task
 *   carries names its own span, so `current().traceparent` inside it and the tasks it starts on
 *   any worker have it as their parent.
 * - A worker with no tracer provider of its own, whose main thread makes spans, reports each
 *   nested task it starts once the task settles (core's span-relay.ts); the main thread makes its
 *   span from the report (relayed-spans.ts). Such a task's trace still names the nearest span made
 *   when its task was started (a task started on the main thread), since its own span has no id
 *   until the main thread makes it.
 *
 * None of it costs a task anything while nobody listens: `tracingActive` is a check of the
 * channels' subscribers, of a word in shared memory in a worker, and, now and then, of whether a
 * tracer provider is registered.
 */
import diagnostics from 'node:diagnostics_channel';
import {
  currentContext, fromHex, type OtelApi, otelApi, parentReporterOf, parentSpanReporter, relayingSpans, relaySpan, type SubmitOptions, type TaskHandle,
  traceIdOfTask, tracePassedOn, type Trace,
} from '@routine/core';
import { monotonicMs } from '@routine/stats';
import { describeRun, endTaskSpan, outcomeOf, parentContext, startTaskSpan } from './span-shape.js';

/** The diagnostics_channel a task's start is published on. */
export const TASK_START_CHANNEL = 'routine:task:start';
/** The diagnostics_channel a task's end is published on. */
export const TASK_END_CHANNEL = 'routine:task:end';

const startChannel = diagnostics.channel(TASK_START_CHANNEL);
const endChannel = diagnostics.channel(TASK_END_CHANNEL);

/** Tasks between two looks at whether a tracer provider has been registered. */
const RECHECK_EVERY = 256;

let recheckIn = 0;
let tracingOn = false;

/** Whether an OpenTelemetry SDK (a tracer provider) is registered here; looked at every RECHECK_EVERY tasks. */
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
  return startChannel.hasSubscribers || endChannel.hasSubscribers || otelRecording() !== undefined || relayingSpans();
}

/** Whether this thread makes OpenTelemetry spans, as last looked at (by tracingActive). */
export function makingSpans(): boolean {
  return tracingOn;
}

/**
 * Submits through `submit` (which adds its options to the caller's), telling the channels and
 * OpenTelemetry about the task.
 */
export function traceTask(submit: (traced: SubmitOptions) => TaskHandle<unknown>, options: SubmitOptions | undefined, runtime: string): TaskHandle<unknown> {
  const api = tracingOn ? otelApi() : null;
  const name = options?.name;
  const submittedMs = monotonicMs();
  const lineage = options?.lineage;
  const parentGid = lineage ? lineage.parentGid : (currentContext()?.gid ?? 0);
  const parentTrace = lineage ? lineage.trace : tracePassedOn();
  let task: TaskHandle<unknown>;
  let finish: (task: TaskHandle<unknown>) => void;
  const span = api ? startTaskSpan(api, name, runtime, parentTrace ? parentContext(api, parentTrace.id, parentTrace.spanId, parentTrace.sampled) : api.context.active()) : undefined;
  const own = span?.spanContext();
  // A provider unregistered since the last look (trace.disable()) hands out invalid, all-zero ids.
  if (span && api!.isSpanContextValid(own!)) {
    const trace = fromHex(own!.traceId, own!.spanId, (own!.traceFlags & 1) === 1);
    try {
      task = submit({ ...options, timed: true, lineage: { parentGid, trace } });
    } catch (error) {
      endTaskSpan(span, 'error', error as Error); // refused (closed, a full queue): no task to wait for
      throw error;
    }
    finish = (task) => {
      const result = task.peek()!;
      describeRun(span, runOf(task, name, submittedMs));
      endTaskSpan(span, outcomeOf(result.ok, result.ok ? undefined : result.error), result.ok ? undefined : result.error);
    };
  } else if (parentTrace?.sampled !== false && relayingSpans()) {
    const parentReporter = lineage ? parentReporterOf(lineage) : parentSpanReporter();
    task = submit({ ...options, timed: true, relayedSpan: true });
    finish = (task) => relay(task, runtime, parentTrace, parentReporter, name, submittedMs);
  } else {
    task = submit({ ...options, timed: true });
    finish = () => {};
  }
  if (startChannel.hasSubscribers) startChannel.publish({ gid: task.gid, parentGid: task.parentGid, name, runtime, traceId: traceIdOfTask(task) });
  task.onSettled(() => {
    finish(task);
    if (endChannel.hasSubscribers) publishEnd(task, runtime, submittedMs);
  });
  return task;
}

function runOf(task: TaskHandle<unknown>, name: string | undefined, submittedMs: number) {
  const ran = task.ran;
  return { gid: task.gid, parentGid: task.parentGid, name, worker: ran?.worker ?? -1, submittedMs, ranFrom: ran?.from ?? 0, ranTo: ran?.to ?? 0 };
}

/** Reports a settled nested task to the main thread, which makes its span. */
function relay(task: TaskHandle<unknown>, runtime: string, parentTrace: Trace | undefined, parentReporter: number, name: string | undefined, submittedMs: number): void {
  const result = task.peek()!;
  const trace = task.trace ?? parentTrace;
  if (!trace) return; // a task in a worker always has a trace: its parent's
  relaySpan({
    ...runOf(task, name, submittedMs),
    runtime,
    parentReporter,
    traceId: trace.id,
    parentSpanId: trace.spanId,
    settledMs: monotonicMs(),
    outcome: outcomeOf(result.ok, result.ok ? undefined : result.error),
    ...(result.ok ? {} : { error: plainError(result.error) }),
  });
}

function plainError(error: Error): { name: string; message: string; stack?: string } {
  return { name: String(error?.name ?? 'Error'), message: String(error?.message ?? error), ...(typeof error?.stack === 'string' ? { stack: error.stack } : {}) };
}

function publishEnd(task: TaskHandle<unknown>, runtime: string, submittedMs: number): void {
  const result = task.peek()!;
  const { ran } = task;
  const where = ran ? { worker: ran.worker, waitMs: Math.max(0, ran.from - submittedMs), runMs: Math.max(0, ran.to - ran.from) } : {};
  endChannel.publish({ gid: task.gid, runtime, ok: result.ok, ...(result.ok ? {} : { error: result.error }), durationMs: monotonicMs() - submittedMs, ...where });
}
