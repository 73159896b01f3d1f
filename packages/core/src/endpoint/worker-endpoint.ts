/**
 * The data-plane endpoint of this thread when it is a routine worker. Kept on a global symbol so
 * every copy of this package loaded in the worker (the worker entry's and a task module's own)
 * submits nested tasks through the same endpoint.
 */
import type { Endpoint } from './endpoint.js';

const THREAD = Symbol.for('routine.workerEndpoint');
type WithEndpoint = typeof globalThis & { [THREAD]?: Endpoint };

export function workerEndpoint(): Endpoint | undefined {
  return (globalThis as WithEndpoint)[THREAD];
}

export function setWorkerEndpoint(endpoint: Endpoint): void {
  (globalThis as WithEndpoint)[THREAD] = endpoint;
}
