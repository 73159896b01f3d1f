import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, createRuntime, defaultRuntime, group, tasks, TimeoutError, type Task } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Variants = typeof import('./fixtures/variants.mjs');
type Nested = typeof import('./fixtures/nested.mjs');
const work = tasks<Variants>(new URL('./fixtures/variants.mjs', import.meta.url));
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));
afterAll(() => defaultRuntime().close());

const slots = () => new Int32Array(new SharedArrayBuffer(12));

describe('group (errgroup)', () => {
  it('waits for every member; members give their own results', async () => {
    const g = group();
    const members = Array.from({ length: 20 }, (_, i) => g.go(work.double, i));
    expect(g.size).toBe(20);
    await g.wait();
    expect(g.size).toBe(0);
    expect(await Promise.all(members)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('failFast: wait() rejects with the first error while another member is still in a synchronous loop', async () => {
    const runtime = createRuntime({ workers: 2 });
    // [0]: set to let the looping member return; [1]: set by it once it runs.
    const flags = new Int32Array(new SharedArrayBuffer(8));
    try {
      const g = runtime.group();
      const looping = g.go((shared: Int32Array) => {
        Atomics.store(shared, 1, 1);
        Atomics.notify(shared, 1);
        while (Atomics.load(shared, 0) === 0);
        return 'released';
      }, flags);
      g.go((shared: Int32Array) => {
        Atomics.wait(shared, 1, 0, 30_000);
        throw new Error('second member failed');
      }, flags);
      const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('wait() did not settle on the first error')), 20_000).unref());
      await expect(Promise.race([g.wait(), bound])).rejects.toThrow('second member failed');
      // The looping member was still running when wait() settled.
      expect(Atomics.load(flags, 0)).toBe(0);
      expect(g.size).toBe(1);
      Atomics.store(flags, 0, 1);
      await looping.then(() => undefined, () => undefined);
    } finally {
      Atomics.store(flags, 0, 1);
      await runtime.close();
    }
  });

  it('runs at most `limit` members at once', async () => {
    const g = group({ limit: 3 });
    const counter = slots();
    for (let i = 0; i < 15; i++) g.go(work.concurrent, counter, 20);
    await g.wait();
    expect(counter[1]).toBe(3);
    expect(counter[2]).toBe(15);
  });

  it('a failing member of a group({ limit: 2 }) of 100 stops the members that had not started', async () => {
    const g = group({ limit: 2 });
    const counter = slots();
    const members: Task<number>[] = [];
    for (let i = 0; i < 100; i++) members.push(g.go(work.concurrent, counter, 5, i === 5 ? 'member 5 failed' : undefined));
    const error = await g.wait().then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(error?.message).toBe('member 5 failed'); // the original error, not a wrapper
    const outcomes = await Promise.all(members.map((m) => m.result()));
    // Cancelled members never started: held back in the group, or withdrawn from the ring before a
    // worker took them. (Running members here ignore their signal and finish.)
    const neverStarted = outcomes.filter((r) => !r.ok && r.error instanceof CancelledError);
    const started = counter[2];
    // Members 0-5 started (two at a time), at most one more beside the failing one; none after.
    expect(started).toBeGreaterThanOrEqual(6);
    expect(started).toBeLessThanOrEqual(8);
    expect(neverStarted.length).toBe(100 - started);
    expect(g.signal.aborted).toBe(true);
  });

  it('failFast: false runs every member and rejects with an AggregateError of all errors, in the order they happened', async () => {
    const g = group({ failFast: false });
    const counter = slots();
    const settledOrder: string[] = [];
    const seen: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      const member = g.go(work.concurrent, counter, i * 3, i % 3 === 0 ? `failed ${i}` : undefined);
      seen.push(member.result().then((r) => !r.ok && settledOrder.push(r.error.message)));
    }
    const error = (await g.wait().then(() => undefined, (e) => e)) as AggregateError;
    await Promise.all(seen);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message).sort()).toEqual(['failed 0', 'failed 3', 'failed 6', 'failed 9']);
    expect(error.errors.map((e: Error) => e.message)).toEqual(settledOrder);
    expect(counter[2]).toBe(10);
  });

  it('cancel(): waiting members never start, running ones see their signal abort', async () => {
    const g = group({ limit: 1 });
    const running = g.go(nested.waitForAbort, 5000);
    const waiting = g.go(work.double, 1);
    await expect.poll(() => defaultRuntime().stats().active, EVENTUALLY).toBeGreaterThan(0);
    g.cancel('stop');
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    await expect(waiting).rejects.toThrow(/never started/);
    await expect(g.wait()).rejects.toBeInstanceOf(CancelledError);
  });

  it('waitTimeout rejects with TimeoutError and cancels the group', async () => {
    const g = group();
    const slow = g.go(nested.waitForAbort, 5000);
    await expect(g.waitTimeout(100)).rejects.toBeInstanceOf(TimeoutError);
    await expect(slow).rejects.toBeInstanceOf(CancelledError);
  });

  it('a parent signal cancels the group; await using cancels and waits at scope exit', async () => {
    const controller = new AbortController();
    const g = group({ signal: controller.signal });
    const member = g.go(nested.waitForAbort, 5000);
    controller.abort('outer');
    await expect(member).rejects.toBeInstanceOf(CancelledError);
    let inside: Task<unknown> | undefined;
    {
      await using scoped = group();
      inside = scoped.go(nested.waitForAbort, 5000);
    }
    expect((await inside!.result()).ok).toBe(false);
  });

  it('rejects a bad limit', () => {
    expect(() => group({ limit: 0 })).toThrow(/whole number >= 1/);
  });
});
