import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, tasks, waitGroup } from '@routine/runtime';

type Variants = typeof import('./fixtures/variants.mjs');
const work = tasks<Variants>(new URL('./fixtures/variants.mjs', import.meta.url));
type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));

describe('waitGroup', () => {
  it('is counted down from four workers at once and wakes the main thread at zero', async () => {
    const rt = createRuntime({ workers: 4 });
    const wg = waitGroup();
    wg.add(4);
    const tasksDone = Array.from({ length: 4 }, (_, i) => rt.go(work.countDown, wg, 10 + i));
    await wg.wait();
    expect(wg.count).toBe(0);
    // Each worker got a real WaitGroup back, sharing the same counter.
    expect(await Promise.all(tasksDone)).toEqual([true, true, true, true]);
    await rt.close();
  });

  it('waitSync blocks a worker until others count down', async () => {
    const rt = createRuntime({ workers: 3 });
    const wg = waitGroup();
    wg.add(2);
    const blocked = rt.go(work.blockUntilDone, wg);
    await new Promise((resolve) => setTimeout(resolve, 50));
    rt.go(work.countDown, wg, 5);
    rt.go(work.countDown, wg, 10);
    await expect(blocked).resolves.toBe(true);
    await rt.close();
  });

  it("ends a task's wait with RuntimeClosedError when the runtime closes, so close() does not wait on it", async () => {
    const rt = createRuntime({ workers: 2 });
    const wg = waitGroup();
    wg.add(1);
    const top = rt.go(nested.waitForever, wg);
    await rt.go(nested.leaveWaiting, wg); // and a nested one nobody awaits
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('close() did not resolve')), 20_000).unref());
    await Promise.race([rt.close(), bound]);
    expect(await top).toBe('RuntimeClosedError');
  });

  it('wait() resolves at once at zero; going below zero throws', async () => {
    const wg = waitGroup();
    await wg.wait();
    expect(() => wg.done()).toThrow(InvalidArgumentError);
    expect(() => wg.done()).toThrow(/done\(\) was called more often than add\(\)/);
    expect(wg.count).toBe(0);
  });
});
