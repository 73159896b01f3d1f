/**
 * Checks a task function when it is registered for later (a scheduled job, a pipeline stage, a
 * background worker), so a bad one is refused where it was written, not at its first run.
 */
import { inlineSource, InvalidArgumentError, moduleExportOf, got } from '@routine/core';

export function checkTaskFn(fn: unknown, where: string): void {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(
      `${where} needs a task function, ${got(fn)}: an inline function or an export named with tasks(url)`,
    );
  }
  if (!moduleExportOf(fn)) inlineSource(fn as (...args: never[]) => unknown);
}

export function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`${where} needs a non-empty name string, ${got(name)}`);
  }
  return name;
}
