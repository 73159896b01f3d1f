import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRuntime, QueueFullError, tasks, WorkerCrashError, type Task } from '@routine/runtime';
import { EVENTUALLY, until } from './support/until.js';

type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));

type Parked = typeof import('./fixtures/parked.mjs');
const parked = tasks<Parked>(new URL('./fixtures/parked.mjs', import.meta.url));

describe('nested go', () => {
  it('200 parents on one worker, each awaiting a nested child, all complete', async () => {
    await using rt = createRuntime({ workers: 1 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => rt.go(parked.parent, i)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  }, 20_000);

  it('500 parents on two workers, each awaiting a nested child, all complete', async () => {
    await using rt = createRuntime({ workers: 2 });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => rt.go(parked.parent, i)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(rt.stats()).toMatchObject({ completed: 1000, errors: 0, panics: 0, active: 0 });
  }, 20_000);

  it('a chain 50 deep completes on one worker', async () => {
    await using rt = createRuntime({ workers: 1 });
    const levels = await rt.go(nested.chain, 50);
    expect(levels).toHaveLength(51);
    for (let i = 1; i < levels.length; i++) expect(levels[i].parentGid).toBe(levels[i - 1].gid);
  }, 20_000);

  it('a fan-out of 20 x 20 completes, several times over on one worker', async () => {
    await using rt = createRuntime({ workers: 1 });
    const expected = Array.from({ length: 20 }, (_, r) => Array.from({ length: 20 }, (_, c) => r * 100 + c));
    // Four grids at once: 84 waiting tasks, more than the claim table's fixed part.
    await expect(Promise.all([0, 1, 2, 3].map(() => rt.go(parked.grid, 20)))).resolves.toEqual([expected, expected, expected, expected]);
  }, 20_000);

  it('a worker that dies under many waiting parents fails each of them once with WorkerCrashError', async () => {
    const rt = createRuntime({ workers: 1, logger: pino({ level: 'silent' }) });
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const count = 150;
    // Each parent waits for a child that waits for the gate: 300 tasks waiting on one worker.
    const parents: Task<number>[] = [];
    for (let i = 0; i < count; i++) {
      parents.push(rt.go(parked.parentOfWaiter, gate));
    }
    const settled = parents.map(() => 0);
    const outcomes = parents.map((task, i) => task.result().then((r) => (settled[i]++, r)));
    await until(() => Atomics.load(gate, 1) === count, 15_000, 'every child to start');
    expect(rt.dump()).toHaveLength(2 * count);
    const exit = rt.go(() => globalThis.process.exit(7));
    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Error }).error).toBeInstanceOf(WorkerCrashError);
    }
    await expect(exit).rejects.toBeInstanceOf(WorkerCrashError);
    Atomics.store(gate, 0, 1);
    // The replacement starts with a clean table and runs nested work again.
    await expect(rt.go(parked.parent, 1)).resolves.toBe(2);
    expect(settled).toEqual(parents.map(() => 1));
    expect(rt.stats()).toMatchObject({ panics: 2 * count + 1, queued: 0 });
    // A worker frees a task's entry only after its reply is out (a crash in between must still
    // find the task), so the last task may show in a dump for a moment after it settled.
    await expect.poll(() => rt.dump(), EVENTUALLY).toEqual([]);
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(0);
    await rt.close();
  }, 30_000);

  it('past maxTasksPerWorker a worker fails what it claims with QueueFullError instead of hanging', async () => {
    await using rt = createRuntime({ workers: 1, maxTasksPerWorker: 100, logger: pino({ level: 'silent' }) });
    const outcomes = await Promise.all(Array.from({ length: 150 }, (_, i) => rt.go(parked.parent, i).result()));
    const failed = outcomes.filter((outcome) => !outcome.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed) {
      const { error } = outcome as { error: Error };
      expect(error).toBeInstanceOf(QueueFullError);
      expect(error.message).toMatch(/worker 0 already holds 100 tasks that have not settled \(maxTasksPerWorker\)/);
    }
    outcomes.forEach((outcome, i) => outcome.ok && expect(outcome.value).toBe(i + 1));
    await expect(rt.go(parked.parent, 7)).resolves.toBe(8);
  }, 20_000);
});
