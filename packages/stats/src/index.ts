export { Counter, COUNTER_NAMES, CounterBlock, sumCounters } from './counters.js';
export type { CounterName } from './counters.js';
export { THREAD_STATS_BYTES, initThreadStats, TaskTimer, readTiming, type ThreadTiming } from './thread-block.js';
export { HISTOGRAM_BUCKETS, bucketOf, bucketLower, bucketUpper, summarize, type HistogramSummary, type HistogramData } from './histogram.js';
export { monotonicMs } from './clock.js';
export { snapshot } from './snapshot.js';
export type { StatsSnapshot, DetailedSnapshot, WorkerStats, SnapshotSource } from './snapshot.js';
export { Exposition, toPrometheus, type PrometheusOptions } from './prometheus.js';
