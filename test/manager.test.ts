import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, createRuntime, errGoroutineStopped, tasks } from '@routine/runtime';

type Fixture = typeof import('./fixtures/long-lived.mjs');
const work = tasks<Fixture>(new URL('./fixtures/long-lived.mjs', import.meta.url));
const rt = createRuntime({ workers: 2 });
afterAll(() => rt.close());

async function rejection(promise: Promise<unknown>): Promise<AggregateError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: AggregateError) => error,
  );
}

describe('goroutine manager', () => {
  it('a failing background task cancels the foreground ones, and wait() reports that one error', async () => {
    const m = rt.createManager();
    const foreground = [m.foreground(work.waitForStop), m.foreground(work.waitForStop), m.foreground(work.waitForStop)];
    m.background(work.failAfter, 30, 'background broke');
    const error = await rejection(m.wait());
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0].message).toBe('background broke');
    expect(error.message).toMatch(/1 task\(s\) of the manager failed: background broke/);
    expect(m.signal.aborted).toBe(true);
    expect(m.signal.reason.message).toBe('background broke');
    // Every foreground task ended, cancelled: queued ones never started, running ones saw the signal.
    for (const task of foreground) {
      const result = await task.result();
      expect(result.ok).toBe(false);
      expect(result.ok === false && result.error).toBeInstanceOf(CancelledError);
    }
  });

  it('stopAll() cancels with errGoroutineStopped, which wait() does not report', async () => {
    const m = rt.createManager();
    m.foreground(work.waitForStop);
    m.foreground(work.waitForStop);
    m.background(work.waitForStop);
    await new Promise((resolve) => setTimeout(resolve, 20));
    m.stopAll();
    await expect(m.wait()).resolves.toBeUndefined();
    expect(m.signal.reason).toBe(errGoroutineStopped);
    expect(m.errGoroutineStopped).toBe(errGoroutineStopped);
  });

  it('wait() waits for foreground tasks only, and joins every failure', async () => {
    const m = rt.createManager();
    const ok = m.foreground((x: number) => x * 2, 21);
    m.background(work.waitForStop); // never ends on its own
    await expect(m.wait()).resolves.toBeUndefined();
    expect(await ok).toBe(42);
    m.stopAll();
  });

  it('panicCollector() folds errors from callbacks and finally blocks into the manager', async () => {
    const m = rt.createManager();
    const collect = m.panicCollector();
    const running = m.foreground(work.waitForStop);
    collect(); // nothing to report
    collect(undefined);
    setTimeout(() => {
      try {
        throw new TypeError('callback broke');
      } catch (error) {
        collect(error);
      }
    }, 5);
    const error = await rejection(m.wait());
    expect(error.errors.map((e: Error) => e.message)).toEqual(['callback broke']);
    expect((await running.result()).ok).toBe(false); // cancelled by that failure
  });

  it('several failures before the stop are all reported, in order', async () => {
    const m = rt.createManager();
    m.panicCollector()(new Error('first'));
    m.panicCollector()('second, not an Error');
    const error = await rejection(m.wait());
    expect(error.errors.map((e: Error) => e.message)).toEqual(['first', 'second, not an Error']);
  });

  it('a parent signal stops it; await using stops it and waits for background tasks too', async () => {
    const parent = new AbortController();
    const child = rt.createManager({ signal: parent.signal });
    child.foreground(work.waitForStop);
    parent.abort();
    await expect(child.wait()).resolves.toBeUndefined();

    let settled = false;
    {
      await using m = rt.createManager();
      void m.background(work.waitForStop).result().then(() => (settled = true));
    }
    await null; // the result's own reaction runs after the scope's wait
    expect(settled).toBe(true);

    const failing = async () => {
      await using m = rt.createManager();
      m.background(work.failAfter, 1, 'late failure');
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await expect(failing()).rejects.toMatchObject({ errors: [{ message: 'late failure' }] });
  });

  it('after a failure, the tasks it cancelled are not reported, and new ones never start', async () => {
    const runs = new Int32Array(new SharedArrayBuffer(4));
    const m = rt.createManager();
    m.foreground(work.failAfter, 10, 'first one broke');
    const beside = Array.from({ length: 20 }, () => m.foreground(work.waitForStop));
    const error = await rejection(m.wait());
    expect(error.errors.map((e: Error) => e.message)).toEqual(['first one broke']);
    for (const task of beside) expect((await task.result()).ok).toBe(false);
    const late = m.foreground(work.busy, runs, 1);
    const result = await late.result();
    expect(result.ok === false && result.error).toBeInstanceOf(CancelledError);
    expect(Atomics.load(runs, 0)).toBe(0);
    await expect(m.wait()).rejects.toMatchObject({ errors: [{ message: 'first one broke' }] });
  });
});
