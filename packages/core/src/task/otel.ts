/**
 * OpenTelemetry, when the application has @opentelemetry/api installed: the active span's trace
 * is handed on to the tasks started under it. The API keeps its state on a global, so the copy
 * resolved here sees the context manager the application registered with its own import.
 */
import { createRequire } from 'node:module';
import { fromHex, type Trace } from './trace-id.js';

export interface SpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

type Attributes = Record<string, string | number | boolean>;
/** Epoch milliseconds, as OpenTelemetry's TimeInput takes them. */
type EpochMs = number;

/** The part of @opentelemetry/api routine uses (here, and for task spans in @routine/runtime). */
export interface OtelSpan {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | { name: string; message: string; stack?: string }, time?: EpochMs): unknown;
  addEvent(name: string, attributes?: Attributes, time?: EpochMs): unknown;
  end(endTime?: EpochMs): void;
}

export interface OtelApi {
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  trace: {
    getSpan(context: unknown): OtelSpan | undefined;
    setSpan(context: unknown, span: OtelSpan): unknown;
    setSpanContext(context: unknown, spanContext: SpanContext): unknown;
    getTracerProvider(): { getDelegate?(): object };
    getTracer(name: string, version?: string): {
      startSpan(name: string, options: { kind?: number; attributes?: Attributes; startTime?: EpochMs }, context: unknown): OtelSpan;
    };
  };
  isSpanContextValid(context: SpanContext): boolean;
}

/** undefined until first asked for; null when the package is not installed. */
let api: OtelApi | null | undefined;
/**
 * Where @opentelemetry/api 1.x keeps what an SDK registers. Until something is there no span can
 * be active, so the API (some fifty CommonJS modules) is not loaded before then.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');
let last: { context: SpanContext; trace: Trace } | undefined;

function load(): OtelApi | null {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return null;
  }
}

/**
 * @opentelemetry/api as the application installed it, once something (an SDK, a provider or a
 * context manager) has registered with it; null before that, or when it is not installed.
 */
export function otelApi(): OtelApi | null {
  if (api === undefined && (globalThis as { [OTEL_GLOBAL]?: unknown })[OTEL_GLOBAL] === undefined) return null;
  api ??= load();
  return api;
}

/** The trace of the active OpenTelemetry span, with that span as the parent of what starts here. */
export function activeOtelTrace(): Trace | undefined {
  const api = otelApi();
  if (api === null) return undefined;
  const span = api.trace.getSpan(api.context.active());
  if (!span) return undefined;
  const context = span.spanContext();
  if (!api.isSpanContextValid(context)) return undefined;
  // Tasks started in a burst under one span share its Trace: no hex parsing per task.
  if (last?.context.traceId !== context.traceId || last.context.spanId !== context.spanId || last.context.traceFlags !== context.traceFlags) {
    last = { context, trace: fromHex(context.traceId, context.spanId, (context.traceFlags & 1) === 1) };
  }
  return last.trace;
}
