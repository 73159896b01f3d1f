import { describe, expect, it } from 'vitest';
import { createPool, getPool, InvalidArgumentError, QueueFullError, type Task } from '@routine/runtime';

/** A task that blocks its worker until the gate opens. */
const blockUntilOpen = (gate: Int32Array): number => {
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 50);
  return 1;
};
const open = (gate: Int32Array) => {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
};

describe('named pools', () => {
  it('QueueFullError arrives at exactly queue + workers + 1 submissions of blocking tasks', async () => {
    const pool = createPool({ name: 'exact', workers: 2, queue: 3 });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const accepted: Task<number>[] = [];
    for (let i = 0; i < 5; i++) accepted.push(pool.submit(blockUntilOpen, gate));
    expect(() => pool.submit(blockUntilOpen, gate)).toThrow(QueueFullError);
    expect(() => pool.submit(blockUntilOpen, gate)).toThrow(/pool "exact" is full: 5 tasks/);
    open(gate);
    expect(await Promise.all(accepted)).toEqual([1, 1, 1, 1, 1]);
    await pool.close();
  });

  it('submitWait waits for room instead of throwing', async () => {
    const pool = createPool({ name: 'waiting', workers: 1, queue: 0 });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const first = pool.submit(blockUntilOpen, gate);
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const second = pool.submitWait((r: Int32Array, n: number) => (Atomics.store(r, 0, 1), n + 1), ran, 1);
    const cancelled = pool.submitWait((r: Int32Array) => Atomics.add(r, 0, 10), ran);
    expect(second.gid).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran[0]).toBe(0); // still waiting for room
    cancelled.cancel('not needed');
    open(gate);
    await first;
    await expect(second).resolves.toBe(2);
    await expect(cancelled).rejects.toThrow(/cancelled while waiting for room/);
    await pool.wait();
    expect(ran[0]).toBe(1);
    await pool.close();
  });

  it('getPool finds a pool by name; wait, stats, and names are unique', async () => {
    const pool = createPool({ name: 'named', workers: 2, queue: 20 });
    expect(getPool('named')).toBe(pool);
    expect(() => createPool({ name: 'named', workers: 1 })).toThrow(/already exists/);
    for (let i = 0; i < 10; i++) pool.submit((n: number) => n, i);
    pool.submit(() => {
      throw new Error('one failure');
    }).then(undefined, () => undefined);
    await pool.wait();
    expect(pool.stats()).toMatchObject({ completed: 10, failed: 1, active: 0, queued: 0, workers: 2 });
    await pool.close();
    expect(() => getPool('named')).toThrow(InvalidArgumentError);
  });

  it('terminate stops at once; a closed pool refuses work', async () => {
    const pool = createPool({ name: 'stopping', workers: 1 });
    const endless = pool.submit(() => {
      for (;;);
    });
    await pool.terminate();
    await expect(endless).rejects.toThrow(/terminated/);
    expect(() => pool.submit(() => 1)).toThrow(/closed/);
  });
});
