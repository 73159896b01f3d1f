// Counters and wait/run-time histograms, read from shared memory; Prometheus text for /metrics.
import { go, stats, toPrometheus } from '@routine/runtime';

await Promise.all(Array.from({ length: 100 }, (_, i) => go((n) => n * n, i)));
await go(() => {
  throw new Error('counted');
}).result();

const { launched, completed, errors, runTime, workers } = stats();
console.log({ launched, completed, errors });
console.log('run-time samples:', runTime.count, '| p50 <= p99:', runTime.p50 <= runTime.p99);
console.log('tasks per worker add up:', workers.reduce((sum, w) => sum + w.tasks, 0) === 101);
console.log(toPrometheus().split('\n').find((line) => line.startsWith('routine_tasks_completed_total')));

// Output:
// { launched: 101, completed: 100, errors: 1 }
// run-time samples: 101 | p50 <= p99: true
// tasks per worker add up: true
// routine_tasks_completed_total 100
