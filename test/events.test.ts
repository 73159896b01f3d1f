import { afterEach, describe, expect, it } from 'vitest';
import { createPool, createRuntime, setErrorHandler, setPanicHandler, tasks, type Result } from '@routine/runtime';
import { hold, newGate, openGate } from './support/gate.js';
import { EVENTUALLY, until } from './support/until.js';

type Failures = typeof import('./fixtures/failures.mjs');
const failures = tasks<Failures>(new URL('./fixtures/failures.mjs', import.meta.url));

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  setErrorHandler(undefined);
  setPanicHandler(undefined);
});

describe('runtime events', () => {
  it('workerCreate for each worker at boot and for a replacement; workerExit for every exit', async () => {
    const rt = createRuntime({ workers: 2 });
    const created: [number, number][] = [];
    const exited: [number, number, number][] = [];
    rt.on('workerCreate', (index, threadId) => created.push([index, threadId]));
    rt.on('workerExit', (index, exitCode, threadId) => exited.push([index, exitCode, threadId]));
    await until(() => created.length === 2, 30_000, 'both workers to boot');
    expect(created.map(([index]) => index).sort()).toEqual([0, 1]);
    expect(created.map(([, id]) => id).every((id) => id > 0)).toBe(true);
    const crashed = await rt.goWithRecover(failures.crash);
    expect(crashed.ok).toBe(false);
    await until(() => created.length === 3, 30_000, 'the replacement to boot');
    expect(exited).toHaveLength(1);
    const [deadIndex, code, deadThread] = exited[0];
    expect(code).toBe(7);
    expect(created.find(([, id]) => id === deadThread)?.[0]).toBe(deadIndex);
    expect(created[2][0]).toBe(deadIndex); // the replacement takes the dead one's place
    await rt.close();
    // close() waits for the workers to exit: each live one is heard of, with exit code 0.
    expect(exited).toHaveLength(3);
    expect(exited.slice(1).map(([index, exitCode]) => [index, exitCode]).sort()).toEqual([[0, 0], [1, 0]]);
  });

  it('idle once nothing is pending, after every result', async () => {
    const rt = createRuntime({ workers: 2 });
    const completedAtIdle: number[] = [];
    rt.on('idle', () => completedAtIdle.push(rt.stats().completed));
    const all = Array.from({ length: 50 }, (_, i) => rt.go((n: number) => n * 2, i));
    expect(await Promise.all(all)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    await until(() => completedAtIdle.length === 1, 30_000, 'idle');
    expect(completedAtIdle).toEqual([50]);
    await rt.close();
  });

  it('onIdle() resolves once nothing is pending, and at once when nothing is', async () => {
    const rt = createRuntime({ workers: 1 });
    await rt.onIdle();
    const gate = newGate();
    const held = rt.go(hold, gate, 5);
    let idle = false;
    const waiting = rt.onIdle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(idle).toBe(false);
    openGate(gate);
    await waiting;
    expect(await held).toBe(5);
    await rt.close();
  });

  it('drain once the tasks waiting behind a full ring have all gone in, none lost', async () => {
    const rt = createRuntime({ workers: 1, queueCapacity: 2 });
    let drains = 0;
    rt.on('drain', () => drains++);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => rt.go((n: number) => n + 1, i)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await until(() => drains >= 1, 30_000, 'drain');
    await rt.close();
  });

  it("'error' hears the unobserved failures of its runtime only, in place of the process-wide handler", async () => {
    const a = createRuntime({ workers: 1 });
    const b = createRuntime({ workers: 1 });
    const processWide: number[] = [];
    setErrorHandler((_, gid) => processWide.push(gid));
    const onA: [string, number][] = [];
    a.on('error', (error, gid) => onA.push([error.message, gid]));
    const failedA = a.go(failures.fail, 1);
    const failedB = b.go(failures.fail, 2);
    const observed = a.go(failures.fail, 3);
    await expect(observed).rejects.toThrow('sync 3');
    await until(() => a.stats().errors === 2 && b.stats().errors === 1, 30_000, 'both failures');
    await macrotask();
    expect(onA).toEqual([]); // not yet: the handles could still be awaited
    // A failure is reported once nobody can observe it any more: here, when its runtime closes.
    await Promise.all([a.close(), b.close()]);
    expect(onA).toEqual([['sync 1', failedA.gid]]);
    expect(processWide).toEqual([failedB.gid]);
  });

  it('setErrorHandler and setPanicHandler per runtime; a panic also goes to its panic listeners', async () => {
    const rt = createRuntime({ workers: 1 });
    const processWide: unknown[] = [];
    setPanicHandler((value) => processWide.push(value));
    setErrorHandler((error) => processWide.push(error));
    const errors: number[] = [];
    const panics: number[] = [];
    const heard: number[] = [];
    rt.setErrorHandler((_, gid) => errors.push(gid));
    rt.setPanicHandler((_, __, gid) => panics.push(gid));
    rt.on('panic', (_, __, gid) => heard.push(gid));
    const failed = rt.go(failures.reject, 1);
    const crashed = rt.go(failures.crash);
    await expect(crashed).rejects.toThrow();
    await until(() => panics.length === 1, 30_000, 'the panic handler called');
    expect(() => rt.setErrorHandler(42 as never)).toThrow(/takes a function/);
    await rt.close(); // the unobserved failure is reported now, when nobody can observe it any more
    expect(errors).toEqual([failed.gid]);
    expect(panics).toEqual([crashed.gid]);
    expect(heard).toEqual([crashed.gid]);
    expect(processWide).toEqual([]);
  });

  it('per-runtime hooks run for its own tasks only, once each, with the Result', async () => {
    const a = createRuntime({ workers: 1 });
    const b = createRuntime({ workers: 1 });
    const before: [number, number][] = [];
    const after = new Map<number, Result<unknown>>();
    const removeBefore = a.addBeforeRoutine((parentGid, gid) => before.push([parentGid, gid]));
    a.addAfterRoutine((gid, result) => {
      expect(after.has(gid)).toBe(false);
      after.set(gid, result);
    });
    const ok = a.go((n: number) => n + 1, 1);
    const bad = a.go(failures.fail, 2);
    const other = b.go((n: number) => n, 3);
    await Promise.all([ok, bad.result(), other]);
    await until(() => after.size === 2, 30_000, 'after hooks');
    expect(before).toEqual([[0, ok.gid], [0, bad.gid]]);
    expect(after.get(ok.gid)).toEqual({ ok: true, value: 2 });
    expect(after.get(bad.gid)).toMatchObject({ ok: false, error: { message: 'sync 2' } });
    expect(after.has(other.gid)).toBe(false);
    removeBefore();
    await a.go(() => 0);
    expect(before).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('pool events', () => {
  it("drain after the pool was full, idle when all settled, and its runtime's events", async () => {
    const pool = createPool({ name: 'events-pool', workers: 1, queue: 1 });
    const created: number[] = [];
    pool.on('workerCreate', (index) => created.push(index));
    let drains = 0;
    let idles = 0;
    pool.on('drain', () => drains++);
    pool.on('idle', () => idles++);
    const errors: string[] = [];
    pool.on('error', (error) => errors.push(error.message));
    await expect.poll(() => created, EVENTUALLY).toEqual([0]);
    const gate = newGate();
    const running = pool.submit(hold, gate, 1);
    const queued = pool.submit((n: number) => n, 2);
    expect(() => pool.submit((n: number) => n, 3)).toThrow(/is full/);
    const waited = pool.submitWait((n: number) => n, 4);
    expect(drains).toBe(0);
    openGate(gate);
    expect(await Promise.all([running, queued, waited])).toEqual([1, 2, 4]);
    await until(() => drains === 1 && idles >= 1, 30_000, 'drain and idle');
    const unobserved = pool.submit(failures.fail, 5); // nobody observes it: the pool's 'error' listener hears of it
    await until(() => pool.stats().failed === 1, 30_000, 'the failure');
    expect(errors).toEqual([]); // not yet: the handle could still be awaited
    await pool.close();
    expect(errors).toEqual(['sync 5']);
    expect(unobserved.gid).toBeGreaterThan(0);
  });
});
