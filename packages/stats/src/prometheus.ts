/**
 * The Prometheus text exposition format (version 0.0.4) for a snapshot: counters, gauges, and the
 * two latency histograms with cumulative `_bucket` lines, `_sum` and `_count`, in seconds.
 */
import { COUNTER_NAMES, type CounterName } from './counters.js';
import { bucketOf, HISTOGRAM_BUCKETS, type HistogramData } from './histogram.js';
import type { DetailedSnapshot } from './snapshot.js';

export interface PrometheusOptions {
  /** Prepended to every metric name; default 'routine'. */
  prefix?: string;
  /** Added to every sample, e.g. `{ pool: 'images' }` when several runtimes are exported. */
  labels?: Record<string, string>;
}

const COUNTER_HELP: Record<Exclude<CounterName, 'waiting' | 'unstarted' | 'ended'>, string> = {
  launched: 'Tasks accepted by go() or a variant.',
  started: 'Tasks whose function a worker began to call.',
  completed: 'Tasks that returned or resolved.',
  errors: 'Tasks that threw or rejected.',
  panics: 'Tasks that failed because their worker died under them.',
  cancelled: 'Tasks cancelled before they started.',
  timeouts: 'Tasks stopped at their deadline.',
};

/**
 * Bucket bounds in microseconds: powers of four from 1 µs to about 18 minutes. Each falls on a
 * boundary of the log-linear buckets, so the cumulative counts are exact.
 */
const BOUNDS_MICROS = Array.from({ length: 16 }, (_, k) => 4 ** k);

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function toPrometheus(stats: DetailedSnapshot, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'routine';
  if (!METRIC_NAME.test(prefix)) throw new TypeError(`toPrometheus(): prefix ${JSON.stringify(prefix)} is not a valid metric name start`);
  const fixed = Object.entries(options.labels ?? {});
  for (const [name] of fixed) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new TypeError(`toPrometheus(): ${JSON.stringify(name)} is not a valid label name`);
  }
  const lines: string[] = [];
  const family = (name: string, type: string, help: string): string => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    return full;
  };
  const sample = (name: string, value: number, labels: [string, string][] = []): void => {
    const all = [...fixed, ...labels];
    const text = all.length === 0 ? '' : `{${all.map(([key, v]) => `${key}="${escapeLabel(v)}"`).join(',')}}`;
    lines.push(`${name}${text} ${formatValue(value)}`);
  };

  for (const counter of COUNTER_NAMES) {
    if (counter === 'waiting' || counter === 'unstarted' || counter === 'ended') continue;
    sample(family(`tasks_${counter}_total`, 'counter', COUNTER_HELP[counter]), stats[counter]);
  }
  sample(family('tasks_active', 'gauge', 'Tasks running on a worker now.'), stats.active);
  sample(family('tasks_queued', 'gauge', 'Tasks accepted but not yet started.'), stats.queued);
  sample(family('tasks_waiting', 'gauge', 'Tasks held behind a full submission ring.'), stats.waiting);
  sample(family('workers', 'gauge', 'Worker threads in the pool.'), stats.workers.length);
  sample(family('uptime_seconds', 'gauge', 'Seconds since the runtime started.'), stats.uptimeMs / 1000);

  const perWorker = (name: string, type: string, help: string, value: (w: DetailedSnapshot['workers'][number]) => number): void => {
    const full = family(name, type, help);
    for (const worker of stats.workers) sample(full, value(worker), [['worker', String(worker.id)]]);
  };
  perWorker('worker_busy_seconds_total', 'counter', 'Seconds a worker had at least one task running.', (w) => w.busyMs / 1000);
  perWorker('worker_tasks_total', 'counter', 'Tasks a worker started.', (w) => w.tasks);
  perWorker('worker_utilization', 'gauge', 'Busy time over uptime, 0 to 1.', (w) => w.utilization);

  const histogram = (name: string, help: string, data: HistogramData): void => {
    const full = family(name, 'histogram', help);
    let cumulative = 0;
    let next = 0;
    for (const bound of BOUNDS_MICROS) {
      for (const end = bucketOf(bound); next < end; next++) cumulative += data.buckets[next];
      sample(`${full}_bucket`, cumulative, [['le', formatValue(bound / 1e6)]]);
    }
    for (; next < HISTOGRAM_BUCKETS; next++) cumulative += data.buckets[next];
    sample(`${full}_bucket`, cumulative, [['le', '+Inf']]);
    sample(`${full}_sum`, data.sum / 1e6);
    sample(`${full}_count`, cumulative);
  };
  histogram('task_wait_seconds', 'Time from acceptance to the start of the call.', stats.histograms.waitTime);
  histogram('task_run_seconds', 'Time from the start of the call until it returned or settled.', stats.histograms.runTime);
  return `${lines.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
