import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRuntime, defaultRuntime, RuntimeClosedError, tasks, type Task } from '@routine/runtime';
import { until } from './support/until.js';

const run = promisify(execFile);
type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));

describe('lifecycle', () => {
  it('a script that awaits its tasks exits by itself, without closing anything', async () => {
    const started = Date.now();
    const { stdout } = await run(process.execPath, [new URL('./fixtures/exits-by-itself.mjs', import.meta.url).pathname], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ sum: 42, nested: 42, failed: true });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('close() waits for every accepted task, then stops the workers', async () => {
    const runtime = createRuntime({ workers: 2 });
    const done: number[] = [];
    const all: Task<number>[] = [];
    for (let i = 0; i < 200; i++) {
      const task = runtime.go(async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, n % 5));
        return n;
      }, i);
      void task.then((n) => done.push(n));
      all.push(task);
    }
    await runtime.close();
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(() => runtime.go(() => 1)).toThrow(RuntimeClosedError);
  });

  it('terminate() rejects what is pending with RuntimeClosedError and stops at once', async () => {
    const runtime = createRuntime({ workers: 1 });
    const endless = runtime.go(() => {
      for (;;);
    });
    const queued = runtime.go(() => 1);
    const started = Date.now();
    await runtime.terminate();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(endless).rejects.toBeInstanceOf(RuntimeClosedError);
    await expect(queued).rejects.toThrow(/terminated before this task finished/);
  });

  it('close({ graceMs }) cuts off a task that never ends: it rejects with RuntimeClosedError and close resolves', async () => {
    const runtime = createRuntime({ workers: 1 });
    const started = new Int32Array(new SharedArrayBuffer(4));
    const endless = runtime.go((flag: Int32Array) => {
      Atomics.store(flag, 0, 1);
      for (;;);
    }, started);
    const queued = runtime.go(() => 'never runs: its only worker is busy');
    await until(() => Atomics.load(started, 0) === 1, 20_000, 'the endless task to start');
    const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('close({ graceMs }) did not resolve')), 20_000).unref());
    await Promise.race([runtime.close({ graceMs: 50 }), bound]);
    await expect(endless).rejects.toThrow(RuntimeClosedError);
    await expect(endless).rejects.toThrow(/closed with graceMs: 50/);
    await expect(queued).rejects.toThrow(RuntimeClosedError);
    expect(() => runtime.go(() => 1)).toThrow(RuntimeClosedError);
  });

  it('close({ graceMs }) still waits for tasks that finish in time, and checks graceMs', async () => {
    const runtime = createRuntime({ workers: 1 });
    expect(() => runtime.close({ graceMs: -1 })).toThrow(/graceMs.*got -1/);
    const task = runtime.go(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'finished';
    });
    await runtime.close({ graceMs: 60_000 });
    await expect(task).resolves.toBe('finished');
  });

  it('close() lets the nested tasks a task started and did not wait for finish, and graceMs bounds them too', async () => {
    const runtime = createRuntime({ workers: 2 });
    const done = new Int32Array(new SharedArrayBuffer(4));
    expect(await runtime.go(nested.fireAndForget, done, 20, 30)).toBe(20);
    const closing = Date.now();
    await runtime.close();
    expect(Atomics.load(done, 0)).toBe(20);
    expect(Date.now() - closing).toBeLessThan(20_000);
    // Closed while the other workers' 'ready' messages still wait on this thread (it is busy),
    // though those workers already took some of the nested tasks: none is ended as if booting.
    const busy = createRuntime({ workers: 4 });
    const taken = new Int32Array(new SharedArrayBuffer(4));
    expect(await busy.go(nested.fireAndForget, taken, 40, 30)).toBe(40);
    for (const until = Date.now() + 1500; Date.now() < until; );
    const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('close() did not resolve')), 20_000).unref());
    await Promise.race([busy.close(), bound]);
    expect(Atomics.load(taken, 0)).toBe(40);
    // One that would run far longer than the grace is cut off with the rest.
    const bounded = createRuntime({ workers: 2 });
    const late = new Int32Array(new SharedArrayBuffer(4));
    await bounded.go(nested.fireAndForget, late, 2, 60_000);
    const cutting = Date.now();
    await bounded.close({ graceMs: 100 });
    expect(Date.now() - cutting).toBeLessThan(20_000);
    expect(Atomics.load(late, 0)).toBe(0);
  });

  it('close() is not held up by a timer a task left running on its worker', async () => {
    const runtime = createRuntime({ workers: 1 });
    expect(await runtime.go(nested.leaveInterval)).toBe('left');
    const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('close() did not resolve')), 20_000).unref());
    await Promise.race([runtime.close(), bound]);
  });

  it('await using closes the runtime at the end of the scope', async () => {
    let escaped: ReturnType<typeof createRuntime> | undefined;
    {
      await using runtime = createRuntime({ workers: 1 });
      escaped = runtime;
      expect(await runtime.go(() => 'inside')).toBe('inside');
    }
    expect(() => escaped!.go(() => 1)).toThrow(RuntimeClosedError);
  });

  it('workerSetup runs once in every worker before its first task', async () => {
    const runtime = createRuntime({ workers: 2, workerSetup: new URL('./fixtures/setup.mjs', import.meta.url) });
    const reporter = tasks<typeof import('./fixtures/thread-report.mjs')>(new URL('./fixtures/thread-report.mjs', import.meta.url));
    const seen = await Promise.all(Array.from({ length: 20 }, () => runtime.go(reporter.report)));
    // Setup ran in the very thread that ran the task, before it...
    for (const { ranOn, setupOn } of seen) expect(setupOn).toBe(ranOn);
    // ...and once per thread: every task on one thread saw the same setup run.
    const runsPerThread = new Map<number, Set<number | undefined>>();
    for (const { ranOn, setupAt } of seen) runsPerThread.set(ranOn, (runsPerThread.get(ranOn) ?? new Set()).add(setupAt));
    for (const runs of runsPerThread.values()) expect(runs.size).toBe(1);
    await runtime.close();
  });

  it('defaultRuntime() is created once, lazily, and replaced after it is closed', async () => {
    const first = defaultRuntime();
    expect(defaultRuntime()).toBe(first);
    expect(await first.go(() => 7)).toBe(7);
    await first.close();
    const second = defaultRuntime();
    expect(second).not.toBe(first);
    expect(await second.go(() => 8)).toBe(8);
    await second.close();
  });
});
