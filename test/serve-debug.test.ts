import { request } from 'node:http';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, createRuntime, InvalidArgumentError, serveDebug, tasks, type DebugServer, type Pool, type Runtime } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';
import { capturingLogger } from './support/capturing-logger.js';

const silent = () => capturingLogger().logger;

type Target = typeof import('./fixtures/profile-target.mjs');
const target = tasks<Target>(new URL('./fixtures/profile-target.mjs', import.meta.url));

interface Reply {
  status: number;
  type: string;
  body: string;
}

function get(base: string, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDebug over real HTTP', () => {
  let rt: Runtime;
  let pool: Pool;
  let server: DebugServer;

  beforeAll(async () => {
    rt = createRuntime({ workers: 2, name: 'debugged' });
    pool = createPool({ name: 'debug-pool', workers: 1, queue: 3 });
    server = await serveDebug({ port: 0, runtime: rt });
  });

  afterAll(async () => {
    await server?.close();
    await pool?.terminate();
    await rt?.terminate();
  });

  it('listens on loopback and answers /healthz', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reply = await get(server.url, '/healthz');
    expect(reply).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('/metrics has every runtime and pool, labelled, in one valid exposition', async () => {
    await Promise.all([rt.go((a: number) => a + 1, 1), rt.go((a: number) => a + 1, 2), rt.go((a: number) => a + 1, 3)]);
    await Promise.all([pool.submit((a: number) => a * 2, 1), pool.submit((a: number) => a * 2, 2)]);
    const reply = await get(server.url, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.type).toContain('text/plain; version=0.0.4');
    const families = parsePrometheus(reply.body);
    const names = families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length); // one HELP/TYPE per family, whatever the runtimes
    const completed = families.find((f) => f.name === 'routine_tasks_completed_total')!;
    expect(completed.type).toBe('COUNTER');
    const of = (labels: Record<string, string>) => completed.metrics.find((m) => JSON.stringify(m.labels) === JSON.stringify(labels));
    expect(Number(of({ runtime: 'debugged' })?.value)).toBe(rt.stats().completed);
    expect(rt.stats().completed).toBe(3);
    expect(Number(of({ pool: 'debug-pool' })?.value)).toBe(2);
    const capacity = families.find((f) => f.name === 'routine_pool_capacity')!;
    expect(capacity.metrics).toEqual([{ labels: { pool: 'debug-pool' }, value: '4' }]);
    const workers = families.find((f) => f.name === 'routine_workers')!;
    expect(workers.metrics).toContainEqual({ labels: { runtime: 'debugged' }, value: '2' });
    expect(workers.metrics).toContainEqual({ labels: { pool: 'debug-pool' }, value: '1' });
    const run = families.find((f) => f.name === 'routine_task_run_seconds')!;
    expect(run.type).toBe('HISTOGRAM');
    // The parser folds a histogram's samples into one and drops their labels: read the counts from the text.
    expect(reply.body).toMatch(/^routine_task_run_seconds_count\{runtime="debugged"\} 3$/m);
    expect(reply.body).toMatch(/^routine_task_run_seconds_count\{pool="debug-pool"\} 2$/m);
    expect(reply.body.match(/^# TYPE routine_task_run_seconds histogram$/gm)).toHaveLength(1);
  });

  it('/debug/routines lists a task stuck in a synchronous loop, as JSON and as Go-style text', async () => {
    const stuckRt = createRuntime({ workers: 1, name: 'stuck' });
    try {
      const stuck = stuckRt.goWith({ name: 'spin-forever' })(() => {
        for (;;);
      });
      let dump: { running: number; runtimes: { name: string; running: { gid: number; name?: string; worker: number; function: string; runningForMs: number }[] }[] } | undefined;
      await expect
        .poll(async () => {
          const reply = await get(server.url, '/debug/routines');
          expect(reply.type).toBe('application/json');
          dump = JSON.parse(reply.body);
          return dump!.runtimes.find((r) => r.name === 'stuck')?.running.length;
        }, EVENTUALLY)
        .toBe(1);
      const task = dump!.runtimes.find((r) => r.name === 'stuck')!.running[0];
      expect(task).toMatchObject({ gid: stuck.gid, name: 'spin-forever', worker: 0 });
      expect(task.function).toMatch(/^\(\(\) => \{ for \(; ?; ?\) ?; \}\)$/);
      expect(dump!.runtimes.map((r) => r.name)).toEqual(expect.arrayContaining(['debugged', 'debug-pool', 'stuck']));
      const text = await get(server.url, '/debug/routines?format=text');
      expect(text.type).toContain('text/plain');
      expect(text.body).toMatch(new RegExp(`^goroutine ${stuck.gid} \\[running, [\\d.]+ m?s\\] "spin-forever":$`, 'm'));
      expect(text.body).toContain('runtime "stuck": 1 worker(s), 1 running');
      expect(text.body).toMatch(/^\tworker 0, created by goroutine 0, trace [0-9a-f]{32}$/m);
    } finally {
      await stuckRt.terminate();
    }
    // Gone from the listing once its runtime is.
    const after = JSON.parse((await get(server.url, '/debug/routines')).body);
    expect(after.runtimes.map((r: { name: string }) => r.name)).not.toContain('stuck');
  });

  it('/debug/profile returns a .cpuprofile of a busy worker with the profiled function in it', async () => {
    const busy = createRuntime({ workers: 1, name: 'profiled' });
    try {
      await busy.go(() => 0); // booted
      let answered = false;
      const profiling = get(server.url, '/debug/profile?runtime=profiled&worker=0&seconds=1.5').finally(() => (answered = true));
      // Functions V8 optimized before the profile began may show under their callers: the work
      // starts once the profiler is (most likely) on and goes on until the profile is back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      while (!answered) await busy.go(target.burnCpuForProfile, 60);
      const reply = await profiling;
      expect(reply.status, reply.body).toBe(200);
      const profile = JSON.parse(reply.body) as {
        nodes: { id: number; children?: number[]; callFrame: { functionName: string; url: string } }[];
        samples: number[];
        startTime: number;
        endTime: number;
      };
      expect(profile.endTime - profile.startTime).toBeGreaterThanOrEqual(1_400_000); // microseconds
      const burner = profile.nodes.find((node) => node.callFrame.functionName === 'burnCpuForProfile');
      expect(burner?.callFrame.url).toContain('profile-target.mjs');
      // And samples fall in it or what it calls (V8 files some under the caller it was inlined into).
      const below = new Set<number>();
      const visit = (id: number): void => {
        below.add(id);
        for (const child of profile.nodes.find((node) => node.id === id)?.children ?? []) visit(child);
      };
      visit(burner!.id);
      expect(profile.samples.filter((id) => below.has(id)).length).toBeGreaterThan(0);
    } finally {
      await busy.terminate();
    }
  });

  it('/debug/profile answers while the worker is stuck in a synchronous loop', async () => {
    const stuckRt = createRuntime({ workers: 1, name: 'stuck-profiled' });
    try {
      stuckRt.go(() => {
        for (;;);
      });
      await expect.poll(() => stuckRt.dump().length, EVENTUALLY).toBe(1);
      const reply = await get(server.url, '/debug/profile?runtime=stuck-profiled&worker=0&seconds=0.5');
      expect(reply.status, reply.body).toBe(200);
      const profile = JSON.parse(reply.body) as { samples: number[] };
      expect(profile.samples.length).toBeGreaterThan(0);
    } finally {
      await stuckRt.terminate();
    }
  });

  it('/debug/profile names what is wrong with a bad request', async () => {
    expect(await get(server.url, '/debug/profile?seconds=1')).toMatchObject({ status: 400, body: expect.stringContaining('worker is required') });
    expect(await get(server.url, '/debug/profile?worker=7&seconds=1')).toMatchObject({ status: 400, body: expect.stringContaining('worker must be from 0 to 1') });
    expect(await get(server.url, '/debug/profile?worker=0&seconds=-1')).toMatchObject({ status: 400, body: expect.stringContaining('seconds must be') });
    expect(await get(server.url, '/debug/profile?worker=0&runtime=nope')).toMatchObject({ status: 404, body: expect.stringContaining('debug-pool') });
    expect(await get(server.url, '/nowhere')).toMatchObject({ status: 404, body: expect.stringContaining('/debug/routines') });
    expect((await get(server.url, '/metrics', 'POST')).status).toBe(405);
  });

  it('/healthz answers 503 naming a runtime whose workers cannot start', async () => {
    const broken = createRuntime({ workers: 1, name: 'cannot-start', workerSetup: new URL('./fixtures/setup-throws.mjs', import.meta.url), logger: silent() });
    try {
      await expect.poll(() => broken.startError, EVENTUALLY).toBeDefined();
      const reply = await get(server.url, '/healthz');
      expect(reply.status).toBe(503);
      expect(reply.body).toMatch(/^cannot-start: worker 0 could not start/);
    } finally {
      await broken.terminate();
    }
    expect((await get(server.url, '/healthz')).status).toBe(200);
  });

  it('/debug/routines shows what a paused runtime holds', async () => {
    const paused = createRuntime({ workers: 1, name: 'paused' });
    try {
      paused.pause();
      const held = [paused.go(() => 1), paused.go(() => 2)];
      const dump = JSON.parse((await get(server.url, '/debug/routines')).body);
      expect(dump.runtimes.find((r: { name: string }) => r.name === 'paused')).toMatchObject({ held: 2, paused: true, running: [] });
      expect((await get(server.url, '/debug/routines?format=text')).body).toContain('runtime "paused": 1 worker(s), 0 running, 0 queued, 2 held (paused)');
      paused.resume();
      expect(await Promise.all(held)).toEqual([1, 2]);
    } finally {
      await paused.close();
    }
  });

  it('refuses bad options with a clear error', async () => {
    await expect(serveDebug({ port: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(serveDebug({ port: 1.5 })).rejects.toThrow(/port.*0 to 65535/);
    await expect(serveDebug({ runtime: {} as Runtime })).rejects.toThrow(/Runtime from createRuntime/);
  });
});
