import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addAfterRoutine, createRuntime, setErrorHandler, setPanicHandler, tasks, InvalidArgumentError, WorkerCrashError,
  type Result, type Task,
} from '@routine/runtime';
import { seeded } from './support/random.js';

type Failures = typeof import('./fixtures/failures.mjs');
const failures = tasks<Failures>(new URL('./fixtures/failures.mjs', import.meta.url));
type WorkerHooks = typeof import('./fixtures/worker-hooks.mjs');
const hooked = tasks<WorkerHooks>(new URL('./fixtures/worker-hooks.mjs', import.meta.url));

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  setErrorHandler(undefined);
  setPanicHandler(undefined);
});

describe('error and panic handlers', () => {
  it('are each called exactly once per failure under 10,000 mixed tasks', async () => {
    const rt = createRuntime({ workers: 2 });
    const outcomes = new Map<number, Result<unknown>>();
    const removeHook = addAfterRoutine((gid, result) => {
      expect(outcomes.has(gid)).toBe(false);
      outcomes.set(gid, result);
    });
    const errorCalls: { gid: number; error: Error }[] = [];
    const panicCalls: { gid: number; value: unknown; stack: string }[] = [];
    setErrorHandler((error, gid) => errorCalls.push({ gid, error }));
    setPanicHandler((value, stack, gid) => panicCalls.push({ gid, value, stack }));

    const observed = new Set<number>();
    const random = seeded(7);
    const kinds = Array.from({ length: 10_000 }, () => Math.floor(random() * 100));
    const started: Task<unknown>[] = [];
    for (const [i, roll] of kinds.entries()) {
      let task: Task<unknown>;
      if (roll < 30) task = rt.go(failures.fail, i);
      else if (roll < 60) task = rt.go(failures.reject, i);
      else if (roll < 70) task = rt.timeout(1, failures.ok, i); // some expire while queued
      else task = rt.go(failures.ok, i);
      // A third of the tasks are awaited: their failures are the caller's, not the handler's.
      if (i % 3 === 0) {
        observed.add(task.gid);
        void task.result();
      }
      started.push(task);
      if (i % 2_000 === 1_000) started.push(rt.go(failures.crash));
    }
    await rt.close();
    await macrotask();
    await macrotask();
    removeHook();

    expect(outcomes.size).toBe(started.length);
    const wantErrors = new Set<number>();
    const wantPanics = new Set<number>();
    for (const [gid, result] of outcomes) {
      if (result.ok) continue;
      if (result.error instanceof WorkerCrashError) wantPanics.add(gid);
      else if (!observed.has(gid)) wantErrors.add(gid);
    }
    expect(wantErrors.size).toBeGreaterThan(3_000);
    expect(wantPanics.size).toBeGreaterThanOrEqual(5);
    const errorGids = errorCalls.map((call) => call.gid);
    expect(errorGids.length).toBe(new Set(errorGids).size);
    expect(new Set(errorGids)).toEqual(wantErrors);
    const panicGids = panicCalls.map((call) => call.gid);
    expect(panicGids.length).toBe(new Set(panicGids).size);
    expect(new Set(panicGids)).toEqual(wantPanics);
    for (const call of errorCalls) expect((call.error as Error & { gid?: number }).gid).toBe(call.gid);
    for (const call of panicCalls) {
      expect(call.value).toBe(7); // process.exit(7): the exit code, no stack
      expect(call.stack).toBe('');
    }
  });

  it('a handler that throws is logged and does not stop the next call', async () => {
    const logged: string[] = [];
    const logger = pino(new Writable({ write: (chunk, _encoding, done) => done(void logged.push(String(chunk))) }));
    const rt = createRuntime({ workers: 1, logger });
    let calls = 0;
    setErrorHandler(() => {
      calls++;
      throw new Error('handler bug');
    });
    rt.go(failures.fail, 1);
    rt.go(failures.fail, 2);
    await rt.close();
    await macrotask();
    expect(calls).toBe(2);
    expect(logged).toHaveLength(2);
    for (const line of logged) expect(JSON.parse(line)).toMatchObject({ msg: expect.stringMatching(/error handler threw/), err: { message: 'handler bug' } });
  });

  it('take only a function or undefined', () => {
    expect(() => setErrorHandler('log' as never)).toThrow(InvalidArgumentError);
    expect(() => setPanicHandler(42 as never)).toThrow(/takes a function/);
  });
});

describe('worker-side hooks (workerSetup)', () => {
  it('run on the worker around each task it runs, inside the task, sync and async, ok and failed', async () => {
    const rt = createRuntime({ workers: 1, workerSetup: new URL('./fixtures/worker-hooks.mjs', import.meta.url) });
    await rt.go(hooked.report); // starts clean
    const doubled = rt.go(hooked.double, 21);
    const later = rt.go(hooked.later, 'late');
    const failed = rt.go(hooked.fail);
    const failure = expect(failed).rejects.toThrow('hooked failure');
    expect(await doubled).toEqual({ value: 42, stamp: `before ${doubled.gid}` });
    expect(await later).toBe('late');
    await failure;
    const { events } = await rt.go(hooked.report);
    const of = (gid: number) => events.filter((event) => event.gid === gid);
    expect(of(doubled.gid)).toEqual([
      { hook: 'before', gid: doubled.gid, parentGid: 0, inside: doubled.gid },
      { hook: 'after', gid: doubled.gid, ok: true, outcome: { value: 42, stamp: `before ${doubled.gid}` }, inside: doubled.gid },
    ]);
    expect(of(later.gid).map((event) => event.hook)).toEqual(['before', 'after']);
    expect(of(later.gid)[1]).toMatchObject({ ok: true, outcome: 'late', inside: later.gid });
    expect(of(failed.gid)[1]).toMatchObject({ hook: 'after', ok: false, outcome: 'hooked failure' });
    await rt.close();
  });

  it('a worker-side error handler sees the unobserved failures of tasks started on that worker', async () => {
    const rt = createRuntime({ workers: 1, workerSetup: new URL('./fixtures/worker-hooks.mjs', import.meta.url) });
    const abandonedGid = await rt.go(hooked.abandon);
    let report = await rt.go(hooked.report);
    for (let tries = 0; report.unobserved.length === 0 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      report = await rt.go(hooked.report);
    }
    expect(report.unobserved).toEqual([{ gid: abandonedGid, message: 'hooked failure' }]);
    await rt.close();
  });
});
