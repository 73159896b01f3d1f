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

/**
 * One exposition of many sources: samples are grouped by metric family, so several runtimes
 * (each with its own labels) share one HELP and TYPE line per family, as the format requires.
 */
export class Exposition {
  readonly #prefix: string;
  readonly #families = new Map<string, { type: string; help: string; samples: string[] }>();

  constructor(prefix = 'routine') {
    if (!METRIC_NAME.test(prefix)) throw new TypeError(`toPrometheus(): prefix ${JSON.stringify(prefix)} is not a valid metric name start`);
    this.#prefix = prefix;
  }

  /** Adds one sample of family `name` (without the prefix); a histogram's lines name their suffix. */
  sample(name: string, type: string, help: string, value: number, labels: [string, string][], suffix = ''): void {
    const full = `${this.#prefix}_${name}`;
    let family = this.#families.get(full);
    if (!family) this.#families.set(full, (family = { type, help, samples: [] }));
    const text = labels.length === 0 ? '' : `{${labels.map(([key, v]) => `${key}="${escapeLabel(v)}"`).join(',')}}`;
    family.samples.push(`${full}${suffix}${text} ${formatValue(value)}`);
  }

  /** A single gauge, labelled. */
  gauge(name: string, help: string, value: number, labels: Record<string, string> = {}): void {
    this.sample(name, 'gauge', help, value, checkLabels(labels));
  }

  /** Every metric of one runtime's snapshot, each sample carrying `labels`. */
  addSnapshot(stats: DetailedSnapshot, labels: Record<string, string> = {}): void {
    const fixed = checkLabels(labels);
    const add = (name: string, type: string, help: string, value: number, extra: [string, string][] = [], suffix = ''): void =>
      this.sample(name, type, help, value, [...fixed, ...extra], suffix);
    for (const counter of COUNTER_NAMES) {
      if (counter === 'waiting' || counter === 'unstarted' || counter === 'ended') continue;
      add(`tasks_${counter}_total`, 'counter', COUNTER_HELP[counter], stats[counter]);
    }
    add('tasks_active', 'gauge', 'Tasks running on a worker now.', stats.active);
    add('tasks_queued', 'gauge', 'Tasks accepted but not yet started.', stats.queued);
    add('tasks_waiting', 'gauge', 'Tasks held behind a full submission ring.', stats.waiting);
    add('workers', 'gauge', 'Worker threads in the pool.', stats.workers.length);
    add('uptime_seconds', 'gauge', 'Seconds since the runtime started.', stats.uptimeMs / 1000);

    const perWorker = (name: string, type: string, help: string, value: (w: DetailedSnapshot['workers'][number]) => number): void => {
      for (const worker of stats.workers) add(name, type, help, value(worker), [['worker', String(worker.id)]]);
    };
    perWorker('worker_busy_seconds_total', 'counter', 'Seconds a worker had at least one task running.', (w) => w.busyMs / 1000);
    perWorker('worker_tasks_total', 'counter', 'Tasks a worker started.', (w) => w.tasks);
    perWorker('worker_utilization', 'gauge', 'Busy time over uptime, 0 to 1.', (w) => w.utilization);

    const histogram = (name: string, help: string, data: HistogramData): void => {
      let cumulative = 0;
      let next = 0;
      for (const bound of BOUNDS_MICROS) {
        for (const end = bucketOf(bound); next < end; next++) cumulative += data.buckets[next];
        add(name, 'histogram', help, cumulative, [['le', formatValue(bound / 1e6)]], '_bucket');
      }
      for (; next < HISTOGRAM_BUCKETS; next++) cumulative += data.buckets[next];
      add(name, 'histogram', help, cumulative, [['le', '+Inf']], '_bucket');
      add(name, 'histogram', help, data.sum / 1e6, [], '_sum');
      add(name, 'histogram', help, cumulative, [], '_count');
    };
    histogram('task_wait_seconds', 'Time from acceptance to the start of the call.', stats.histograms.waitTime);
    histogram('task_run_seconds', 'Time from the start of the call until it returned or settled.', stats.histograms.runTime);
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, { type, help, samples }] of this.#families) lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    return `${lines.join('\n')}\n`;
  }
}

export function toPrometheus(stats: DetailedSnapshot, options: PrometheusOptions = {}): string {
  const exposition = new Exposition(options.prefix);
  exposition.addSnapshot(stats, options.labels);
  return exposition.text();
}

function checkLabels(labels: Record<string, string>): [string, string][] {
  const entries = Object.entries(labels);
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new TypeError(`toPrometheus(): ${JSON.stringify(name)} is not a valid label name`);
  }
  return entries;
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
