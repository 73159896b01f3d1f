/**
 * Where failures nobody else handles go. By default routine logs them; a handler set here takes
 * their place and is called exactly once per failure:
 *
 * - the error handler, for a task that threw or rejected (or timed out) and that nobody observed
 *   (no then, await or result()), once nobody can: its handle was collected, its runtime
 *   closed, or its worker has nothing left to run (endpoint/unobserved.ts);
 * - the panic handler, for each task whose worker died under it (an uncaught error from a
 *   callback, process.exit, out of memory), observed or not: a dead worker is always news.
 *   A worker that dies running nothing is reported once with gid 0.
 *
 * Handlers belong to the thread that sets them, like hooks: the main thread sees every panic and
 * the unobserved failures of the tasks it started; a workerSetup module can set an error handler
 * for the tasks started inside that worker.
 */
import type { Logger } from 'pino';
import { InvalidArgumentError } from './errors.js';
import { got } from './got.js';

export type ErrorHandler = (error: Error, gid: number) => void;
export type PanicHandler = (value: unknown, stack: string, gid: number) => void;

let errorHandler: ErrorHandler | undefined;
let panicHandler: PanicHandler | undefined;

/** Replaces the logging of unobserved task failures; `undefined` restores it. */
export function setErrorHandler(handler: ErrorHandler | undefined): void {
  errorHandler = checkHandler('setErrorHandler', handler);
}

/** Replaces the logging of worker deaths, with one call per task that died; `undefined` restores it. */
export function setPanicHandler(handler: PanicHandler | undefined): void {
  panicHandler = checkHandler('setPanicHandler', handler);
}

export function checkHandler<T>(name: string, handler: T | undefined): T | undefined {
  if (handler === undefined || handler === null) return undefined;
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(`${name}() takes a function (or undefined to restore the default logging), ${got(handler)}`);
  }
  return handler;
}

/**
 * A task failed and nobody observed it. `own` is the handler of the runtime it ran on
 * (Runtime.setErrorHandler, or its 'error' listeners): it takes the place of the process-wide one.
 */
export function reportUnobserved(log: Logger, error: Error, gid: number, traceId: string, own?: ErrorHandler): void {
  const handler = own ?? errorHandler;
  if (!handler) {
    log.error({ err: error, gid, traceId }, 'routine: a task failed and nobody awaited it');
    return;
  }
  callSafely(log, 'error', gid, () => handler(error, gid));
}

/**
 * A worker died, failing the tasks `gids` it was running; `describe` is the default log line, at
 * warn when every one of those tasks is `handled` by its caller (goWithRecover, result(), an
 * await), at error otherwise. `own` is the runtime's panic handler, in place of the process-wide one.
 */
export function reportPanic(
  log: Logger, handled: boolean, value: unknown, gids: readonly number[], describe: () => [object, string], own?: PanicHandler,
): void {
  const handler = own ?? panicHandler;
  if (!handler) {
    const [fields, message] = describe();
    if (handled) log.warn(fields, message);
    else log.error(fields, message);
    return;
  }
  const stack = value instanceof Error ? (value.stack ?? String(value)) : '';
  for (const gid of gids.length > 0 ? gids : [0]) callSafely(log, 'panic', gid, () => handler(value, stack, gid));
}

function callSafely(log: Logger, kind: string, gid: number, call: () => void): void {
  try {
    call();
  } catch (thrown) {
    log.error({ err: thrown, gid }, `routine: the ${kind} handler threw; continuing`);
  }
}
