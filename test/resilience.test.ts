import { afterAll, describe, expect, it } from 'vitest';
import {
  BrokenCircuitError, CancelledError, circuitBreakerState, configureCircuitBreaker, defaultRuntime, goMust,
  goWithCircuitBreaker, goWithRetry, setFatalHandler, tasks,
} from '@routine/runtime';

type Variants = typeof import('./fixtures/variants.mjs');
const work = tasks<Variants>(new URL('./fixtures/variants.mjs', import.meta.url));
afterAll(() => defaultRuntime().close());

const attempts = () => ({ counter: new Int32Array(new SharedArrayBuffer(4)), times: new Float64Array(new SharedArrayBuffer(8 * 16)) });
const gaps = (times: Float64Array, count: number) => Array.from({ length: count - 1 }, (_, i) => times[i + 2] - times[i + 1]);

describe('goWithRetry', () => {
  it('retries until success, waiting a fixed delay between attempts', async () => {
    const { counter, times } = attempts();
    await expect(goWithRetry(work.failUntil, { retries: 3, delayMs: 30 }, counter, times, 3)).resolves.toBe(3);
    expect(counter[0]).toBe(3);
    for (const gap of gaps(times, 3)) expect(gap).toBeGreaterThanOrEqual(25);
  });

  it('gives up after `retries` more attempts with the last error', async () => {
    const { counter, times } = attempts();
    await expect(goWithRetry(work.failUntil, { retries: 2, delayMs: 1 }, counter, times, 10)).rejects.toThrow('attempt 3 failed');
    expect(counter[0]).toBe(3);
  });

  it('doubles the delay with exponential backoff', async () => {
    const { counter, times } = attempts();
    await goWithRetry(work.failUntil, { retries: 3, delayMs: 25, backoff: 'exponential' }, counter, times, 4);
    const [first, second, third] = gaps(times, 4);
    expect(first).toBeGreaterThanOrEqual(20);
    expect(second).toBeGreaterThanOrEqual(45);
    expect(third).toBeGreaterThanOrEqual(95);
    expect(third).toBeGreaterThan(second);
  });

  it('stops retrying when its signal aborts', async () => {
    const { counter, times } = attempts();
    const controller = new AbortController();
    const retrying = goWithRetry(work.failUntil, { retries: 10, delayMs: 200, signal: controller.signal }, counter, times, 99);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort('enough');
    await expect(retrying).rejects.toBeInstanceOf(CancelledError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counter[0]).toBe(1);
  });

  it('refuses bad options', async () => {
    await expect(goWithRetry(work.double, { retries: -1, delayMs: 0 }, 1)).rejects.toThrow(/retries must be a whole number/);
  });
});

describe('goWithCircuitBreaker', () => {
  it('opens after its threshold of failures, refusing calls without running them, then half-opens after its delay', async () => {
    configureCircuitBreaker('flaky', { threshold: 3, halfOpenAfterMs: 150 });
    const { counter, times } = attempts();
    for (let i = 0; i < 3; i++) await expect(goWithCircuitBreaker('flaky', work.failUntil, counter, times, 100)).rejects.toThrow(/failed/);
    expect(circuitBreakerState('flaky')).toBe('open');
    const refused = await goWithCircuitBreaker('flaky', work.failUntil, counter, times, 100).then(() => undefined, (e) => e);
    expect(refused).toBeInstanceOf(BrokenCircuitError);
    expect(counter[0]).toBe(3); // the refused call never ran
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Half-open: one trial call goes through; it succeeds, so the circuit closes.
    await expect(goWithCircuitBreaker('flaky', work.double, 21)).resolves.toBe(42);
    expect(circuitBreakerState('flaky')).toBe('closed');
  });
});

describe('goMust', () => {
  it('on failure logs at fatal and calls the fatal handler once; on success does nothing', async () => {
    const fatal: [string, number][] = [];
    setFatalHandler((error, gid) => fatal.push([error.message, gid]));
    const ok = goMust(work.double, 2);
    await expect(ok).resolves.toBe(4);
    const failing = goMust(work.fail, 'cannot go on');
    await failing.result();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fatal).toEqual([['cannot go on', failing.gid]]);
    setFatalHandler(() => process.exit(1));
  });
});
