import { describe, expect, it } from 'vitest';
import { after, chan, createRuntime, merge, recv, select, tasks, ticker } from '@routine/runtime';

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('after, ticker, merge', () => {
  it('after(ms) delivers one value, the time, no sooner than ms', async () => {
    const started = Date.now();
    const timer = after(40);
    expect(timer.length).toBe(0);
    const { value, ok } = await timer.recv();
    expect(ok).toBe(true);
    expect(value).toBeGreaterThanOrEqual(started + 40);
    // Only one value: afterwards it is never ready again (and never closed), as in Go.
    expect(await select([timer], { default: () => 'none' })).toEqual({ index: -1, value: 'none' });
  });

  it('after(ms) fires for a worker blocked in synchronous code, whose own timers cannot run', async () => {
    const rt = createRuntime({ workers: 1 });
    const started = Date.now();
    const [tick] = await rt.go((t: ReturnType<typeof after>) => [t.recvSync().value], after(50));
    expect(tick).toBeGreaterThanOrEqual(started + 50);
    await rt.close();
  });

  it('a ticker ticks once per period and drops the ticks a slow reader missed', async () => {
    const t = ticker(20);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await t.recv();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    await sleep(150); // seven periods unread
    expect((await select([t], { default: () => 'none' })).index).toBe(0);
    // The missed ticks were dropped, not queued.
    expect((await select([t], { default: () => 'none' })).index).toBe(-1);
    t.stop();
    await sleep(50);
    expect((await select([t], { default: () => 'none' })).index).toBe(-1);
    expect(t.closed).toBe(false);
  });

  it('timer channels are receive-only', async () => {
    await expect(after(1).send(1)).rejects.toThrow(/receive-only/);
    expect(() => ticker(5).close()).toThrow(/stop\(\)/);
    expect(() => ticker(0)).toThrow(/ticker\(ms\)/);
  });

  it('merge fans in several channels, fed by workers, and closes when all are closed', async () => {
    const rt = createRuntime({ workers: 3 });
    const inputs = [chan<number>(2), chan<number>(0), chan<number>(8)];
    const feeding = inputs.map((ch, i) => rt.go(work.produce, ch, i * 100, 40, false).then(() => ch.close()));
    const got: number[] = [];
    for await (const v of merge(...inputs)) got.push(v);
    await Promise.all(feeding);
    expect(got.length).toBe(120);
    for (const i of [0, 1, 2]) expect(got.filter((v) => Math.floor(v / 100) === i)).toEqual(Array.from({ length: 40 }, (_, k) => i * 100 + k));
    await rt.close();
  });

  it('select with after() as a timeout returns the timer when nothing comes', async () => {
    const started = Date.now();
    const results = chan<number>();
    const picked = await select([recv(results), after(30)]);
    expect(picked.index).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
  });
});
