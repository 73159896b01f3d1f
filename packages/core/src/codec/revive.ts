/**
 * Gives back class instances that structured clone flattened on their way to a worker: routine's
 * shared-memory primitives travel as plain objects with a brand and come back as themselves,
 * at the top level of the arguments or nested in arrays and plain objects.
 */
import { CHAN_BRAND, Chan } from '../chan/chan.js';
import { ChanKind, ChanMemory } from '../chan/chan-memory.js';
import { Ticker } from '../chan/timers.js';
import { MUTEX_BRAND, Mutex } from '../sync/mutex.js';
import { ONCE_BRAND, Once } from '../sync/once.js';
import { RATE_LIMITER_BRAND, RateLimiter } from '../sync/rate-limiter.js';
import { SEMAPHORE_BRAND, Semaphore } from '../sync/semaphore.js';
import { WAIT_GROUP_BRAND, WaitGroup } from '../sync/wait-group.js';

type Flat = { '@routine/type'?: unknown; counter?: unknown; buffer?: unknown; state?: unknown };

const revivers: Record<string, (flat: Flat) => unknown> = {
  [WAIT_GROUP_BRAND]: (flat) => (flat.counter instanceof Int32Array ? new WaitGroup(flat.counter) : undefined),
  [CHAN_BRAND]: (flat) => {
    if (!(flat.buffer instanceof SharedArrayBuffer)) return undefined;
    return new ChanMemory(flat.buffer).kind === ChanKind.ticker ? new Ticker(flat.buffer) : new Chan(flat.buffer);
  },
  [SEMAPHORE_BRAND]: (flat) => (flat.state instanceof Int32Array ? new Semaphore(flat.state) : undefined),
  [MUTEX_BRAND]: (flat) => (flat.state instanceof Int32Array ? new Mutex(flat.state) : undefined),
  [ONCE_BRAND]: (flat) => (flat.state instanceof Int32Array ? new Once(flat.state) : undefined),
  [RATE_LIMITER_BRAND]: (flat) => (flat.buffer instanceof SharedArrayBuffer ? new RateLimiter(flat.buffer) : undefined),
};

export function revive(values: unknown[]): unknown[] {
  const seen = new Set<object>();
  for (let i = 0; i < values.length; i++) values[i] = reviveValue(values[i], seen);
  return values;
}

function reviveValue(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveValue(value[i], seen);
    return value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const brand = (value as Flat)['@routine/type'];
  if (typeof brand === 'string' && brand in revivers) return revivers[brand](value as Flat) ?? value;
  for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = reviveValue((value as Record<string, unknown>)[key], seen);
  return value;
}
