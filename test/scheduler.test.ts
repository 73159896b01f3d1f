import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, InvalidArgumentError } from '@routine/runtime';
import { until } from './support/until.js';

const rt = createRuntime({ workers: 2 });
afterAll(() => rt.close());
afterEach(() => vi.useRealTimers());

/** Fake setTimeout and Date from `iso`; the jobs themselves run on real workers in real time. */
function fakeClock(iso: string): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(new Date(iso));
}

/** A job that keeps its worker busy for 300 ms of real time. */
const slowJob = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);

describe('scheduler', () => {
  it('every: runs at a fixed rate on the pool, with runs, last run and next run in its status', async () => {
    fakeClock('2026-01-01T00:00:00Z');
    const scheduler = rt.createScheduler().every('tick', 1000, () => 'tick');
    expect(scheduler.status('tick')).toMatchObject({ kind: 'every', runs: 0, running: false });
    expect(scheduler.status('tick').nextRun).toBeUndefined(); // not started
    scheduler.start();
    expect(scheduler.status('tick').nextRun).toEqual(new Date('2026-01-01T00:00:01Z'));
    vi.advanceTimersByTime(999);
    expect(scheduler.status('tick').runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(scheduler.status('tick')).toMatchObject({
      runs: 1,
      lastRun: new Date('2026-01-01T00:00:01Z'),
      nextRun: new Date('2026-01-01T00:00:02Z'),
    });
    for (let i = 0; i < 3; i++) {
      await until(() => !scheduler.status('tick').running);
      vi.advanceTimersByTime(1000);
    }
    expect(scheduler.status('tick')).toMatchObject({ runs: 4, skips: 0, failures: 0 });
    await scheduler.stop();
    expect(scheduler.status('tick')).toMatchObject({ running: false, runs: 4 });
    expect(scheduler.status('tick').nextRun).toBeUndefined();
  });

  it('never overlaps a job with itself: a run still going when it is due again is skipped and counted', async () => {
    fakeClock('2026-01-01T00:00:00Z');
    const scheduler = rt.createScheduler().every('slow', 100, slowJob).start();
    vi.advanceTimersByTime(100);
    expect(scheduler.status('slow')).toMatchObject({ runs: 1, running: true });
    vi.advanceTimersByTime(100); // due again: still running
    vi.advanceTimersByTime(100); // and again
    expect(scheduler.status('slow')).toMatchObject({ runs: 1, skips: 2 });
    await until(() => !scheduler.status('slow').running);
    vi.advanceTimersByTime(100);
    expect(scheduler.status('slow')).toMatchObject({ runs: 2, skips: 2 });
    await scheduler.stop();
    expect(scheduler.status('slow').running).toBe(false); // stop() waited for the run
  });

  it('cron: fires at the right instants in a non-UTC zone, across a daylight-saving change', async () => {
    // New York moves from EST (UTC-5) to EDT (UTC-4) on Sunday 8 March 2026.
    fakeClock('2026-03-07T12:00:00Z');
    const scheduler = rt.createScheduler().cron('nine-am', '0 9 * * *', () => 'report', { tz: 'America/New_York' }).start();
    const expected = ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'];
    const fired: string[] = [];
    for (const instant of expected) {
      expect(scheduler.status('nine-am').nextRun?.toISOString()).toBe(instant);
      vi.advanceTimersByTime(new Date(instant).getTime() - Date.now() - 1);
      expect(scheduler.status('nine-am').runs).toBe(fired.length); // not a millisecond early
      vi.advanceTimersByTime(1);
      expect(scheduler.status('nine-am').runs).toBe(fired.length + 1);
      fired.push(scheduler.status('nine-am').lastRun!.toISOString());
      await until(() => !scheduler.status('nine-am').running);
    }
    expect(fired).toEqual(expected);
    await scheduler.stop();
  });

  it('once: runs a single time after its delay', async () => {
    fakeClock('2026-01-01T00:00:00Z');
    const scheduler = rt.createScheduler().start().once('later', 5000, () => 1);
    vi.advanceTimersByTime(4999);
    expect(scheduler.status('later').runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(scheduler.status('later').runs).toBe(1);
    expect(scheduler.status('later').nextRun).toBeUndefined();
    await until(() => !scheduler.status('later').running);
    vi.advanceTimersByTime(60_000);
    expect(scheduler.status('later').runs).toBe(1);
    await scheduler.stop();
  });

  it('counts failures, keeps the last error, and hands each to onError', async () => {
    fakeClock('2026-01-01T00:00:00Z');
    const errors: [string, string][] = [];
    const scheduler = rt.createScheduler({ onError: (error, job) => errors.push([job, error.message]) });
    scheduler.every('broken', 1000, () => {
      throw new Error('job broke');
    });
    scheduler.start();
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1000);
      await until(() => !scheduler.status('broken').running);
    }
    expect(scheduler.status('broken')).toMatchObject({ runs: 3, failures: 3, lastError: { message: 'job broke' } });
    expect(errors).toEqual([['broken', 'job broke'], ['broken', 'job broke'], ['broken', 'job broke']]);
    await scheduler.stop();
  });

  it('refuses bad input, saying what was wrong', () => {
    const scheduler = rt.createScheduler();
    scheduler.every('a', 10, () => 1);
    expect(() => scheduler.every('a', 10, () => 1)).toThrow(/already has a job named 'a'/);
    expect(() => scheduler.every('b', 0, () => 1)).toThrow(/> 0/);
    expect(() => scheduler.once('c', -1, () => 1)).toThrow(InvalidArgumentError);
    expect(() => scheduler.cron('d', 'not a cron', () => 1)).toThrow(/not a valid cron expression/);
    expect(() => scheduler.cron('e', '0 9 * * *', () => 1, { tz: 'Mars/Olympus_Mons' })).toThrow(InvalidArgumentError);
    const captured = 5;
    expect(() => scheduler.every('f', 10, () => captured)).toThrow(/captures "captured"/);
    expect(() => scheduler.status('nope')).toThrow(/no job named 'nope'/);
  });
});
