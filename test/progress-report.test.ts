import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRuntime, current, InvalidArgumentError, tasks } from '@routine/runtime';
import { until } from './support/until.js';

const execFileAsync = promisify(execFile);

type Progress = typeof import('./fixtures/progress.mjs');
const progress = tasks<Progress>(new URL('./fixtures/progress.mjs', import.meta.url));

describe('task progress', () => {
  it('reaches the handle as an async iterator, in order, ending once the task has settled', async () => {
    const rt = createRuntime({ workers: 1 });
    const task = rt.go(progress.steps, 5, 1);
    const seen: unknown[] = [];
    for await (const value of task.progress()) seen.push(value);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((done) => ({ done, of: 5 })));
    expect(await task).toBe('finished');
    await rt.close();
  });

  it('reaches onProgress listeners from synchronous tasks, group members included', async () => {
    const rt = createRuntime({ workers: 2 });
    const g = rt.group({ limit: 1 });
    const first = g.go(progress.syncSteps, 3, 1);
    const second = g.go(progress.syncSteps, 2, 10); // waits in the group for its place
    const a: unknown[] = [];
    const b: unknown[] = [];
    first.onProgress((v) => a.push(v));
    const removeB = second.onProgress((v) => b.push(v));
    await g.wait();
    await until(() => a.length === 3 && b.length === 2, 30_000, 'the progress values');
    expect(a).toEqual([0, 1, 2]);
    expect(b).toEqual([0, 10]);
    expect(typeof removeB).toBe('function');
    await rt.close();
  });

  it('keeps the values reported before anyone listened, for the first listener, even after the task settled', async () => {
    const rt = createRuntime({ workers: 1 });
    try {
      const task = rt.go(progress.syncSteps, 4, 2);
      expect(await task).toBe(4);
      const seen: unknown[] = [];
      for await (const value of task.progress()) seen.push(value);
      expect(seen).toEqual([0, 2, 4, 6]);
      // They went to that first listener: a second one has nothing left to hear.
      const later: unknown[] = [];
      task.onProgress((value) => later.push(value));
      expect(later).toEqual([]);
      // Past the bound, the latest are kept. A second task's value, heard on the same worker's
      // port, comes after all of the first one's: then they have all arrived, unheard.
      const many = rt.go(progress.syncSteps, 1100, 1);
      await many;
      const marker = rt.go(progress.syncSteps, 1, 1);
      for await (const value of marker.progress()) expect(value).toBe(0);
      const kept: unknown[] = [];
      for await (const value of many.progress()) kept.push(value);
      expect(kept).toEqual(Array.from({ length: 1024 }, (_, i) => i + 76));
    } finally {
      await rt.close();
    }
  });

  it('ends an iterator right after the last value, though the result comes first, losing none', async () => {
    const rt = createRuntime({ workers: 2 });
    try {
      const runs = Array.from({ length: 20 }, (_, i) => {
        const task = rt.go(progress.syncSteps, 50 + i, 1);
        return (async () => {
          const seen: unknown[] = [];
          for await (const value of task.progress()) seen.push(value);
          expect(seen).toEqual(Array.from({ length: 50 + i }, (_, k) => k));
        })();
      });
      await Promise.all(runs);
    } finally {
      await rt.close();
    }
  });

  it("reaches the handle of a nested task inside the worker that started it", async () => {
    const rt = createRuntime({ workers: 2 });
    try {
      expect(await rt.go(progress.collectNested, 30)).toEqual({ seen: Array.from({ length: 30 }, (_, i) => i), result: 30 });
    } finally {
      await rt.close();
    }
  });

  it('passes on the progress of a group member that started after its listener came, and ends that of one cancelled while waiting', async () => {
    const rt = createRuntime({ workers: 1 });
    try {
      const g = rt.group({ limit: 1 });
      void g.go(progress.reportThenWait, 30);
      const late = g.go(progress.syncSteps, 3, 1); // waits for its place
      const seen: unknown[] = [];
      for await (const value of late.progress()) seen.push(value);
      expect(seen).toEqual([0, 1, 2]);
      await g.wait();
      const other = rt.group({ limit: 1 });
      const blocker = other.go(progress.reportThenWait, 30);
      const waiting = other.go(progress.syncSteps, 3, 1);
      const values = waiting.progress();
      waiting.cancel();
      expect(await values.next()).toEqual({ done: true, value: undefined });
      await blocker.result();
    } finally {
      await rt.close();
    }
  });

  it('ends the progress of a task that timed out while it ran on, and of group members looked at just as their task settled', async () => {
    const rt = createRuntime({ workers: 2 });
    const ended = async (values: AsyncIterator<unknown>): Promise<unknown[]> => {
      const seen: unknown[] = [];
      const deadline = Date.now() + 10_000;
      for (;;) {
        const next = await Promise.race([values.next(), new Promise<'hung'>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()), 'hung'))]);
        if (next === 'hung') throw new Error('the progress iterator did not end within 10 s');
        if (next.done) return seen;
        seen.push(next.value);
      }
    };
    try {
      // Settled by its deadline while it goes on reporting until its worker is stopped.
      const late = rt.timeout(40, progress.busyReport, 300);
      expect((await late.result()).ok).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await ended(late.progress());
      // A member asked for its progress between its task's settling and its own.
      for (let i = 0; i < 20; i++) {
        const g = rt.group({ limit: 2 });
        const before = rt.go(progress.quiet, 20);
        const member = g.go(progress.quiet, 20);
        const looked = before.then(() => ended(member.progress()));
        expect(await looked).toEqual([]);
        await g.wait();
      }
    } finally {
      await rt.close();
    }
  });

  it('keeps the process alive for the last values, which may come after the result', async () => {
    const script = new URL('./fixtures/progress-exit.mjs', import.meta.url).pathname;
    for (let run = 0; run < 3; run++) {
      const { stdout } = await execFileAsync(process.execPath, [script], { timeout: 30_000 });
      expect(stdout.trim()).toBe('seen 3000');
    }
  });

  it('says what is wrong outside a task, and for a value that cannot be sent', async () => {
    expect(() => current().progress(1)).toThrow(InvalidArgumentError);
    expect(() => current().progress(1)).toThrow(/inside a task function/);
    const rt = createRuntime({ workers: 1 });
    const failed = await rt.goWithRecover(progress.reportFunction);
    expect(failed.ok).toBe(false);
    expect((failed as { error: Error }).error).toMatchObject({ name: 'SerializationError', message: expect.stringContaining('progress value cannot be sent') });
    await rt.close();
  });
});
