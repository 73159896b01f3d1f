/**
 * The runtime the free functions use. On the main thread it is created on first use with the
 * default options; inside a task it is the worker's own connection to the runtime that runs it,
 * so nested tasks go through the same ring.
 */
import { type Endpoint, InvalidArgumentError, type Submitter, type SubmitOptions, type TaskHandle, workerEndpoint, workerRuntimeName } from '@routine/core';
import { traceTask, tracingActive } from './task-tracing.js';
import { createRuntime, type Runtime } from './runtime.js';

let shared: Runtime | undefined;

/** The main thread's runtime, created on first use with the default options; the free functions run on it. */
export function defaultRuntime(): Runtime {
  if (workerEndpoint()) {
    throw new InvalidArgumentError(
      'defaultRuntime() is the main thread\'s runtime; inside a task use the free functions (go, ...), which run nested tasks on the same runtime',
    );
  }
  if (!shared) {
    const created = createRuntime({ name: 'default' });
    shared = created;
    // Closing it makes room for a fresh one on next use, instead of a runtime that refuses work.
    const close = created.close.bind(created);
    const terminate = created.terminate.bind(created);
    created.close = (options) => (shared === created && (shared = undefined), close(options));
    created.terminate = () => (shared === created && (shared = undefined), terminate());
  }
  return shared;
}

let nested: Submitter | undefined;

/** This thread's runtime: the worker's when inside a task, the default one otherwise. */
export function here(): Submitter {
  const endpoint = workerEndpoint();
  if (!endpoint) return defaultRuntime();
  nested ??= tracedSubmitter(endpoint, workerRuntimeName());
  return nested;
}

/** A worker's endpoint, telling tracers about the nested tasks it starts (task-tracing.ts). */
function tracedSubmitter(endpoint: Endpoint, runtime: string): Submitter {
  return {
    submit: <R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> =>
      tracingActive() ? (traceTask((traced) => endpoint.submit(fn, args, traced), options, runtime) as TaskHandle<R>) : endpoint.submit<R>(fn, args, options),
    reserveGid: () => endpoint.reserveGid(),
    get workers() {
      return endpoint.workers;
    },
  };
}
