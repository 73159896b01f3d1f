import { describe, expect, it } from 'vitest';
import { CancelledError, createRuntime } from '@routine/runtime';

describe('cancel()', () => {
  it('a task still queued never runs and rejects with CancelledError carrying the reason', async () => {
    const rt = createRuntime({ workers: 1 });
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const blocker = rt.go((g: Int32Array) => {
      Atomics.wait(g, 0, 0);
    }, gate);
    await expect.poll(() => rt.stats().active).toBe(1);
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

  it('a running task is not interrupted by cancel()', async () => {
    const rt = createRuntime({ workers: 1 });
    const running = rt.go(async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return 'finished';
    }, 100);
    await expect.poll(() => rt.stats().active).toBe(1);
    running.cancel();
    await expect(running).resolves.toBe('finished');
    await rt.close();
  });
});
