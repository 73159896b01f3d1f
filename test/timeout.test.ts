import { describe, expect, it } from 'vitest';
import { until } from './support/until.js';
import { createRuntime, InvalidArgumentError, tasks, timeout, TimeoutError, WorkerCrashError, type Task } from '@routine/runtime';

type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));
type Deadline = typeof import('./fixtures/deadline.mjs');
const deadline = tasks<Deadline>(new URL('./fixtures/deadline.mjs', import.meta.url));

describe('timeout()', () => {
  it('stops async tasks past their deadline without touching their siblings on the same worker', async () => {
    const rt = createRuntime({ workers: 1 });
    const before = await rt.go(deadline.threadId);
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const report = new Int32Array(new SharedArrayBuffer(8));
    const siblings = Array.from({ length: 20 }, () => rt.go(deadline.sibling, gate));
    // A deadline long enough for every one of them to start on a loaded machine.
    const late = Array.from({ length: 20 }, () => rt.timeout(500, deadline.hang, report));
    for (const outcome of await Promise.all(late.map((task) => task.result()))) {
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Error }).error).toBeInstanceOf(TimeoutError);
    }
    // Each stopped task saw its signal abort with a TimeoutError, on the worker it ran on.
    await until(() => Atomics.load(report, 0) === 20, 10_000, 'every stopped task to see its abort');
    expect(Atomics.load(report, 1)).toBe(20);
    expect(rt.dump()).toHaveLength(20); // the siblings, still waiting; the stopped tasks are gone
    Atomics.store(gate, 0, 1);
    expect(await Promise.all(siblings)).toEqual(siblings.map(() => before));
    expect(await rt.go(deadline.threadId)).toBe(before); // the same worker: none was replaced
    expect(rt.stats()).toMatchObject({ timeouts: 20, panics: 0, errors: 0, completed: 22, active: 0 });
    await rt.close();
  });

  it('an async task that stops yielding past its deadline is still stopped, by terminating its worker', async () => {
    const rt = createRuntime({ workers: 1 });
    const before = await rt.go(deadline.threadId);
    const spinning = rt.timeout(50, async () => {
      await null;
      for (;;);
    });
    await expect(spinning).rejects.toBeInstanceOf(TimeoutError);
    expect(await rt.go(deadline.threadId)).not.toBe(before);
    expect(rt.stats()).toMatchObject({ timeouts: 1, panics: 0 });
    await rt.close();
  });

  it('stops a synchronous endless loop within a second, and the 1,000 tasks behind it all complete', async () => {
    const rt = createRuntime({ workers: 2 });
    const started = Date.now();
    const endless = rt.timeout(100, () => {
      for (;;);
    });
    const behind: Task<number>[] = [];
    for (let i = 0; i < 1000; i++) behind.push(rt.go((n: number) => n * 2, i));
    const error = await endless.then(() => undefined, (e: TimeoutError) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error!.code).toBe('ERR_ROUTINE_TIMEOUT');
    expect(error!.gid).toBe(endless.gid);
    expect(error!.message).toMatch(/did not finish within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await Promise.all(behind)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    // The pool is back at full size: two tasks that each need a thread of their own both finish.
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const pair = [0, 1].map((i) =>
      rt.go((g: Int32Array, me: number) => {
        Atomics.add(g, 0, 1);
        Atomics.notify(g, 0);
        while (Atomics.load(g, 0) < 2) Atomics.wait(g, 0, 1, 10); // waits for the other one
        return me;
      }, gate, i),
    );
    await expect(Promise.all(pair)).resolves.toEqual([0, 1]);
    const stats = rt.stats();
    expect(stats.timeouts).toBe(1);
    expect(stats.panics).toBe(0);
    await rt.close();
  });

  it('a task still queued at its deadline never runs', async () => {
    const rt = createRuntime({ workers: 1 });
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const blocker = rt.go(() => {
      const end = Date.now() + 300;
      while (Date.now() < end);
    });
    const late = rt.timeout(50, (r: Int32Array) => Atomics.store(r, 0, 1), ran);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await blocker;
    await rt.go(() => 0);
    expect(ran[0]).toBe(0);
    await rt.close();
  });

  it('a task that finishes in time resolves normally and nothing fires later', async () => {
    const rt = createRuntime({ workers: 1 });
    await expect(rt.timeout(1000, async (x: number) => x + 1, 1)).resolves.toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rt.stats().timeouts).toBe(0);
    await rt.close();
  });

  it('an async task that never settles is stopped too; async tasks beside it go on', async () => {
    const rt = createRuntime({ workers: 1 });
    await rt.go(() => 'warm'); // the worker is up, so the task starts well before its deadline
    const stuck = rt.timeout(100, () => new Promise(() => {}));
    const beside = rt.go(() => new Promise((resolve) => setTimeout(() => resolve('beside'), 1000)));
    await expect(stuck).rejects.toBeInstanceOf(TimeoutError);
    // The stuck task yields, so its worker gives it up and keeps the one beside it.
    await expect(beside).resolves.toBe('beside');
    expect(rt.stats()).toMatchObject({ timeouts: 1, panics: 0 });
    await expect(rt.go(() => 'after')).resolves.toBe('after');
    await rt.close();
  });

  it('a timeout started inside a worker stops its task even when it landed on that same worker', async () => {
    const rt = createRuntime({ workers: 1 });
    // One worker: the parent and its endless child share it, so the parent's own timer is frozen
    // with it; the main thread watches the deadline too and stops them.
    const outcome = await rt.go(nested.spinWithTimeout, 100).result();
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Error }).error).toBeInstanceOf(WorkerCrashError);
    await expect(rt.go(() => 'recovered')).resolves.toBe('recovered');
    await rt.close();
  });

  it('a timeout started inside a worker, landing on another worker, reports TimeoutError to its parent', async () => {
    const rt = createRuntime({ workers: 2 });
    await Promise.all([rt.go(() => 0), rt.go(() => 0)]);
    const outcome = await rt.go(nested.spinWithTimeoutElsewhere, 1000);
    expect(outcome.name).toBe('TimeoutError');
    expect(outcome.elapsed).toBeLessThan(5000);
    await rt.close();
  });

  it('rejects a bad timeout with a clear error', () => {
    expect(() => timeout(-1, () => 1)).toThrow(InvalidArgumentError);
    expect(() => timeout(Number.NaN, () => 1)).toThrow(/finite number of milliseconds/);
  });
});
