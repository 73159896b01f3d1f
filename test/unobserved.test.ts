import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createRuntime, type Task } from '@routine/runtime';
import { capturingLogger } from './support/capturing-logger.js';
import { EVENTUALLY } from './support/until.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const macrotask = () => new Promise((resolve) => setImmediate(resolve));
const fail = (message: string) => {
  throw new Error(message);
};

describe('failures nobody observes', () => {
  it('are logged with gid, trace id and stack once the handle is collected, counted, and never become unhandled rejections', async () => {
    const { logger, lines } = capturingLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const rt = createRuntime({ workers: 1, logger });
    let ignored: Task<never> | undefined = rt.go(() => {
      throw new Error('nobody listens');
    });
    const gid = ignored.gid;
    await expect.poll(() => rt.stats().errors, EVENTUALLY).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Still reachable, it may still be awaited: nothing is logged yet.
    expect(lines).toEqual([]);
    ignored = undefined;
    await expect.poll(() => (gc(), lines.length), EVENTUALLY).toBe(1);
    expect(lines[0]).toMatchObject({ gid, level: 50, msg: expect.stringMatching(/nobody awaited/) });
    expect(lines[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    expect((lines[0].err as { stack: string }).stack).toContain('nobody listens');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    process.off('unhandledRejection', onUnhandled);
    await rt.close();
    expect(lines).toHaveLength(1);
  });

  it('still unobserved when the runtime closes, a failure is logged then, once', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 1, logger });
    const kept = [rt.go(fail, 'kept but never awaited'), rt.go(fail, 'this one too')];
    await expect.poll(() => rt.stats().errors, EVENTUALLY).toBe(2);
    expect(lines).toEqual([]);
    await rt.close();
    expect(lines.map((line) => (line.err as { message: string }).message).sort()).toEqual(['kept but never awaited', 'this one too']);
    expect(lines.map((line) => line.gid).sort()).toEqual(kept.map((task) => task.gid).sort());
  });

  it('awaited later, after other work, a failure is not logged', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 2, logger });
    const task = rt.go(fail, 'seen later');
    await expect.poll(() => rt.stats().errors, EVENTUALLY).toBe(1);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await rt.go((n: number) => n + 1, 1);
    await expect(task).rejects.toThrow('seen later');
    gc();
    await macrotask();
    await rt.close();
    expect(lines).toEqual([]);
  });

  it('awaited one by one in a loop while later ones have failed, no failure is logged', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 2, logger });
    const slowThenOk = async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    };
    const tasks: Task<number>[] = [rt.go(slowThenOk, 100)];
    for (let i = 0; i < 50; i++) tasks.push(i % 2 === 0 ? rt.go(fail, `failed ${i}`) : rt.go((n: number) => n, i));
    const seen: string[] = [];
    for (const task of tasks) {
      try {
        await task;
      } catch (error) {
        seen.push((error as Error).message);
      }
    }
    expect(seen).toHaveLength(25);
    tasks.length = 0;
    gc();
    await macrotask();
    await rt.close();
    expect(lines).toEqual([]);
    expect(rt.stats().errors).toBe(25);
  });

  it('inside a task: a nested failure awaited later is not logged; one abandoned is, once its worker has nothing left to run', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 1, logger });
    const seen = await rt.go(async () => {
      const { go } = await import('@routine/runtime');
      const later = go(() => {
        throw new Error('awaited later');
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      await go((n: number) => n, 1);
      try {
        await later;
        return 'no failure';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(seen).toBe('awaited later');
    const abandoned = await rt.go(async () => {
      const { go } = await import('@routine/runtime');
      return go(() => {
        throw new Error('abandoned');
      }).gid;
    });
    await expect.poll(() => lines.length, EVENTUALLY).toBe(1);
    expect(lines[0]).toMatchObject({ gid: abandoned, worker: 0, msg: expect.stringMatching(/nobody awaited/) });
    await rt.close();
    expect(lines).toHaveLength(1);
  });

  it('awaited, caught or read through result(), a failure is not logged', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 2, logger });
    const fail = () => {
      throw new Error('seen');
    };
    await rt.go(fail).then(undefined, () => undefined);
    await rt.go(fail).result();
    try {
      await rt.go(fail);
    } catch {
      // observed
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toEqual([]);
    await rt.close();
  });
});
