/**
 * The data-plane endpoint of this thread when it is a routine worker. Kept on a global symbol so
 * every copy of this package loaded in the worker (the worker entry's and a task module's own)
 * submits nested tasks through the same endpoint.
 */
import type { Endpoint } from './endpoint.js';

const THREAD = Symbol.for('routine.workerEndpoint');
const RUNTIME = Symbol.for('routine.workerRuntime');
type WithEndpoint = typeof globalThis & { [THREAD]?: Endpoint; [RUNTIME]?: string };

export function workerEndpoint(): Endpoint | undefined {
  return (globalThis as WithEndpoint)[THREAD];
}

/** The name of the runtime this worker belongs to ('' outside a worker). */
export function workerRuntimeName(): string {
  return (globalThis as WithEndpoint)[RUNTIME] ?? '';
}

export function setWorkerEndpoint(endpoint: Endpoint, runtime: string): void {
  (globalThis as WithEndpoint)[THREAD] = endpoint;
  (globalThis as WithEndpoint)[RUNTIME] = runtime;
}
