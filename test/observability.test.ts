import { describe, expect, it } from 'vitest';
import { clearCache, createRuntime, getCache, setCache, tasks } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Nested = typeof import('./fixtures/nested.mjs');
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));

describe('dump()', () => {
  it('lists every running task while both workers spin in while (true)', async () => {
    const rt = createRuntime({ workers: 2 });
    const spin = () => {
      for (;;);
    };
    const first = rt.goWith({ name: 'spinner-a' })(spin);
    const second = rt.goWith({ name: 'spinner-b' })(spin);
    await expect.poll(() => rt.dump().length, EVENTUALLY).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const running = rt.dump();
    expect(running.map((t) => t.gid).sort()).toEqual([first.gid, second.gid].sort());
    expect(running.map((t) => t.name).sort()).toEqual(['spinner-a', 'spinner-b']);
    expect(new Set(running.map((t) => t.worker)).size).toBe(2);
    for (const task of running) {
      expect(task.parentGid).toBe(0);
      expect(task.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(task.runningForMs).toBeGreaterThanOrEqual(50);
    }
    await rt.terminate();
  });

  it('is empty when nothing runs', async () => {
    const rt = createRuntime({ workers: 1 });
    await rt.go(() => 1);
    // A snapshot: for an instant after its result arrives a task may still be listed.
    await expect.poll(() => rt.dump(), EVENTUALLY).toEqual([]);
    await rt.close();
  });
});

describe('gid-local storage', () => {
  it('is isolated per task, even for async tasks interleaving on one worker, and gone when the task ends', async () => {
    const rt = createRuntime({ workers: 1 });
    const [a, b] = await Promise.all([rt.go(nested.remember, 'a', 30), rt.go(nested.remember, 'b', 10)]);
    expect(a).toEqual({ before: undefined, after: 'a' });
    expect(b).toEqual({ before: undefined, after: 'b' });
    // A later task on the same worker starts with nothing.
    await expect(rt.go(nested.remember, 'c', 1)).resolves.toEqual({ before: undefined, after: 'c' });
    await rt.close();
  });

  it('works on the main thread outside any task', () => {
    setCache('main', 1);
    expect(getCache('main')).toBe(1);
    clearCache();
    expect(getCache('main')).toBeUndefined();
  });
});
