import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, type Task } from '@routine/runtime';
import { hold, newGate, openGate } from './support/gate.js';
import { EVENTUALLY } from './support/until.js';
import { capturingLogger } from './support/capturing-logger.js';



describe('runtime.resize(n)', () => {
  it('grows to maxWorkers: tasks then run on every new worker at once', async () => {
    const rt = createRuntime({ workers: 1, maxWorkers: 4 });
    expect(rt.workers).toBe(1);
    await rt.resize(4);
    expect(rt.workers).toBe(4);
    expect(rt.stats().workers).toHaveLength(4);
    const gate = newGate();
    const held = [0, 1, 2, 3].map((i) => rt.go(hold, gate, i));
    await expect.poll(() => new Set(rt.dump().map((t) => t.worker)).size, EVENTUALLY).toBe(4);
    openGate(gate);
    expect(await Promise.all(held)).toEqual([0, 1, 2, 3]);
    await rt.close();
  });

  it('shrinks under load without losing or failing a task', async () => {
    const rt = createRuntime({ workers: 4 });
    const exits: number[] = [];
    rt.on('workerExit', (index) => exits.push(index));
    const tasks: Task<number>[] = [];
    for (let i = 0; i < 2000; i++) tasks.push(rt.go(async (n: number) => (n % 7 === 0 ? new Promise<number>((r) => setTimeout(() => r(n), 1)) : n), i));
    const shrinking = rt.resize(1);
    for (let i = 2000; i < 3000; i++) tasks.push(rt.go((n: number) => n, i));
    await shrinking;
    expect(rt.workers).toBe(1);
    expect(exits.sort()).toEqual([1, 2, 3]);
    const results = await Promise.all(tasks.map((t) => t.result()));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => (r as { value: number }).value)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(rt.stats()).toMatchObject({ launched: 3000, completed: 3000, panics: 0 });
    // And back up again, into the slots it gave up.
    await rt.resize(3);
    const after = await Promise.all(Array.from({ length: 100 }, (_, i) => rt.go((n: number) => n * 2, i)));
    expect(after).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    await rt.close();
  });

  it('waits for a running task on a worker it retires, which then finishes normally', async () => {
    const rt = createRuntime({ workers: 2 });
    const gate = newGate();
    const held = [rt.go(hold, gate, 1), rt.go(hold, gate, 2)];
    await expect.poll(() => rt.dump().length, EVENTUALLY).toBe(2);
    let done = false;
    const shrinking = rt.resize(1).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    openGate(gate);
    expect(await Promise.all(held)).toEqual([1, 2]);
    await shrinking;
    expect(rt.workers).toBe(1);
    await rt.close();
  });

  it('retires a slot whose worker cannot start without waiting for it', async () => {
    const rt = createRuntime({ workers: 2, workerSetup: new URL('./fixtures/setup-throws.mjs', import.meta.url), logger: capturingLogger().logger });
    // Every slot given up: no worker exists whose exit could end the retirement.
    await expect.poll(() => rt.startError, EVENTUALLY).toBeDefined();
    await rt.resize(1);
    expect(rt.workers).toBe(1);
    await rt.terminate();
  });

  it('is checked', async () => {
    const rt = createRuntime({ workers: 2 });
    expect(() => rt.resize(0)).toThrow(InvalidArgumentError);
    expect(() => rt.resize(3)).toThrow(/from 1 to 2 \(maxWorkers\)/);
    expect(() => rt.resize(1.5)).toThrow(/whole number/);
    expect(() => createRuntime({ workers: 2, maxWorkers: 1 })).toThrow(/maxWorkers must be a whole number from workers \(2\)/);
    await rt.close();
  });
});
