export { Counter, COUNTER_NAMES, COUNTER_BLOCK_BYTES, CounterBlock, sumCounters } from './counters.js';
export type { CounterName } from './counters.js';
export { snapshot } from './snapshot.js';
export type { StatsSnapshot, WorkerStats } from './snapshot.js';
