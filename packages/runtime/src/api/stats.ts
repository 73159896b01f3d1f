import { type PrometheusOptions, type StatsSnapshot } from '@routine/stats';
import { defaultRuntime } from '../dispatch/default-runtime.js';
import { type RunningTask } from '../dispatch/dump.js';

/** Counters of the default runtime (see Runtime.stats for one you created). */
export function stats(): StatsSnapshot {
  return defaultRuntime().stats();
}

/** The default runtime's stats in the Prometheus text format (see Runtime.toPrometheus). */
export function toPrometheus(options?: PrometheusOptions): string {
  return defaultRuntime().toPrometheus(options);
}

/** The default runtime's running tasks (see Runtime.dump). */
export function dump(): RunningTask[] {
  return defaultRuntime().dump();
}
