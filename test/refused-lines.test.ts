import { describe, expect, it } from 'vitest';
import { createPool, createRuntime, RuntimeClosedError, type Task } from '@routine/runtime';

// Thousands of waiters whose submits are all refused at once (the runtime closed under them):
// each refusal gives its place back inside the line's own loop, so none is lost and the stack
// does not grow with the line.
describe('a long waiting line whose tasks are all refused', () => {
  it('settles every group member once, with the refusal', async () => {
    const rt = createRuntime({ workers: 1 });
    const g = rt.group({ limit: 1, failFast: false });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const first = g.go((flag: Int32Array) => {
      while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 10);
      return 'first';
    }, gate);
    const waiting: Task<number>[] = [];
    for (let i = 0; i < 20_000; i++) waiting.push(g.go((x: number) => x, i));
    const closing = rt.close();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await expect(first).resolves.toBe('first');
    const outcomes = await Promise.all(waiting.map((task) => task.result()));
    expect(outcomes.every((outcome) => !outcome.ok && outcome.error instanceof RuntimeClosedError)).toBe(true);
    await expect(g.wait()).rejects.toMatchObject({ errors: { length: 20_000 } });
    await closing;
  }, 30_000);

  it('settles every pool.submitWait handle once, with the refusal', async () => {
    const pool = createPool({ name: 'refused-line', workers: 1, queue: 0 });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const first = pool.submitWait((flag: Int32Array) => {
      while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 10);
      return 'first';
    }, gate);
    const waiting: Task<number>[] = [];
    for (let i = 0; i < 20_000; i++) waiting.push(pool.submitWait((x: number) => x, i));
    const closing = pool.close();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await expect(first).resolves.toBe('first');
    const outcomes = await Promise.all(waiting.map((task) => task.result()));
    expect(outcomes.filter((outcome) => !outcome.ok && outcome.error instanceof RuntimeClosedError)).toHaveLength(20_000);
    await closing;
  }, 30_000);
});
