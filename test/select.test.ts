import { describe, expect, it } from 'vitest';
import { after, chan, ChannelClosedError, createRuntime, recv, select, send, tasks } from '@routine/runtime';

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));

describe('select', () => {
  it('picks uniformly at random among ready cases', async () => {
    const trials = 3000;
    const chans = [chan<number>(trials), chan<number>(trials), chan<number>(trials)];
    for (const ch of chans) for (let i = 0; i < trials; i++) await ch.send(i);
    const counts = [0, 0, 0];
    for (let i = 0; i < trials; i++) counts[(await select(chans.map((ch) => recv(ch)))).index]++;
    // Each count is binomial(3000, 1/3): mean 1000, sd 26. 850..1150 is about six sd either way.
    for (const count of counts) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1150);
    }
    // Nothing was taken from a case that was not picked.
    expect(chans.map((ch) => ch.length)).toEqual(counts.map((count) => trials - count));
  });

  it('never consumes from a case it does not pick', async () => {
    for (let round = 0; round < 50; round++) {
      const a = chan<string>(1);
      const b = chan<string>(1);
      await a.send('a');
      await b.send('b');
      const { index, value, ok } = await select([recv(a), recv(b)]);
      expect(ok).toBe(true);
      expect(value).toBe(index === 0 ? 'a' : 'b');
      expect([a.length, b.length]).toEqual(index === 0 ? [0, 1] : [1, 0]);
    }
  });

  it('default makes it non-blocking; a full send case is not ready', async () => {
    const full = chan<number>(1);
    await full.send(1);
    const empty = chan<number>(1);
    const picked = await select([recv(empty), send(full, 2)], { default: () => 'nothing ready' });
    expect(picked).toEqual({ index: -1, value: 'nothing ready' });
    expect(full.length).toBe(1);
    expect((await full.recv()).value).toBe(1);
    expect(await select([send(full, 3)], { default: () => 'none' })).toEqual({ index: 0 });
    expect((await full.recv()).value).toBe(3);
  });

  it('waits for the first case to become ready, sent from a worker', async () => {
    const rt = createRuntime({ workers: 1 });
    const a = chan<number>();
    const b = chan<number>();
    rt.go(work.produce, b, 5, 1, true);
    expect(await select([recv(a), recv(b)])).toEqual({ index: 1, value: 5, ok: true });
    await rt.close();
  });

  it('after(ms) as a timeout case', async () => {
    const never = chan<number>();
    const started = Date.now();
    const picked = await select([recv(never), after(60)]);
    expect(picked.index).toBe(1);
    expect(picked.value).toBeGreaterThanOrEqual(started + 60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(59);
  });

  it('an AbortSignal is a case, ready once aborted, with its reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('stop'), 20);
    expect(await select([recv(chan()), controller.signal])).toEqual({ index: 1, value: 'stop' });
  });

  it('a closed channel is a ready receive case with ok: false; a send case on it throws', async () => {
    const closed = chan<number>(1);
    closed.close();
    expect(await select([recv(chan()), recv(closed)])).toEqual({ index: 1, value: undefined, ok: false });
    await expect(select([send(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('a select that sends meets a select that receives on an unbuffered channel, across threads, sync and async', async () => {
    const rt = createRuntime({ workers: 2 });
    for (const sync of [true, false]) {
      const ch = chan<number>();
      const other = chan<number>();
      const values = Array.from({ length: 30 }, (_, i) => i);
      const sending = rt.go(work.selectSends, ch, other, values, sync);
      const got: number[] = [];
      for (let i = 0; i < values.length; i++) {
        const picked = await select([recv(ch), after(10_000)]);
        expect(picked.index).toBe(0);
        got.push(picked.value as number);
      }
      expect(got).toEqual(values);
      expect(await sending).toEqual(values.map(() => 0));
    }
    await rt.close();
  });

  it('selectSync in a worker receives from two channels fed by the main thread', async () => {
    const rt = createRuntime({ workers: 1 });
    const a = chan<number>(4);
    const b = chan<number>(4);
    const selecting = rt.go(work.selectN, a, b, 20, true);
    for (let i = 0; i < 10; i++) {
      await a.send(i);
      await b.send(100 + i);
    }
    const got = await selecting;
    expect(got.filter(([index]) => index === 0).map(([, v]) => v)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(got.filter(([index]) => index === 1).map(([, v]) => v)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    await rt.close();
  });

  it('rejects what is not a case', async () => {
    await expect(select([42 as never])).rejects.toThrow(/select case 0 is not a case/);
    expect(() => recv({} as never)).toThrow(/recv\(ch\) takes a channel/);
  });
});
