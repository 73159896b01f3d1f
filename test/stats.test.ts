import parsePrometheus from 'parse-prometheus-text-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, tasks } from '@routine/runtime';
import { bucketLower, bucketOf, bucketUpper, HISTOGRAM_BUCKETS, initThreadStats, readTiming, summarize, TaskTimer, THREAD_STATS_BYTES } from '@routine/stats';
import { EVENTUALLY } from './support/until.js';

type Timing = typeof import('./fixtures/timing.mjs');
const timing = tasks<Timing>(new URL('./fixtures/timing.mjs', import.meta.url));

/** The exact q-quantile of `values`, by the same rank rule the histogram uses. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

/** Half a bucket: the most a percentile read from a bucket midpoint can be off by. */
const BUCKET_ERROR = 0.0625;

describe('histogram buckets', () => {
  it('put every value in a bucket no wider than 12.5% of its lower bound', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2 ** 32 - 1, noNaN: true }), (micros) => {
        const index = bucketOf(micros);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(HISTOGRAM_BUCKETS);
        expect(bucketLower(index)).toBeLessThanOrEqual(Math.floor(micros));
        expect(Math.floor(micros)).toBeLessThan(bucketUpper(index));
        if (index >= 16 && index < HISTOGRAM_BUCKETS - 1) expect(bucketUpper(index) - bucketLower(index)).toBeLessThanOrEqual(bucketLower(index) / 8);
      }),
    );
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(2 ** 40)).toBe(HISTOGRAM_BUCKETS - 1);
  });

  it('give percentiles of a known distribution within the bucket error, and exact count, min, max and sum', () => {
    const buffer = new SharedArrayBuffer(THREAD_STATS_BYTES);
    initThreadStats(buffer, 0);
    const timer = new TaskTimer(buffer, 0);
    // Log-normal run times around 1 ms, from a fixed seed.
    const values = fc.sample(fc.double({ min: -2, max: 2, noNaN: true }), { numRuns: 5000, seed: 42 }).map((z) => 1000 * Math.exp(z));
    let clock = 1_000;
    for (const micros of values) {
      timer.started(clock, clock - 0.01);
      timer.ended(clock + micros / 1000, clock);
      clock += micros / 1000 + 1;
    }
    const { run, wait, busyMs } = readTiming(buffer, 0, clock);
    const summary = summarize(run);
    expect(summary.count).toBe(values.length);
    expect(summary.min).toBeCloseTo(Math.min(...values), 6);
    expect(summary.max).toBeCloseTo(Math.max(...values), 6);
    expect(summary.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 3);
    for (const [q, key] of [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']] as const) {
      const exact = quantile(values, q);
      expect(Math.abs(summary[key] - exact) / exact).toBeLessThanOrEqual(BUCKET_ERROR);
    }
    expect(summarize(wait)).toMatchObject({ count: values.length, p50: expect.closeTo(10, 0) });
    expect(busyMs).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 1000, 3);
  });
});

describe('stats()', () => {
  it('reports run-time percentiles of real sleeps within the bucket error of what the tasks measured', async () => {
    const rt = createRuntime({ workers: 2 });
    // 60% sleep 2 ms, 30% 6 ms, 10% 20 ms.
    const plan = Array.from({ length: 100 }, (_, i) => (i % 10 < 6 ? 2 : i % 10 < 9 ? 6 : 20));
    const measured = (await Promise.all(plan.map((ms) => rt.go(timing.sleep, ms)))).map((ms) => ms * 1000);
    const stats = rt.stats();
    expect(stats.runTime.count).toBe(100);
    expect(stats.waitTime.count).toBe(100);
    // The histogram times the task's whole stay on the worker, around the sleep the task timed
    // itself: never less, and more only by the hand-off, or by a preemption on a loaded machine
    // (a few ms on a busy 2-core CI box; the bucket error itself is checked exactly above).
    for (const [q, key] of [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']] as const) {
      const exact = quantile(measured, q);
      expect(stats.runTime[key]).toBeGreaterThanOrEqual(exact * (1 - BUCKET_ERROR));
      expect(stats.runTime[key]).toBeLessThanOrEqual(exact * (1 + BUCKET_ERROR) + 5000);
    }
    expect(stats.runTime.p50).toBeGreaterThanOrEqual(2000 * (1 - BUCKET_ERROR));
    expect(stats.runTime.p99).toBeGreaterThanOrEqual(20000 * (1 - BUCKET_ERROR));
    expect(stats.runTime.min).toBeGreaterThanOrEqual(Math.min(...measured));
    expect(stats.runTime.max).toBeGreaterThanOrEqual(Math.max(...measured));
    // 100 tasks on two workers: the last to start waited for about half of all the sleeping.
    const total = measured.reduce((a, b) => a + b, 0);
    expect(stats.waitTime.max).toBeGreaterThan(total / 4);
    expect(stats.waitTime.p50).toBeLessThan(stats.waitTime.max);
    await rt.close();
  });

  it('reports per-worker tasks, busy time and utilization', async () => {
    const rt = createRuntime({ workers: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // idle first: utilization must show it
    await Promise.all([rt.go(timing.spin, 150), rt.go(timing.spin, 150)]);
    const { workers, uptimeMs } = rt.stats();
    expect(workers.map((w) => w.tasks).reduce((a, b) => a + b)).toBe(2);
    const busy = workers.reduce((sum, w) => sum + w.busyMs, 0);
    expect(busy).toBeGreaterThanOrEqual(295);
    expect(busy).toBeLessThan(2 * uptimeMs);
    for (const worker of workers) {
      expect(worker.utilization).toBeGreaterThan(0);
      expect(worker.utilization).toBeLessThan(0.8);
      expect(worker.utilization).toBeCloseTo(worker.busyMs / uptimeMs, 1);
    }
    await rt.close();
  });

  it('counts a long task as busy while it is still running', async () => {
    const rt = createRuntime({ workers: 1 });
    const task = rt.go(timing.spin, 400);
    await expect.poll(() => rt.dump().length, EVENTUALLY).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rt.stats().workers[0].busyMs).toBeGreaterThan(190);
    await task;
    await rt.close();
  });

  it('is refused, with the reason, on a runtime created with metrics: false, which still runs tasks', async () => {
    const rt = createRuntime({ workers: 1, metrics: false });
    expect(await rt.go((x: number) => x + 1, 1)).toBe(2);
    expect(() => rt.stats()).toThrow(InvalidArgumentError);
    expect(() => rt.stats()).toThrow(/metrics: false/);
    expect(() => rt.toPrometheus()).toThrow(/metrics: false/);
    await rt.close();
    expect(() => createRuntime({ metrics: 'yes' as never })).toThrow(/metrics must be true or false/);
  });
});

describe('toPrometheus()', () => {
  it('is read back by a Prometheus text parser with the values stats() gives', async () => {
    const rt = createRuntime({ workers: 2 });
    const work = [rt.go(timing.sleep, 2), rt.go(timing.sleep, 2), rt.go(() => 1)];
    await Promise.all(work);
    await rt.go(() => {
      throw new Error('counted');
    }).result();
    const stats = rt.stats();
    const families = parsePrometheus(rt.toPrometheus());
    const byName = new Map(families.map((family) => [family.name, family]));
    // The parser folds a histogram's samples into one object and drops their labels, so the
    // labels are checked on a counter, in a second export.
    const labelled = parsePrometheus(rt.toPrometheus({ prefix: 'images', labels: { pool: 'main "one"' } }));
    expect(labelled.find((family) => family.name === 'images_tasks_completed_total')?.metrics[0].labels).toEqual({ pool: 'main "one"' });
    const value = (name: string) => Number(byName.get(name)?.metrics[0].value);

    expect(byName.get('routine_tasks_completed_total')?.type).toBe('COUNTER');
    expect(value('routine_tasks_completed_total')).toBe(stats.completed);
    expect(value('routine_tasks_errors_total')).toBe(1);
    expect(value('routine_tasks_launched_total')).toBe(4);
    expect(byName.get('routine_tasks_active')?.type).toBe('GAUGE');
    expect(value('routine_workers')).toBe(2);

    const perWorker = byName.get('routine_worker_tasks_total')!.metrics;
    expect(perWorker.map((m) => m.labels?.worker).sort()).toEqual(['0', '1']);
    expect(perWorker.reduce((sum, m) => sum + Number(m.value), 0)).toBe(4);

    for (const name of ['routine_task_run_seconds', 'routine_task_wait_seconds']) {
      const family = byName.get(name)!;
      expect(family.type).toBe('HISTOGRAM');
      const { buckets, count, sum } = family.metrics[0];
      const bounds = Object.keys(buckets!);
      expect(bounds.at(-1)).toBe('+Inf');
      const cumulative = bounds.map((bound) => Number(buckets![bound]));
      for (let i = 1; i < cumulative.length; i++) expect(cumulative[i]).toBeGreaterThanOrEqual(cumulative[i - 1]);
      expect(cumulative.at(-1)).toBe(4);
      expect(Number(count)).toBe(4);
      expect(Number(sum)).toBeGreaterThan(0);
    }
    // The two 2 ms sleeps are above the 1.024 ms bound (the bound 4.096 ms or, on a loaded
    // machine that preempted the worker, 16.384 ms is above them).
    const run = byName.get('routine_task_run_seconds')!.metrics[0].buckets!;
    expect(Number(run['0.016384'])).toBe(4);
    expect(Number(run['0.001024'])).toBeLessThanOrEqual(2);
    expect(Number(byName.get('routine_task_run_seconds')!.metrics[0].sum)).toBeCloseTo(stats.runTime.sum / 1e6, 6);
    await rt.close();
  });

  it('rejects a prefix or label name Prometheus would not accept', async () => {
    const rt = createRuntime({ workers: 1 });
    expect(() => rt.toPrometheus({ prefix: '9lives' })).toThrow(/prefix/);
    expect(() => rt.toPrometheus({ labels: { 'bad-name': 'x' } })).toThrow(/label name/);
    await rt.close();
  });
});
