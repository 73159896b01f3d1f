/**
 * Gives back class instances that structured clone flattened on their way to a worker: routine's
 * shared-memory primitives travel as plain objects with a brand and come back as themselves.
 * Only top-level arguments are revived.
 */
import { WAIT_GROUP_BRAND, WaitGroup } from '../sync/wait-group.js';

export function revive(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as { '@routine/type'?: unknown; counter?: unknown } | null;
    if (value !== null && typeof value === 'object' && value['@routine/type'] === WAIT_GROUP_BRAND && value.counter instanceof Int32Array) {
      values[i] = new WaitGroup(value.counter);
    }
  }
  return values;
}
