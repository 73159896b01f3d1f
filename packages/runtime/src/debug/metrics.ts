/** /metrics: every runtime and pool of the process in one Prometheus exposition, each labelled. */
import { Exposition } from '@routine/stats';
import { registered } from '../dispatch/registry.js';

export function processMetrics(prefix?: string): string {
  const exposition = new Exposition(prefix);
  for (const { runtime, labels, pool } of registered()) {
    let stats;
    try {
      stats = runtime.detailedStats();
    } catch {
      continue; // created with metrics: false
    }
    exposition.addSnapshot(stats, labels);
    if (pool) addPoolGauges(exposition, pool.name, pool.poolGauges());
  }
  return exposition.text();
}

/** A pool's own gauges, beside its runtime's metrics. */
export function addPoolGauges(exposition: Exposition, name: string, gauges: { waiting: number; capacity: number; unsettled: number }): void {
  const labels = { pool: name };
  exposition.gauge('pool_waiting', 'Tasks waiting in submitWait for room in the pool.', gauges.waiting, labels);
  exposition.gauge('pool_capacity', 'Tasks the pool holds at once: workers + queue.', gauges.capacity, labels);
  exposition.gauge('pool_unsettled', 'Tasks accepted by the pool and not yet settled, waiting for room included.', gauges.unsettled, labels);
}
