import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearDelay, delay, MAX_TIMER_MS } from './delay.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('delay()', () => {
  it('a delay longer than one timer fires once, after all of it, as a chain of timers', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    delay(55, (what: string) => fired.push(what), 'done', 10);
    vi.advanceTimersByTime(54);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['done']);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['done']);
  });

  it('a delay past setTimeout\'s range does not fire early (setTimeout alone fires it after 1 ms)', () => {
    vi.useFakeTimers();
    let fired = 0;
    delay(MAX_TIMER_MS + 1, () => fired++);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });

  it('clearDelay stops a chain midway, and a short delay is a plain Timeout', () => {
    vi.useFakeTimers();
    let fired = 0;
    const chained = delay(50, () => fired++, undefined, 10);
    vi.advanceTimersByTime(25);
    clearDelay(chained);
    vi.advanceTimersByTime(100);
    expect(fired).toBe(0);
    const plain = delay(5, () => fired++);
    clearDelay(plain);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(0);
  });

  it('unref() carries over to every timer of the chain', () => {
    vi.useFakeTimers();
    const chained = delay(50, () => {}, undefined, 10).unref();
    expect(chained.hasRef()).toBe(false);
    vi.advanceTimersByTime(20);
    expect(chained.hasRef()).toBe(false);
    clearDelay(chained);
  });

  it('fires on real timers too', async () => {
    const fired = await new Promise<string>((resolve) => delay(30, resolve, 'real', 7));
    expect(fired).toBe('real');
  });
});
