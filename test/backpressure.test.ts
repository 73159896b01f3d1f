import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createPool, createRuntime, createScheduler, InvalidArgumentError, RuntimeClosedError, type Task } from '@routine/runtime';
import { hold, newGate, openGate } from './support/gate.js';
import { EVENTUALLY } from './support/until.js';



describe('group({ limit }).ready()', () => {
  it('keeps a producer of 2,000 items to `limit` members held at once, losing none', async () => {
    const rt = createRuntime({ workers: 2 });
    const g = rt.group({ limit: 4 });
    const tasks: Task<number>[] = [];
    let most = 0;
    for (let i = 0; i < 2000; i++) {
      await g.ready();
      tasks.push(g.go((n: number) => n * 3, i));
      most = Math.max(most, g.size);
    }
    await g.wait();
    expect(most).toBeLessThanOrEqual(4);
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 2000 }, (_, i) => i * 3));
    await rt.close();
  });

  it('holds the producer while the limit is taken, and lets it on as a member settles', async () => {
    const rt = createRuntime({ workers: 2 });
    const g = rt.group({ limit: 1 });
    const gate = newGate();
    const first = g.go(hold, gate, 1);
    let ready = false;
    const waiting = g.ready().then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ready).toBe(false);
    openGate(gate);
    await waiting;
    expect(await first).toBe(1);
    await g.wait();
    await rt.close();
  });

  it('resolves at once without a limit, and once the group is cancelled', async () => {
    const rt = createRuntime({ workers: 1 });
    await rt.group().ready();
    const g = rt.group({ limit: 1 });
    const gate = newGate();
    const member = g.go(hold, gate, 1);
    const waiting = g.ready();
    g.cancel();
    await waiting;
    openGate(gate);
    await member.result();
    await rt.close();
  });
});

describe('pool fixes', () => {
  it('close() lets tasks waiting in submitWait run and finish, then refuses new ones', async () => {
    const pool = createPool({ name: 'close-waits', workers: 1, queue: 0 });
    const gate = newGate();
    const running = pool.submit(hold, gate, 0);
    const waiting = [1, 2, 3].map((i) => pool.submitWait((n: number) => n * 10, i));
    expect(pool.stats()).toMatchObject({ waiting: 3, capacity: 1 });
    const closed = pool.close();
    expect(() => pool.submit((n: number) => n, 9)).toThrow(RuntimeClosedError);
    expect(() => pool.submitWait((n: number) => n, 9)).toThrow(/is closed/);
    openGate(gate);
    expect(await Promise.all([running, ...waiting])).toEqual([0, 10, 20, 30]);
    await closed;
  });

  it('terminate() fails the tasks waiting for room with RuntimeClosedError', async () => {
    const pool = createPool({ name: 'terminate-waits', workers: 1, queue: 0 });
    const gate = newGate();
    const running = pool.submit(hold, gate, 0);
    const waiting = pool.submitWait((n: number) => n, 1);
    await pool.terminate();
    await expect(waiting).rejects.toThrow(RuntimeClosedError);
    await expect(running).rejects.toThrow(RuntimeClosedError);
  });

  it('reports its metrics in stats(), dump() and toPrometheus()', async () => {
    const pool = createPool({ name: 'metered', workers: 1, queue: 1 });
    const gate = newGate();
    const running = pool.submit(hold, gate, 0);
    const queued = pool.submit((n: number) => n, 1);
    const waiting = pool.submitWait((n: number) => n, 2);
    await expect.poll(() => pool.dump().length, EVENTUALLY).toBe(1);
    // The worker marks the task running, then counts it started: the gauge may lag the dump.
    await expect.poll(() => pool.stats().active, EVENTUALLY).toBe(1);
    expect(pool.dump()[0].gid).toBe(running.gid);
    expect(pool.stats()).toMatchObject({ waiting: 1, capacity: 2, workers: 1 });
    const families = parsePrometheus(pool.toPrometheus());
    const gauge = (name: string) => families.find((f) => f.name === name)?.metrics;
    expect(gauge('routine_pool_waiting')).toEqual([{ labels: { pool: 'metered' }, value: '1' }]);
    expect(gauge('routine_pool_capacity')).toEqual([{ labels: { pool: 'metered' }, value: '2' }]);
    expect(gauge('routine_tasks_active')).toEqual([{ labels: { pool: 'metered' }, value: '1' }]);
    openGate(gate);
    expect(await Promise.all([running, queued, waiting])).toEqual([0, 1, 2]);
    expect(pool.stats()).toMatchObject({ completed: 3, waiting: 0 });
    await pool.close();
  });

  it('closes at the end of an `await using` scope, waiting for its tasks', async () => {
    let task: Task<number> | undefined;
    let poolRef: ReturnType<typeof createPool> | undefined;
    {
      await using pool = createPool({ name: 'scoped', workers: 1 });
      poolRef = pool;
      task = pool.submit((n: number) => n + 1, 41);
    }
    expect(await task).toBe(42);
    expect(() => poolRef!.submit((n: number) => n, 1)).toThrow(RuntimeClosedError);
  });

  it('a scheduler stops at the end of an `await using` scope', async () => {
    const rt = createRuntime({ workers: 1 });
    let outside: ReturnType<typeof createScheduler> | undefined;
    {
      await using scheduler = rt.createScheduler();
      outside = scheduler;
      scheduler.every('tick', 5, () => 1);
      scheduler.start();
      await expect.poll(() => scheduler.status('tick').runs, EVENTUALLY).toBeGreaterThan(0);
    }
    const after = outside.status('tick').runs;
    expect(outside.status('tick').nextRun).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outside.status('tick').runs).toBe(after);
    await rt.close();
  });

  it('createPool without workers says what is missing', () => {
    expect(() => createPool({ name: 'no-workers' } as never)).toThrow(InvalidArgumentError);
    expect(() => createPool({ name: 'no-workers' } as never)).toThrow(/pool "no-workers" needs workers, a whole number >= 1.*got undefined/);
    expect(() => createPool({ name: 'zero', workers: 0 })).toThrow(/needs workers/);
  });
});
