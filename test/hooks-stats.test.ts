import { afterAll, describe, expect, it } from 'vitest';
import {
  addAfterRoutine, addBeforeRoutine, createRuntime, removeAfterRoutine, removeBeforeRoutine, tasks, type Result,
} from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Crash = typeof import('./fixtures/crash.mjs');
const crash = tasks<Crash>(new URL('./fixtures/crash.mjs', import.meta.url));
const runtime = createRuntime({ workers: 2 });
afterAll(() => runtime.close());

describe('before/after routine hooks', () => {
  it('before runs at launch with (parentGid, gid); after runs once at settle with the result', async () => {
    const events: string[] = [];
    const removeBefore = addBeforeRoutine((parentGid, gid) => events.push(`before ${parentGid} ${gid}`));
    const removeAfter = addAfterRoutine((gid, result) => events.push(`after ${gid} ${result.ok ? result.value : result.error.message}`));
    const ok = runtime.go((n: number) => n * 2, 21);
    expect(events).toEqual([`before 0 ${ok.gid}`]);
    await ok;
    const failed = runtime.go(() => {
      throw new Error('nope');
    });
    await failed.result();
    removeBefore();
    removeAfter();
    await runtime.go(() => 'unseen');
    expect(events).toEqual([`before 0 ${ok.gid}`, `after ${ok.gid} 42`, `before 0 ${failed.gid}`, `after ${failed.gid} nope`]);
  });

  it('removeBeforeRoutine/removeAfterRoutine remove by function; a throwing hook is skipped, not fatal', async () => {
    const seen: number[] = [];
    const before = () => {
      throw new Error('hook bug');
    };
    const after = (gid: number, result: Result<unknown>) => {
      if (result.ok) seen.push(gid);
    };
    addBeforeRoutine(before);
    addAfterRoutine(after);
    const task = runtime.go(() => 1);
    await expect(task).resolves.toBe(1);
    removeBeforeRoutine(before);
    removeAfterRoutine(after);
    await runtime.go(() => 2);
    expect(seen).toEqual([task.gid]);
  });
});

describe('stats counters in shared memory', () => {
  it('counts launched, completed, errors, panics, and derives active and queued', async () => {
    const rt = createRuntime({ workers: 2 });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const held = [1, 2].map(() =>
      rt.go((g: Int32Array) => {
        Atomics.wait(g, 0, 0); // parked until the test opens the gate
        return 'released';
      }, gate),
    );
    const waiting = Array.from({ length: 5 }, (_, i) => rt.go((n: number) => n, i));
    // Both workers are now blocked on the gate: two active, five queued.
    await expect.poll(() => rt.stats().active, EVENTUALLY).toBe(2);
    let stats = rt.stats();
    expect(stats.launched).toBe(7);
    expect(stats.queued).toBe(5);
    expect(stats.workers.map((w) => w.busy)).toEqual([1, 1]);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await Promise.all([...held, ...waiting]);
    await rt.go(() => {
      throw new Error('x');
    }).result();
    await rt.go(crash.exitNow, 1).result();
    stats = rt.stats();
    expect(stats).toMatchObject({ launched: 9, started: 9, completed: 7, errors: 1, panics: 1, active: 0, queued: 0 });
    expect(stats.workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(9);
    await rt.close();
  });

  it('counts nested tasks launched inside workers too', async () => {
    const rt = createRuntime({ workers: 2 });
    const nested = tasks<typeof import('./fixtures/nested.mjs')>(new URL('./fixtures/nested.mjs', import.meta.url));
    await rt.go(nested.fanOut, 10);
    await expect.poll(() => rt.stats().completed, EVENTUALLY).toBe(11);
    expect(rt.stats().launched).toBe(11);
    await rt.close();
  });
});
