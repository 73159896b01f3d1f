/**
 * The cluster runtime against a real redis-server and real `routine worker` processes on
 * loopback: results, errors, timeouts, cancels, traces, gids, the Go-style helpers and stats.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CancelledError, SerializationError, TaskCaptureError, TimeoutError, tasks, withTrace } from '@routine/runtime';
import { ClusterConnectError, type ClusterRuntime, createClusterRuntime } from '@routine/cluster';
import { RedisServer } from './support/redis.js';
import { startWorkers, type WorkerProcess } from './support/cluster-worker.js';
import { EVENTUALLY } from './support/until.js';

type Tasks = typeof import('./fixtures/cluster-tasks.mjs');
const t = tasks<Tasks>(new URL('./fixtures/cluster-tasks.mjs', import.meta.url));
const QUEUE = 'cluster-test';

let redis: RedisServer;
let workers: WorkerProcess[];
let cluster: ClusterRuntime;
const scratch = mkdtempSync(join(tmpdir(), 'routine-cluster-'));
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

beforeAll(async () => {
  redis = await new RedisServer().start();
  workers = await startWorkers(2, redis.url, QUEUE);
  cluster = await createClusterRuntime({ connection: redis.url, queue: QUEUE });
}, 40_000);

afterAll(async () => {
  await cluster?.close({ graceMs: 2000 });
  await Promise.all((workers ?? []).map((worker) => worker.stop()));
  await redis?.destroy();
}, 30_000);

describe('a cluster of two worker processes', () => {
  test('settles each of many tasks once, with its own result, inline and module tasks alike', async () => {
    const count = 300;
    const settled = new Map<number, number>();
    const handles = Array.from({ length: count }, (_, i) => (i % 2 ? cluster.go(t.square, i) : cluster.go((x: number) => x * x, i)));
    for (const [i, handle] of handles.entries()) handle.result().then(() => settled.set(i, (settled.get(i) ?? 0) + 1));
    const values = await Promise.all(handles);
    expect(values).toEqual(Array.from({ length: count }, (_, i) => i * i));
    await new Promise((resolve) => setImmediate(resolve));
    expect([...settled.values()].every((times) => times === 1)).toBe(true);
    expect(settled.size).toBe(count);
    expect(new Set(handles.map((h) => h.gid)).size).toBe(count);
  });

  test('a task named by package specifier is resolved on the worker machine', async () => {
    expect(await cluster.go(tasks<typeof import('node:path')>('path').basename, '/srv/data/input.jsonl')).toBe('input.jsonl');
  });

  test('spreads work over both processes', async () => {
    const seen = await Promise.all(Array.from({ length: 16 }, (_, i) => cluster.go(t.work, i, 50, '').then(() => cluster.go(t.whoAmI))));
    const pids = new Set(seen.map((who) => who.pid));
    expect([...pids].every((pid) => workers.some((w) => w.child.pid === pid))).toBe(true);
    const stats = await cluster.stats();
    expect(stats.nodes.length).toBe(2);
  });

  test('a CPU-bound task longer than the job lock runs once: its job never looks stalled', async () => {
    const file = join(scratch, 'long');
    // The workers' jobs lock for 1.5 s: an event loop blocked by the task would lose it and the
    // job would run again elsewhere.
    expect(await cluster.go(t.work, 1, 2500, file)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines(file)).toEqual(['1']);
  });

  test("a task's progress reaches its caller's handle through the job, every value before the outcome", async () => {
    const task = cluster.go(t.steps, 6);
    const seen: unknown[] = [];
    for await (const value of task.progress()) seen.push(value);
    expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => ({ done: i + 1, of: 6 })));
    expect(await task).toBe(6);
    // Reported synchronously just before it returns: the last values come after its local result.
    for (let run = 0; run < 3; run++) {
      const quick = cluster.go(t.syncSteps, 40);
      const values: unknown[] = [];
      for await (const value of quick.progress()) values.push(value);
      expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    }
  });

  test('an error arrives with its class name, message, stack, fields and gid', async () => {
    const task = cluster.go(t.reject, 'no @ in the address');
    const { ok, error } = (await task.result()) as { ok: false; error: Error & { gid: number; field: string } };
    expect(ok).toBe(false);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('no @ in the address');
    expect(error.stack).toContain('cluster-tasks.mjs');
    expect(error.field).toBe('email');
    expect(error.gid).toBe(task.gid);
  });

  test('a timeout stops the runaway task on its worker and arrives as TimeoutError', async () => {
    const runaways = [cluster.timeout(400, t.spinForever), cluster.timeout(400, t.spinForever)];
    for (const runaway of runaways) await expect(runaway).rejects.toBeInstanceOf(TimeoutError);
    // Each process has one thread: it answers again only if the runaway was really stopped.
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => cluster.go(t.square, i)));
    expect(after).toEqual([0, 1, 4, 9, 16, 25, 36, 49]);
    await expect.poll(async () => (await cluster.stats()).totals.timeouts, EVENTUALLY).toBeGreaterThanOrEqual(1);
  });

  test('cancel reaches the process that runs the task', async () => {
    const file = join(scratch, 'cancel');
    const task = cluster.go(t.waitForCancel, file);
    await expect.poll(() => lines(file), EVENTUALLY).toEqual(['started']);
    task.cancel('enough');
    await expect(task).rejects.toBeInstanceOf(CancelledError);
    await expect.poll(() => lines(file), EVENTUALLY).toEqual(['started', 'aborted']);
  });

  test('a signal cancels through go.with, and an aborted one never queues', async () => {
    const aborted = AbortSignal.abort('no');
    await expect(cluster.goWith({ signal: aborted })(t.square, 2)).rejects.toBeInstanceOf(CancelledError);
    const named = await cluster.goWith({ name: 'labelled' })(t.whoAmI);
    expect(named.name).toBe('labelled');
  });

  test('parent gid and trace id travel in the job, so nested tasks on the worker stay in the trace', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const task = withTrace(`00-${traceId}-b7ad6b7169203331-01`, () => cluster.go(t.nested));
    const { outer, inner } = await task;
    expect(outer.gid).toBe(task.gid);
    expect(outer.traceId).toBe(traceId);
    expect(inner.traceId).toBe(traceId);
    expect(inner.parentGid).toBe(outer.gid);
    const root = cluster.go(t.nested);
    const untraced = await root;
    expect(untraced.inner.traceId).toBe(untraced.outer.traceId);
    expect(untraced.outer.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  test('gids are unique across the caller and every worker process', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => cluster.go(t.nested)));
    const gids = results.flatMap(({ outer, inner }) => [outer.gid, inner.gid]);
    expect(new Set(gids).size).toBe(gids.length);
    const other = await createClusterRuntime({ connection: redis.url, queue: QUEUE });
    try {
      expect(other.node).not.toBe(cluster.node);
      const mine = new Set(Array.from({ length: 100 }, () => cluster.reserveGid()));
      expect(Array.from({ length: 100 }, () => other.reserveGid()).some((gid) => mine.has(gid) || gids.includes(gid))).toBe(false);
    } finally {
      await other.close();
    }
  });

  test('group, pipeline and goWithRetry run on the cluster', async () => {
    const group = cluster.group({ limit: 2 });
    const members = Array.from({ length: 6 }, (_, i) => group.go(t.square, i));
    await group.wait();
    expect(await Promise.all(members)).toEqual([0, 1, 4, 9, 16, 25]);

    const failing = cluster.group({ failFast: true });
    failing.go(t.reject, 'first');
    failing.go(t.waitForCancel, join(scratch, 'group-cancel'));
    await expect(failing.wait()).rejects.toThrow('first');

    const out = await cluster.pipeline<number>().stage('add one', (x: number) => x + 1).stage('square', t.square).process([1, 2, 3]);
    expect(out).toEqual([4, 9, 16]);

    // Fails its first two calls on each worker thread: at most four failures across two processes.
    expect(await cluster.goWithRetry(t.flaky, { retries: 5, delayMs: 10 }, 2)).toBeGreaterThan(2);
  });

  test('BullMQ attempts retry a failed task on the cluster, with backoff', async () => {
    const retrying = await createClusterRuntime({ connection: redis.url, queue: QUEUE, attempts: 6, backoff: { type: 'fixed', delayMs: 20 } });
    try {
      // Fails its first two calls on each worker thread: at most four failures across two processes.
      expect(await retrying.go(t.flaky, 2)).toBeGreaterThan(2);
      await expect(retrying.timeout(200, t.spinForever)).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      await retrying.close();
    }
  });

  test('an idempotency key runs the task once for every caller that uses it', async () => {
    const file = join(scratch, 'keyed');
    const once = cluster.goWith({ key: 'charge-order-17' });
    const [a, b] = await Promise.all([once(t.work, 17, 100, file), once(t.work, 17, 100, file)]);
    expect([a, b]).toEqual([17, 17]);
    expect(await once(t.work, 17, 100, file)).toBe(17);
    expect(lines(file)).toEqual(['17']);
  });

  test('stats add up the queue and every worker; toPrometheus writes them', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => cluster.go(t.square, i)));
    await expect.poll(async () => (await cluster.stats()).totals.completed, EVENTUALLY).toBeGreaterThanOrEqual(300);
    const stats = await cluster.stats();
    expect(stats.totals.threads).toBe(2);
    expect(stats.queue.completed).toBeGreaterThan(0);
    expect(stats.caller.pending).toBe(0);
    expect(stats.totals.completed).toBe(stats.nodes.reduce((sum, node) => sum + node.stats.completed, 0));
    const text = await cluster.toPrometheus();
    expect(text).toMatch(/^routine_cluster_nodes 2$/m);
    expect(text).toMatch(/^routine_cluster_jobs\{state="completed"\} \d+$/m);
  });
});

describe('bad input gets an error that names it', () => {
  test('an argument over the size limit is refused at go(), naming the task and the limit', async () => {
    const small = await createClusterRuntime({ connection: redis.url, queue: QUEUE, maxPayloadBytes: 1000 });
    try {
      expect(() => small.go(t.square, 'x'.repeat(2000) as never)).toThrow(SerializationError);
      expect(() => small.go(t.square, 'x'.repeat(2000) as never)).toThrow(/arguments of task .*cluster-tasks\.mjs export square .*over the cluster's limit of 1000 \(maxPayloadBytes\)/);
    } finally {
      await small.close();
    }
  });

  test('a result over the workers\' limit fails its task with SerializationError', async () => {
    const error = ((await cluster.go(t.bigResult, 2 << 20).result()) as { error: Error }).error;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/result of task .*bigResult.*maxPayloadBytes/);
  });

  test('a module the worker cannot import fails with an error naming it', async () => {
    const missing = tasks<{ run(): void }>(new URL('./fixtures/no-such-module.mjs', import.meta.url));
    const error = ((await cluster.go(missing.run).result()) as { error: Error }).error;
    expect(error.message).toContain('no-such-module.mjs');
  });

  test('an inline task that captures a variable is refused at go(), as locally', () => {
    const outside = 3;
    expect(() => cluster.go(() => outside)).toThrow(TaskCaptureError);
  });

  test('a Redis that cannot be reached fails creation within connectTimeoutMs, naming it', async () => {
    const gone = createClusterRuntime({ connection: 'redis://127.0.0.1:1', queue: QUEUE, connectTimeoutMs: 500 });
    await expect(gone).rejects.toBeInstanceOf(ClusterConnectError);
    await expect(gone).rejects.toThrow('redis://127.0.0.1:1');
  });

  test('bad options say what is wrong', async () => {
    await expect(createClusterRuntime({ connection: 'localhost:6379', queue: QUEUE })).rejects.toThrow(/redis:\/\/ .*URL/);
    await expect(createClusterRuntime({ connection: redis.url, queue: 'has space' })).rejects.toThrow(/queue/);
    await expect(createClusterRuntime({ connection: redis.url, queue: QUEUE, retries: 3 } as never)).rejects.toThrow(/no option "retries"/);
  });
});
