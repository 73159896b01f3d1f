import { describe, expect, it } from 'vitest';
import { createRuntime, current, InvalidArgumentError, tasks } from '@routine/runtime';
import { until } from './support/until.js';

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
