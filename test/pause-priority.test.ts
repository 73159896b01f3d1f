import { describe, expect, it } from 'vitest';
import { createRuntime, tasks, InvalidArgumentError, RuntimeClosedError, TimeoutError, CancelledError, type Task } from '@routine/runtime';
import { hold, newGate, openGate } from './support/gate.js';
import { EVENTUALLY } from './support/until.js';


/** Appends `id` to a shared log: the order tasks ran in, across threads. */
const record = (log: Int32Array, id: number) => {
  const at = Atomics.add(log, 0, 1) + 1;
  log[at] = id;
  return id;
};


type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));

const newLog = () => new Int32Array(new SharedArrayBuffer(4 * 1024));
const logged = (log: Int32Array) => Array.from(log.subarray(1, 1 + log[0]));

describe('runtime.pause() / resume()', () => {
  it('holds every task submitted while paused, loses none, and runs them all on resume', async () => {
    const rt = createRuntime({ workers: 2 });
    const log = newLog();
    rt.pause();
    expect(rt.paused).toBe(true);
    const tasks = Array.from({ length: 300 }, (_, i) => rt.go(record, log, i));
    expect(rt.heldCount).toBe(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log[0]).toBe(0); // nothing started
    rt.resume();
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(logged(log).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(rt.heldCount).toBe(0);
    expect(rt.stats()).toMatchObject({ launched: 300, completed: 300 });
    await rt.close();
  });

  it('keeps the gid of a group member held while paused, so its handle names the task that runs', async () => {
    const rt = createRuntime({ workers: 1 });
    rt.pause();
    const g = rt.group({ limit: 2 });
    const member = g.go(nested.describe);
    expect(rt.heldCount).toBe(1);
    rt.resume();
    expect(await member).toMatchObject({ gid: member.gid, id: member.gid });
    await g.wait();
    await rt.close();
  });

  it('lets running tasks finish while paused', async () => {
    const rt = createRuntime({ workers: 1 });
    const gate = newGate();
    const running = rt.go(hold, gate, -1);
    await expect.poll(() => rt.dump().length, EVENTUALLY).toBe(1);
    rt.pause();
    const held = rt.go((n: number) => n, 7);
    openGate(gate);
    expect(await running).toBe(-1);
    expect(rt.heldCount).toBe(1);
    rt.resume();
    expect(await held).toBe(7);
    await rt.close();
  });

  it('close() runs what was held; terminate() rejects it; cancel and timeout work while held', async () => {
    const a = createRuntime({ workers: 1 });
    a.pause();
    const kept = [1, 2, 3].map((n) => a.go((x: number) => x * 2, n));
    await a.close();
    expect(await Promise.all(kept)).toEqual([2, 4, 6]);

    const b = createRuntime({ workers: 1 });
    b.pause();
    const cancelled = b.go((x: number) => x, 1);
    const timed = b.timeout(20, (x: number) => x, 2);
    const dropped = b.go((x: number) => x, 3);
    cancelled.cancel('no longer needed');
    await expect(cancelled).rejects.toThrow(CancelledError);
    await expect(timed).rejects.toThrow(TimeoutError);
    expect(b.heldCount).toBe(1);
    await b.terminate();
    await expect(dropped).rejects.toThrow(RuntimeClosedError);
  });
});

describe('go.with({ priority })', () => {
  it('orders the tasks waiting behind a full ring, highest first, equal ones in order, losing none', async () => {
    const rt = createRuntime({ workers: 1, queueCapacity: 2 });
    const gate = newGate();
    const log = newLog();
    const blocker = rt.go(hold, gate, -1);
    await expect.poll(() => rt.dump().length, EVENTUALLY).toBe(1);
    const all: Task<number>[] = [];
    // The ring (2 slots) and the endpoint's own line take these in order.
    for (let id = 1; id <= 4; id++) all.push(rt.go(record, log, id));
    // Behind them, in the runtime's line: priorities decide.
    all.push(rt.goWith({ priority: 5 })(record, log, 51));
    all.push(rt.goWith({ priority: 5 })(record, log, 52));
    all.push(rt.go(record, log, 5)); // priority 0, behind the line's higher ones
    all.push(rt.goWith({ priority: 10 })(record, log, 101));
    all.push(rt.goWith({ priority: -1 })(record, log, -11));
    all.push(rt.goWith({ priority: 5 })(record, log, 53));
    openGate(gate);
    await blocker;
    const results = await Promise.all(all);
    expect(results).toEqual([1, 2, 3, 4, 51, 52, 5, 101, -11, 53]);
    expect(logged(log)).toEqual([1, 2, 3, 4, 101, 51, 52, 53, 5, -11]);
    await rt.close();
  });

  it('is checked', () => {
    const rt = createRuntime({ workers: 1 });
    expect(() => rt.goWith({ priority: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => rt.goWith({ priority: '1' as never })).toThrow(/priority.*finite number/);
    void rt.close();
  });
});
