import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, WorkerCrashError, type Task } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Crash = typeof import('./fixtures/crash.mjs');
type SlowToLoad = typeof import('./fixtures/slow-to-load.mjs');
const crash = tasks<Crash>(new URL('./fixtures/crash.mjs', import.meta.url));
const runtimes: { close(): Promise<void> }[] = [];
function runtime(workers: number, extra: Parameters<typeof createRuntime>[0] = {}) {
  const created = createRuntime({ workers, ...extra });
  runtimes.push(created);
  return created;
}
afterAll(() => Promise.all(runtimes.map((r) => r.close())));

describe('a worker that dies under a task (a panic)', () => {
  it('process.exit: the task fails with WorkerCrashError carrying the exit code, and a replacement runs the next task', async () => {
    const rt = runtime(1);
    const task = rt.go(crash.exitNow, 3);
    const error = await task.then(() => undefined, (e: WorkerCrashError) => e);
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error!.code).toBe('ERR_ROUTINE_WORKER_CRASH');
    expect(error!.gid).toBe(task.gid);
    expect(error!.exitCode).toBe(3);
    expect(error!.message).toMatch(new RegExp(`died while running task ${task.gid}`));
    await expect(rt.go((n: number) => n + 1, 1)).resolves.toBe(2);
    expect(rt.stats().panics).toBe(1);
  });

  it('an uncaught error from a callback fails the pending async task, with the error as cause', async () => {
    const rt = runtime(1);
    const error = (await rt.go(crash.throwLater, 5).then(() => undefined, (e) => e)) as WorkerCrashError;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect((error.cause as Error).message).toBe('callback failed after 5 ms');
    await expect(rt.go(() => 'still here')).resolves.toBe('still here');
  });

  it('running out of memory under resourceLimits is a panic, not a hang', async () => {
    const rt = runtime(1, { resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    const error = (await rt.go(crash.exhaustMemory).then(() => undefined, (e) => e)) as WorkerCrashError;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(String((error.cause as Error & { code?: string })?.code ?? error.message)).toMatch(/OUT_OF_MEMORY|memory/i);
    await expect(rt.go(() => 'recovered')).resolves.toBe('recovered');
  });

  it('tasks claimed but not started when their worker died are put back and run once', async () => {
    const rt = runtime(1);
    const slowToLoad = tasks<SlowToLoad>(new URL('./fixtures/slow-to-load.mjs', import.meta.url));
    const runs = new Int32Array(new SharedArrayBuffer(4 * 10));
    // An async task whose callback will kill the worker in 150 ms...
    const doomed = rt.go(crash.throwLater, 150);
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(1);
    // ...while the worker has claimed this one and is importing its module (300 ms).
    const waiting = Array.from({ length: 10 }, (_, id) => rt.go(slowToLoad.count, runs, id));
    await expect(doomed).rejects.toBeInstanceOf(WorkerCrashError);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 10 }, (_, id) => id));
    expect([...runs]).toEqual(new Array(10).fill(1));
    expect(rt.stats().panics).toBe(1);
  });

  it('tasks the dead worker had claimed but not started run elsewhere, each exactly once', async () => {
    // One worker: async tasks pile up on it (claimed, running concurrently), then it dies.
    // The ones running fail; everything queued behind runs once on the replacement.
    const rt = runtime(1);
    const runs = new Int32Array(new SharedArrayBuffer(4 * 300));
    const slow: Task<number>[] = [];
    for (let id = 0; id < 100; id++) slow.push(rt.go(crash.countSlowly, runs, id, 50));
    const killer = rt.go(crash.exitNow, 1);
    const queued: Task<number>[] = [];
    for (let id = 100; id < 300; id++) queued.push(rt.go(crash.count, runs, id));
    const [slowResults, killed, queuedResults] = await Promise.all([
      Promise.all(slow.map((t) => t.result())),
      killer.result(),
      Promise.all(queued.map((t) => t.result())),
    ]);
    expect(killed.ok).toBe(false);
    for (const [i, result] of slowResults.entries()) {
      if (result.ok) expect(runs[i]).toBe(1);
      else expect(result.error).toBeInstanceOf(WorkerCrashError); // was running when it died
      expect(runs[i]).toBeLessThanOrEqual(1);
    }
    expect(queuedResults.every((r) => r.ok)).toBe(true);
    for (let id = 100; id < 300; id++) expect(runs[id]).toBe(1);
  });
});
