import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, createRuntime, defaultRuntime, go, tasks, TimeoutError } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));
type SlowAbortable = typeof import('./fixtures/slow-to-load-abortable.mjs');
const slowAbortable = tasks<SlowAbortable>(new URL('./fixtures/slow-to-load-abortable.mjs', import.meta.url));

describe('cancel()', () => {
  it('a task still queued never runs and rejects with CancelledError carrying the reason', async () => {
    const rt = createRuntime({ workers: 1 });
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const blocker = rt.go((g: Int32Array) => {
      Atomics.wait(g, 0, 0);
    }, gate);
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(1);
    const queued = rt.go((g: Int32Array) => Atomics.add(g, 1, 1), gate); // in the ring
    queued.cancel('not needed');
    const error = await queued.then(() => undefined, (e: CancelledError) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error!.cause).toBe('not needed');
    expect(error!.gid).toBe(queued.gid);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await blocker;
    await rt.go(() => 0); // the worker has passed the cancelled slot by now
    expect(gate[1]).toBe(0);
    expect(rt.stats().cancelled).toBe(1);
    await rt.close();
  });

  it('cancels tasks waiting behind a full ring, in any order, and the rest still run', async () => {
    const rt = createRuntime({ workers: 1, queueCapacity: 2 });
    const ran = new Int32Array(new SharedArrayBuffer(4 * 50));
    const all = Array.from({ length: 50 }, (_, i) => rt.go((r: Int32Array, n: number) => Atomics.add(r, n, 1), ran, i));
    for (let i = 1; i < 50; i += 2) all[i].cancel();
    const results = await Promise.all(all.map((t) => t.result()));
    for (let i = 0; i < 50; i++) {
      if (results[i].ok) expect(ran[i]).toBe(1);
      else {
        expect((results[i] as { error: Error }).error).toBeInstanceOf(CancelledError);
        expect(ran[i]).toBe(0);
      }
    }
    // Most odd ones were still queued when cancelled; no even one was touched.
    expect(results.filter((r, i) => i % 2 === 0 && !r.ok)).toHaveLength(0);
    expect(results.filter((r) => !r.ok).length).toBeGreaterThan(20);
    await rt.close();
  });

  it('a task cancelled while its module is still loading sees its signal abort once it starts', async () => {
    const rt = createRuntime({ workers: 1 });
    await rt.go(() => 'warm'); // so the task is claimed at once and waits for its module
    const task = rt.go(slowAbortable.waitForAbort, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    task.cancel('stop');
    await expect(task).rejects.toBeInstanceOf(CancelledError);
    await rt.close();
  });

  it('a running async task sees current().signal abort and settles as its code decides', async () => {
    const rt = createRuntime({ workers: 1 });
    const running = rt.go(nested.waitForAbort, 5000);
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(1);
    const started = Date.now();
    running.cancel('stop now');
    const error = await running.then(() => undefined, (e: CancelledError) => e);
    expect(error?.name).toBe('CancelledError'); // the task rethrew its signal's reason
    expect(error?.message).toMatch(/cancelled while running/);
    expect(Date.now() - started).toBeLessThan(1000);
    await rt.close();
  });

  it('a running task that ignores its signal finishes normally', async () => {
    const rt = createRuntime({ workers: 1 });
    const running = rt.go(async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return 'finished';
    }, 100);
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(1);
    running.cancel();
    await expect(running).resolves.toBe('finished');
    await rt.close();
  });
});

describe('go.with({ signal, timeoutMs, name })', () => {
  it('an aborted signal cancels a queued task and aborts a running one', async () => {
    const controller = new AbortController();
    const first = go.with({ signal: controller.signal })(nested.waitForAbort, 5000);
    await expect.poll(() => defaultRuntime().stats().active, EVENTUALLY).toBeGreaterThan(0);
    controller.abort('enough');
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    // Already aborted: the task never starts.
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const never = go.with({ signal: controller.signal })((r: Int32Array) => Atomics.store(r, 0, 1), ran);
    await expect(never).rejects.toMatchObject({ name: 'CancelledError', cause: 'enough' });
    expect(ran[0]).toBe(0);
  });

  it('name shows as current().name inside the task, timeoutMs works as timeout()', async () => {
    const described = await go.with({ name: 'resize-images' })(nested.describe);
    expect(described.name).toBe('resize-images');
    const unnamed = await go(nested.describe);
    expect(unnamed.name).toBeUndefined();
    await expect(go.with({ timeoutMs: 50 })(nested.waitForAbort, 5000)).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => go.with({ signal: 'nope' as never })).toThrow(/needs an AbortSignal/);
    expect(() => go.with({ timeoutMs: -5 })).toThrow(/finite number of milliseconds/);
  });
});

afterAll(() => defaultRuntime().close());
