import { describe, expect, it } from 'vitest';
import { createRuntime, sleep, tasks } from '@routine/runtime';

const work = tasks<typeof import('./fixtures/nested.mjs')>(new URL('./fixtures/nested.mjs', import.meta.url));

/** Past setTimeout's range (2^31 - 1 ms), where a plain setTimeout fires after 1 ms. */
const PAST_RANGE = 2 ** 31;

/** Resolves to 'fired' if `promise` settles before a 200 ms timer, 'pending' otherwise. */
function settlesBefore200ms(promise: Promise<unknown>): Promise<'fired' | 'pending'> {
  return Promise.race([promise.then(() => 'fired' as const, () => 'fired' as const), sleep(200).then(() => 'pending' as const)]);
}

describe('delays past setTimeout\'s range work', () => {
  it('timeout(2^31) lets a task run to its end, on the main thread and inside a task', async () => {
    const runtime = createRuntime({ workers: 2 });
    try {
      const slow = runtime.timeout(PAST_RANGE, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 'finished';
      });
      // The deadline watch that stops a task for real must not have fired either: the worker lives.
      await expect(slow).resolves.toBe('finished');
      const nested = runtime.go(work.waitWithTimeout, PAST_RANGE, 300);
      await expect(nested).resolves.toBe('nested finished');
      expect(runtime.stats().timeouts).toBe(0);
      expect(runtime.stats().panics).toBe(0);
    } finally {
      await runtime.close();
    }
  });

  it('group.waitTimeout(2^31) waits for the members', async () => {
    const runtime = createRuntime({ workers: 1 });
    try {
      const g = runtime.group();
      const member = g.go(async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 'member';
      });
      await g.waitTimeout(PAST_RANGE);
      await expect(member).resolves.toBe('member');
    } finally {
      await runtime.close();
    }
  });

  it('sleep(2^31) and close({ graceMs: 2^31 }) do not fire early', async () => {
    expect(await settlesBefore200ms(sleep(PAST_RANGE))).toBe('pending');
    const runtime = createRuntime({ workers: 1 });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const task = runtime.go((shared: Int32Array) => {
      while (Atomics.load(shared, 0) === 0);
      return 'released';
    }, flag);
    const closing = runtime.close({ graceMs: PAST_RANGE });
    expect(await settlesBefore200ms(closing)).toBe('pending');
    Atomics.store(flag, 0, 1);
    await expect(task).resolves.toBe('released');
    await closing;
  });

  it('scheduler once(2^31) does not run early', async () => {
    const runtime = createRuntime({ workers: 1 });
    const scheduler = runtime.createScheduler();
    try {
      scheduler.once('far', PAST_RANGE, () => 'ran').start();
      await sleep(200);
      expect(scheduler.status('far')?.runs).toBe(0);
      expect(scheduler.status('far')?.nextRun).toBeInstanceOf(Date);
    } finally {
      await scheduler.stop();
      await runtime.close();
    }
  });
});
