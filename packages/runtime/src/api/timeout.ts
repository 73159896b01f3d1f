import { InvalidArgumentError, got } from '@routine/core';

/** A timeout in milliseconds, checked: finite and not negative. */
export function checkTimeout(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(`a timeout must be a finite number of milliseconds >= 0, ${got(ms)}`);
  }
  return ms;
}
