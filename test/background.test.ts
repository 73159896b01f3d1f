import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createRuntime, getBackgroundWorkerStatus, InvalidArgumentError, startBackgroundWorker, stopAllBackgroundWorkers,
  stopBackgroundWorker, tasks,
} from '@routine/runtime';
import { until } from './support/until.js';

type Fixture = typeof import('./fixtures/long-lived.mjs');
const work = tasks<Fixture>(new URL('./fixtures/long-lived.mjs', import.meta.url));

afterEach(async () => {
  vi.useRealTimers();
  await stopAllBackgroundWorkers({ graceMs: 100 });
});

describe('background workers', () => {
  it('run on a thread of their own, beside a pool that stays free, and stop when asked', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(8));
    startBackgroundWorker('counter', work.untilStopped, { args: [counter] });
    expect(getBackgroundWorkerStatus('counter')).toMatchObject({ state: 'running', restarts: 0 });
    expect(getBackgroundWorkerStatus('counter').startedAt).toBeInstanceOf(Date);
    await until(() => Atomics.load(counter, 0) > 3);

    // A one-worker pool is not starved by it: its one worker is another thread.
    const rt = createRuntime({ workers: 1 });
    const poolThread = await rt.go(work.whereAmI);
    expect(poolThread).not.toBe(Atomics.load(counter, 1));
    await rt.close();

    await stopBackgroundWorker('counter');
    expect(getBackgroundWorkerStatus('counter').state).toBe('stopped');
    const after = Atomics.load(counter, 0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Atomics.load(counter, 0)).toBe(after); // really stopped
  });

  it('end a worker that ignores its signal once graceMs has passed', async () => {
    const started = new Int32Array(new SharedArrayBuffer(4));
    startBackgroundWorker('stubborn', work.spinForever, { args: [started] });
    await until(() => Atomics.load(started, 0) === 1);
    const start = performance.now();
    await stopBackgroundWorker('stubborn', { graceMs: 150 });
    const took = performance.now() - start;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(3000);
    expect(getBackgroundWorkerStatus('stubborn').state).toBe('stopped');
  });

  it("restart on failure with doubling backoff, up to maxRestarts, then are 'failed'", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const runs = new Int32Array(new SharedArrayBuffer(4));
    startBackgroundWorker('flaky', work.failNow, { args: [runs, 'flaky broke'], restart: 'on-failure', maxRestarts: 3, backoffMs: 1000 });
    const status = () => getBackgroundWorkerStatus('flaky');
    for (const [restarts, delay] of [[1, 1000], [2, 2000], [3, 4000]]) {
      await until(() => status().restarts === restarts, 10_000, `restart ${restarts}`);
      expect(status()).toMatchObject({ state: 'restarting', restarts, lastError: { message: 'flaky broke' } });
      expect(Atomics.load(runs, 0)).toBe(restarts);
      vi.advanceTimersByTime(delay - 1);
      expect(status().state).toBe('restarting'); // not a millisecond early
      vi.advanceTimersByTime(1);
      expect(status().state).toBe('running');
    }
    await until(() => status().state === 'failed', 10_000, 'the final failure');
    expect(status()).toMatchObject({ state: 'failed', restarts: 3, lastError: { message: 'flaky broke' } });
    expect(Atomics.load(runs, 0)).toBe(4);
  });

  it("with restart 'never', a failure leaves them failed; a clean return leaves them stopped", async () => {
    const runs = new Int32Array(new SharedArrayBuffer(4));
    startBackgroundWorker('once-failing', work.failNow, { args: [runs, 'gave up'] });
    await until(() => getBackgroundWorkerStatus('once-failing').state === 'failed');
    expect(getBackgroundWorkerStatus('once-failing')).toMatchObject({ restarts: 0, lastError: { message: 'gave up' } });
    startBackgroundWorker('returns', () => 'done');
    await until(() => getBackgroundWorkerStatus('returns').state === 'stopped');
  });

  it('refuse a duplicate name while running, and bad input, with the reason', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(8));
    startBackgroundWorker('dup', work.untilStopped, { args: [counter] });
    expect(() => startBackgroundWorker('dup', work.untilStopped, { args: [counter] })).toThrow(/already running/);
    expect(() => startBackgroundWorker('', work.untilStopped)).toThrow(InvalidArgumentError);
    expect(() => startBackgroundWorker('x', 'nope' as never)).toThrow(/needs a task function/);
    expect(() => startBackgroundWorker('x', work.untilStopped, { restart: 'always' as never })).toThrow(/'never' or 'on-failure'/);
    expect(() => getBackgroundWorkerStatus('nobody')).toThrow(/no background worker named 'nobody'/);
    await expect(stopBackgroundWorker('nobody')).rejects.toThrow(InvalidArgumentError);
    await stopAllBackgroundWorkers();
    expect(getBackgroundWorkerStatus('dup').state).toBe('stopped');
    // Stopped, the name is free again.
    startBackgroundWorker('dup', work.untilStopped, { args: [counter] });
    expect(getBackgroundWorkerStatus('dup').state).toBe('running');
  });
});
