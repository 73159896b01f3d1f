/**
 * The logger for code running in a task: routine's pino logger with the task's gid, parent gid,
 * trace id and name bound, so every line a task writes can be joined to its trace. Made on first
 * use in a task and kept for the rest of it. Outside any task it is routine's own logger (with
 * the trace id bound inside a withTrace scope).
 */
import type { Logger } from 'pino';
import { currentContext, routineLogger, tracePassedOn } from '@routine/core';

/** The logger for code in a task: routine's logger with the task's gid, parent gid, trace id and name bound. Outside a task, routine's own logger. On a worker its lines go to the runtime's logger. */
export function logger(): Logger {
  const context = currentContext();
  if (!context) {
    const trace = tracePassedOn(undefined);
    return trace ? routineLogger().child({ traceId: trace.id }) : routineLogger();
  }
  context.logger ??= routineLogger().child({
    gid: context.gid,
    parentGid: context.parentGid,
    traceId: context.trace.id,
    ...(context.name === undefined ? {} : { name: context.name }),
  });
  return context.logger;
}
