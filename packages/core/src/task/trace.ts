/**
 * Which trace a task belongs to. Where a task takes its trace from, innermost first: a
 * `withTrace` scope, the active OpenTelemetry span (when @opentelemetry/api is installed), the
 * task it was started from, and otherwise a new trace rooted at the task itself (trace-id.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError } from './errors.js';
import { activeOtelTrace } from './otel.js';
import { parseTrace, type Trace } from './trace-id.js';
import { got } from './got.js';

let scopes: AsyncLocalStorage<Trace> | undefined;

/**
 * Runs `fn` with a trace: every task it starts (and theirs, on any thread) carries it, and
 * `current().traceId` in here reports it. Works on the main thread and inside a task; the scope
 * follows `fn`'s awaits. Returns what `fn` returns.
 */
export function withTrace<T>(traceIdOrTraceparent: string, fn: () => T): T {
  const trace = parseTrace(traceIdOrTraceparent);
  if (typeof fn !== 'function') throw new InvalidArgumentError(`withTrace() takes a function to run, ${got(fn)}`);
  scopes ??= new AsyncLocalStorage();
  return scopes.run(trace, fn);
}

/** The trace code running here hands on, if any: a withTrace scope, else OpenTelemetry's span. */
export function ambientTrace(): Trace | undefined {
  return scopes?.getStore() ?? activeOtelTrace();
}
