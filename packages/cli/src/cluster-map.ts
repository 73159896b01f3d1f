/**
 * `routine map --redis URL --queue NAME`: the same batch, run by the queue's `routine worker`
 * processes instead of threads of this one. The map loop sees what it sees of a local runtime;
 * its closing line counts the worker processes' threads, from their latest reports.
 */
import type { ClusterStats } from '@routine/cluster';
import type { Runtime, StatsSnapshot } from '@routine/runtime';

/** What `routine map` uses of a runtime. */
export interface MapRuntime extends Pick<Runtime, 'go' | 'timeout' | 'close' | 'terminate'> {
  readonly workers: number;
  stats(): MapStats;
}

export type MapStats = Pick<StatsSnapshot, 'workers' | 'uptimeMs'>;

/** How often the worker processes' reports are read while the batch runs. */
const REFRESH_MS = 1000;

export async function clusterMapRuntime(redis: string, queue: string): Promise<MapRuntime> {
  // Loaded only here: BullMQ and ioredis cost a local run their start-up time.
  const { createClusterRuntime } = await import('@routine/cluster');
  const cluster = await createClusterRuntime({ connection: redis, queue });
  let latest = threadsOf(await cluster.stats());
  if (latest.workers.length === 0) {
    process.stderr.write(`routine map: no routine worker takes queue ${queue} yet; records wait for one (routine worker --redis ${redis} --queue ${queue})\n`);
  }
  const refresh = setInterval(() => void cluster.stats().then((stats) => (latest = threadsOf(stats)), () => {}), REFRESH_MS);
  refresh.unref();
  const closed = (): void => clearInterval(refresh);
  return {
    go: (fn, ...args) => cluster.go(fn, ...args),
    timeout: (ms, fn, ...args) => cluster.timeout(ms, fn, ...args),
    get workers() {
      return Math.max(1, latest.workers.length);
    },
    stats: () => latest,
    close: () => (closed(), cluster.close()),
    terminate: () => (closed(), cluster.close({ graceMs: 0 })),
  };
}

/** Every worker process's threads, as one pool. */
function threadsOf(stats: ClusterStats): MapStats {
  return {
    workers: stats.nodes.flatMap((node) => node.stats.workers).map((worker, id) => ({ ...worker, id })),
    uptimeMs: Math.max(0, ...stats.nodes.map((node) => node.stats.uptimeMs)),
  };
}
