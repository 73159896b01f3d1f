import { afterAll, describe, expect, it } from 'vitest';
import {
  awaitAll, defaultRuntime, goWithCleanup, goWithRecover, sleep, spawnMany, tasks, TaskCaptureError, WorkerCrashError,
} from '@routine/runtime';

type Variants = typeof import('./fixtures/variants.mjs');
const work = tasks<Variants>(new URL('./fixtures/variants.mjs', import.meta.url));
afterAll(() => defaultRuntime().close());

describe('goWithRecover', () => {
  it('gives the outcome as a Result and never rejects: value, error, panic, refused call', async () => {
    await expect(goWithRecover(work.double, 21)).resolves.toEqual({ ok: true, value: 42 });
    const failed = await goWithRecover(work.fail, 'bad');
    expect(failed.ok === false && failed.error.message).toBe('bad');
    const panicked = await goWithRecover(work.die);
    expect(panicked.ok === false && panicked.error).toBeInstanceOf(WorkerCrashError);
    const captured = 1;
    const refused = await goWithRecover(() => captured);
    expect(refused.ok === false && refused.error).toBeInstanceOf(TaskCaptureError);
  });
});

describe('goWithCleanup', () => {
  it('runs cleanup on this thread once the task settles, whatever the outcome', async () => {
    const cleaned: string[] = [];
    const ok = goWithCleanup(work.double, () => cleaned.push('ok'), 2);
    expect(cleaned).toEqual([]);
    await expect(ok).resolves.toBe(4);
    const failed = goWithCleanup(work.fail, () => cleaned.push('failed'), 'x');
    await expect(failed).rejects.toThrow('x');
    const died = goWithCleanup(work.die, () => cleaned.push('died'));
    await expect(died).rejects.toBeInstanceOf(WorkerCrashError);
    expect(cleaned).toEqual(['ok', 'failed', 'died']);
  });
});

describe('spawnMany, awaitAll, sleep', () => {
  it('spawnMany starts fn(0..count-1) in order; awaitAll gives every outcome without rejecting', async () => {
    const started = spawnMany(10, work.double);
    expect(started).toHaveLength(10);
    const outcomes = await awaitAll<unknown>([...started, ...spawnMany(1, work.fail)]);
    expect(outcomes.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => ({ ok: true, value: i * 2 })));
    expect(outcomes[10].ok).toBe(false);
    expect(() => spawnMany(-1, work.double)).toThrow(/whole number of tasks/);
  });

  it('sleep resolves after the given time', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('a runtime of your own has every helper as a method', () => {
  it('group, goWithRecover, spawnMany, goWith, goMust and goWithRetry run on that runtime', async () => {
    const { createRuntime } = await import('@routine/runtime');
    const rt = createRuntime({ workers: 1 });
    const g = rt.group({ limit: 1 });
    g.go(work.double, 1);
    g.go(work.double, 2);
    await g.wait();
    await expect(rt.goWithRecover(work.double, 3)).resolves.toEqual({ ok: true, value: 6 });
    await expect(Promise.all(rt.spawnMany(3, work.double))).resolves.toEqual([0, 2, 4]);
    await expect(rt.goWith({ name: 'mine' })(work.double, 4)).resolves.toBe(8);
    await expect(rt.goMust(work.double, 5)).resolves.toBe(10);
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await expect(rt.goWithRetry(work.failUntil, { retries: 2, delayMs: 1 }, counter, new Float64Array(new SharedArrayBuffer(64)), 2)).resolves.toBe(2);
    // Every one of those ran on rt (8 tasks + 2 retry attempts), none on the default runtime.
    expect(rt.stats().launched).toBe(10);
    await rt.close();
  });
});
