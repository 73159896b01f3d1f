import { type StatsSnapshot } from '@routine/stats';
import { defaultRuntime } from './default-runtime.js';

/** Counters of the default runtime (see Runtime.stats for one you created). */
export function stats(): StatsSnapshot {
  return defaultRuntime().stats();
}
