import { describe, expect, it } from 'vitest';
import { createRuntime, tasks, type Task } from '@routine/runtime';
import { until } from './support/until.js';

type Deadline = typeof import('./fixtures/deadline.mjs');
const deadline = tasks<Deadline>(new URL('./fixtures/deadline.mjs', import.meta.url));

describe('fairness', () => {
  it('short async tasks finish while a long synchronous task started beside them still runs', async () => {
    await using rt = createRuntime({ workers: 2 });
    // Both workers held by a gate, so every task below is in the ring when the first is let go.
    const hold = new Int32Array(new SharedArrayBuffer(12)); // [0], [1]: release gate i; [2]: started
    const gates = [0, 1].map((i) =>
      rt.go((h: Int32Array, me: number) => {
        Atomics.add(h, 2, 1);
        while (Atomics.load(h, me) === 0) Atomics.wait(h, me, 0, 5);
      }, hold, i),
    );
    await until(() => Atomics.load(hold, 2) === 2, 10_000, 'both gates to start');
    const flag = new Int32Array(new SharedArrayBuffer(8)); // [0]: release the long task; [1]: it started
    const short = async (i: number): Promise<number> => {
      await null;
      return i * 2;
    };
    const shorts: Task<number>[] = [];
    let long: Task<string> | undefined;
    for (let i = 0; i < 60; i++) {
      // The long task polls a flag that is set only once every short task is done.
      if (i === 30) {
        long = rt.go((f: Int32Array) => {
          Atomics.store(f, 1, 1);
          const giveUp = Date.now() + 15_000;
          while (Atomics.load(f, 0) === 0) if (Date.now() > giveUp) return 'gave up';
          return 'released';
        }, flag);
      }
      shorts.push(rt.go(short, i));
    }
    // One worker alone first: it runs up to the long task, which then holds it; then the other.
    Atomics.store(hold, 0, 1);
    Atomics.notify(hold, 0);
    await until(() => Atomics.load(flag, 1) === 1, 10_000, 'the long task to start');
    Atomics.store(hold, 1, 1);
    Atomics.notify(hold, 1);
    await Promise.all(gates);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 10_000)));
    const results = await Promise.race([Promise.all(shorts), stuck]);
    clearTimeout(timer);
    Atomics.store(flag, 0, 1);
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i * 2));
    await expect(long).resolves.toBe('released');
  }, 30_000);

  it('a worker with async tasks in flight leaves new tasks to an idle worker', async () => {
    await using rt = createRuntime({ workers: 2 });
    // Both workers up, with the module loaded: two tasks that each wait for the other.
    const both = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all([rt.go(deadline.meet, both), rt.go(deadline.meet, both)]);
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const held = rt.go(deadline.holder, gate);
    await until(() => Atomics.load(gate, 1) === 1, 10_000, 'the holder to start');
    // One at a time: each goes to the worker with nothing to do, never the holder's.
    const ran = [];
    for (let i = 0; i < 20; i++) ran.push(await rt.go(deadline.threadId));
    Atomics.store(gate, 0, 1);
    const holderThread = await held;
    expect(ran.filter((thread) => thread === holderThread)).toEqual([]);
  }, 30_000);
});
