/**
 * A cluster's numbers: this caller's own counts, BullMQ's job counts for the queue, and the
 * counters each live worker process reports (every second, into a Redis hash), summed.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { COUNTER_NAMES, type CounterName, type StatsSnapshot } from '@routine/stats';
import { keys } from './keys.js';

/** A worker process's last report; one older than REPORT_STALE_MS is of a process presumed gone. */
export interface NodeReport {
  node: number;
  host: string;
  pid: number;
  /** Jobs it holds now, and has finished since it started. */
  jobs: { active: number; completed: number; failed: number };
  stats: StatsSnapshot;
  reportedAt: number;
}

export const REPORT_MS = 1000;
const REPORT_STALE_MS = 10_000;

export interface ClusterStats {
  /** This caller's tasks. */
  caller: { launched: number; completed: number; errors: number; cancelled: number; timeouts: number; pending: number };
  /** BullMQ's counts of the queue's jobs. */
  queue: Record<string, number>;
  /** Each live worker process's report. */
  nodes: NodeReport[];
  /** The nodes' local counters summed, with their running and queued tasks and their threads. */
  totals: Record<CounterName, number> & { active: number; queued: number; threads: number };
}

export async function publishReport(redis: Redis, queue: string, report: NodeReport): Promise<void> {
  await redis.hset(keys.workers(queue), String(report.node), JSON.stringify(report));
}

export async function removeReport(redis: Redis, queue: string, node: number): Promise<void> {
  await redis.hdel(keys.workers(queue), String(node));
}

export async function clusterStats(redis: Redis, queue: Queue, caller: ClusterStats['caller']): Promise<ClusterStats> {
  const [counts, raw] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
    redis.hgetall(keys.workers(queue.name)),
  ]);
  const now = Date.now();
  const nodes = Object.values(raw)
    .map((text) => JSON.parse(text) as NodeReport)
    .filter((report) => now - report.reportedAt < REPORT_STALE_MS)
    .sort((a, b) => a.node - b.node);
  const totals = { active: 0, queued: 0, threads: 0 } as ClusterStats['totals'];
  for (const name of COUNTER_NAMES) totals[name] = 0;
  for (const { stats } of nodes) {
    for (const name of COUNTER_NAMES) totals[name] += stats[name];
    totals.active += stats.active;
    totals.queued += stats.queued;
    totals.threads += stats.workers.length;
  }
  return { caller, queue: counts, nodes, totals };
}

/** ClusterStats in the Prometheus text format. */
export function clusterPrometheus(stats: ClusterStats): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, samples: [labels: string, value: number][]): void => {
    lines.push(`# HELP routine_cluster_${name} ${help}`, `# TYPE routine_cluster_${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`routine_cluster_${name}${labels} ${value}`);
  };
  family('jobs', 'gauge', "The queue's jobs by state (BullMQ).", Object.entries(stats.queue).map(([state, n]) => [`{state="${state}"}`, n]));
  family('nodes', 'gauge', 'Worker processes reporting.', [['', stats.nodes.length]]);
  family('threads', 'gauge', "Threads of the worker processes' local runtimes.", [['', stats.totals.threads]]);
  for (const name of COUNTER_NAMES) {
    if (name === 'waiting' || name === 'unstarted' || name === 'ended') continue;
    family(`tasks_${name}_total`, 'counter', `Tasks ${name}, summed over the worker processes.`, [['', stats.totals[name]]]);
  }
  family('tasks_active', 'gauge', 'Tasks running on the worker processes now.', [['', stats.totals.active]]);
  family('caller_pending', 'gauge', "This caller's tasks not yet settled.", [['', stats.caller.pending]]);
  return `${lines.join('\n')}\n`;
}
