/** The closing line of `routine map` on stderr: how many records, how fast, how busy the workers were. */
import type { MapStats } from './cluster-map.js';
import { formatCount, plural } from './progress.js';

export interface Totals {
  records: number;
  failed: number;
  written: number;
  seconds: number;
  stoppedBy: 'interrupt' | 'failure' | undefined;
}

export function summary(totals: Totals, stats: MapStats): string {
  const { records, failed, written, seconds, stoppedBy } = totals;
  const busy = stats.workers.reduce((sum, worker) => sum + worker.busyMs, 0);
  const utilization = busy / Math.max(1, stats.uptimeMs * stats.workers.length);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const stopped = stoppedBy === 'interrupt' ? 'interrupted after ' : stoppedBy === 'failure' ? 'stopped at the first failure after ' : '';
  return (
    `routine map: ${stopped}${plural(records, 'record')}, ${formatCount(failed)} failed, ` +
    `${formatCount(written)} written, ${seconds.toFixed(2)} s, ${formatCount(Math.round(records / Math.max(seconds, 1e-3)))} records/s, ` +
    `${plural(stats.workers.length, 'worker')} at ${(utilization * 100).toFixed(0)}% utilization, peak RSS ${peakRssMb.toFixed(0)} MB`
  );
}
