/**
 * The cluster under faults, with real processes and a real redis-server: a worker process killed
 * with SIGKILL mid-batch, one stopped with SIGTERM, and Redis itself restarted mid-run. In every
 * case each task settles exactly once at the caller, and nothing waits forever.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { type Result, tasks } from '@routine/runtime';
import { ClusterUnavailableError, createClusterRuntime, JobLostError } from '@routine/cluster';
import { RedisServer } from './support/redis.js';
import { startWorkers, WorkerProcess } from './support/cluster-worker.js';
import { EVENTUALLY } from './support/until.js';

type Tasks = typeof import('./fixtures/cluster-tasks.mjs');
const t = tasks<Tasks>(new URL('./fixtures/cluster-tasks.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'routine-cluster-faults-'));
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 30_000);

async function setUp(persist: boolean, workerCount: number, queue: string, extra?: string[]) {
  const redis = await new RedisServer(persist).start();
  cleanups.push(() => redis.destroy());
  const workers = await startWorkers(workerCount, redis.url, queue, extra);
  cleanups.push(async () => void (await Promise.all(workers.map((w) => w.stop('SIGKILL')))));
  const cluster = await createClusterRuntime({ connection: redis.url, queue, unavailableMs: 3000 });
  cleanups.push(() => cluster.close({ graceMs: 1000 }));
  return { redis, workers, cluster };
}

/** Awaits every task's outcome, counting how many times each settled. */
async function outcomes<R>(handles: { result(): Promise<Result<R>> }[]): Promise<{ results: Result<R>[]; times: number[] }> {
  const times = handles.map(() => 0);
  const results = await Promise.all(handles.map((h, i) => h.result().then((r) => (times[i]++, r))));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { results, times };
}

test('kill -9 of a worker process mid-batch: every task still completes, each settled once', async () => {
  const { workers, cluster } = await setUp(false, 3, 'kill9');
  const file = join(scratch, 'kill9');
  const count = 30;
  const handles = Array.from({ length: count }, (_, i) => cluster.go(t.work, i, 150, file));
  await expect.poll(() => lines(file).length, EVENTUALLY).toBeGreaterThanOrEqual(3);
  workers[0].child.kill('SIGKILL');
  const { results, times } = await outcomes(handles);
  expect(results).toEqual(Array.from({ length: count }, (_, i) => ({ ok: true, value: i })));
  expect(times.every((n) => n === 1)).toBe(true);
  // At least once: every task ran; those the dead process held may have run twice.
  const ran = lines(file).map(Number);
  expect(new Set(ran).size).toBe(count);
  expect((await workers[0].exited).signal).toBe('SIGKILL');
}, 60_000);

test('SIGTERM drains: the worker finishes the jobs it holds, takes no more, and exits 0', async () => {
  const { workers, cluster } = await setUp(false, 1, 'drain', ['--grace', '20000']);
  const file = join(scratch, 'drain');
  const handles = Array.from({ length: 6 }, (_, i) => cluster.go(t.work, i, 400, file));
  await expect.poll(() => lines(file).length, EVENTUALLY).toBeGreaterThanOrEqual(1);
  workers[0].child.kill('SIGTERM');
  const { code } = await workers[0].exited;
  expect(code).toBe(0);
  expect(workers[0].stderr).toContain('stopped: every held job finished');
  const finishedBeforeExit = lines(file).length;
  expect(finishedBeforeExit).toBeGreaterThanOrEqual(1);
  expect(finishedBeforeExit).toBeLessThan(6);
  // The rest waited in the queue, untouched, for the next worker.
  const next = await new WorkerProcess(workers[0].url, 'drain').ready();
  cleanups.push(() => next.stop('SIGKILL'));
  const { results, times } = await outcomes(handles);
  expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
  expect(times.every((n) => n === 1)).toBe(true);
  expect(lines(file).map(Number).sort()).toEqual([0, 1, 2, 3, 4, 5]);
}, 60_000);

test('SIGTERM past the grace period leaves the held jobs to run again elsewhere', async () => {
  const { workers, cluster } = await setUp(false, 1, 'cut', ['--grace', '100']);
  const [slow] = workers;
  const file = join(scratch, 'cut');
  const handles = Array.from({ length: 4 }, (_, i) => cluster.go(t.work, i, 1500, file));
  await expect.poll(async () => (await cluster.stats()).nodes[0]?.jobs.active, EVENTUALLY).toBe(2);
  slow.child.kill('SIGTERM');
  expect((await slow.exited).code).toBe(0);
  expect(slow.stderr).toContain('the grace period ended');
  const next = await new WorkerProcess(slow.url, 'cut').ready();
  cleanups.push(() => next.stop('SIGKILL'));
  const { results, times } = await outcomes(handles);
  expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
  expect(times.every((n) => n === 1)).toBe(true);
  expect(new Set(lines(file).map(Number)).size).toBe(4);
}, 60_000);

test('Redis restarting mid-run with its data: every task completes or fails clearly, none hangs', async () => {
  const { redis, cluster } = await setUp(true, 2, 'restart-kept');
  const handles = Array.from({ length: 40 }, (_, i) => cluster.go(t.work, i, 50, ''));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await redis.start();
  const { results, times } = await outcomes(handles);
  expect(times.every((n) => n === 1)).toBe(true);
  for (const [i, result] of results.entries()) {
    if (result.ok) expect(result.value).toBe(i);
    else expect(result.error).toSatisfy((error) => error instanceof ClusterUnavailableError || error instanceof JobLostError);
  }
  // Redis kept the jobs, so the cluster recovers: tasks after the restart run as before.
  expect(await cluster.go(t.square, 12)).toBe(144);
}, 60_000);

test('Redis restarting without its data fails every lost task with JobLostError', async () => {
  const { redis, cluster } = await setUp(false, 1, 'restart-lost', ['--concurrency', '1']);
  const handles = Array.from({ length: 20 }, (_, i) => cluster.go(t.work, i, 200, ''));
  await expect.poll(async () => (await cluster.stats()).caller.pending, EVENTUALLY).toBeLessThan(20);
  await redis.stop();
  await redis.start();
  const { results, times } = await outcomes(handles);
  expect(times.every((n) => n === 1)).toBe(true);
  const lost = results.filter((r) => !r.ok);
  expect(lost.length).toBeGreaterThan(0);
  for (const { error } of lost as { error: Error }[]) {
    expect(error).toBeInstanceOf(JobLostError);
    expect(error.message).toMatch(/gone from Redis .*restarted without persistence/);
  }
  expect(await cluster.go(t.square, 5)).toBe(25);
}, 60_000);

test('Redis gone for good fails every pending task after unavailableMs', async () => {
  const { redis, cluster } = await setUp(false, 1, 'gone');
  const handles = Array.from({ length: 5 }, (_, i) => cluster.go(t.work, i, 2000, ''));
  await expect.poll(async () => (await cluster.stats()).nodes.length, EVENTUALLY).toBe(1);
  await redis.stop();
  const { results, times } = await outcomes(handles);
  expect(times.every((n) => n === 1)).toBe(true);
  for (const result of results) {
    expect(result.ok).toBe(false);
    expect((result as { error: Error }).error).toBeInstanceOf(ClusterUnavailableError);
    expect((result as { error: Error }).error.message).toMatch(/unreachable for over 3000 ms/);
  }
}, 60_000);
