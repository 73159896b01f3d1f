import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  chan, ChannelClosedError, createRuntime, InvalidArgumentError, type Received, SerializationError, tasks, waitGroup,
} from '@routine/runtime';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));

describe('chan', () => {
  it('keeps its value type (checked by tsc)', () => {
    const ch = chan<number>(1);
    expectTypeOf<ReturnType<typeof ch.recv>>().resolves.toEqualTypeOf<Received<number>>();
    expectTypeOf<ReturnType<typeof ch.recvSync>['value']>().toEqualTypeOf<number | undefined>();
    expectTypeOf(ch.send).parameter(0).toEqualTypeOf<number>();
    expectTypeOf<AsyncIterable<number>>(ch);
  });

  it('keeps FIFO order per channel, on this thread', async () => {
    const ch = chan<number>(8);
    for (let i = 0; i < 8; i++) await ch.send(i);
    expect(ch.length).toBe(8);
    expect(ch.capacity).toBe(8);
    const got: number[] = [];
    for (let i = 0; i < 8; i++) got.push((await ch.recv()).value!);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ch.length).toBe(0);
  });

  it('carries numbers, strings, typed arrays and objects through a wrapping ring', async () => {
    const ch = chan<unknown>(3, { maxValueBytes: 256, bufferBytes: 300 });
    const values = ['x'.repeat(100), 1.5, new Float64Array([1, 2, 3]), { a: [1, { b: 'c' }] }, null, undefined, 'héllo \ud800', 2n ** 70n];
    for (let round = 0; round < 20; round++) {
      for (const v of values) {
        await ch.send(v);
        expect((await ch.recv()).value).toEqual(v);
      }
    }
  });

  it('is FIFO per producer across workers, each value received exactly once', async () => {
    // Synchronous tasks on a runtime of their own: one blocked in sendSync holds its worker, and
    // an async task that shared it would wait.
    const rt = createRuntime({ workers: 3 });
    const asyncRt = createRuntime({ workers: 1 });
    const ch = chan<number>(16);
    const producers = [0, 1, 2].map((p) => (p === 1 ? asyncRt : rt).go(work.produce, ch, p * 1000, 300, p !== 1));
    const consumers = [rt.go(work.consume, ch, true), asyncRt.go(work.consume, ch, false)];
    await Promise.all(producers);
    ch.close();
    const parts = await Promise.all(consumers);
    const all = parts.flat().sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2].flatMap((p) => Array.from({ length: 300 }, (_, i) => p * 1000 + i)));
    for (const part of parts) {
      for (const p of [0, 1, 2]) {
        const mine = part.filter((v) => Math.floor(v / 1000) === p);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }
    await rt.close();
    await asyncRt.close();
  });

  it('capacity 0 is a rendezvous: a send completes only once a receiver took the value', async () => {
    const ch = chan<string>();
    let sent = false;
    const sending = ch.send('hi').then(() => (sent = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sent).toBe(false);
    expect(ch.length).toBe(0);
    expect(await ch.recv()).toEqual({ value: 'hi', ok: true });
    await sending;
    expect(sent).toBe(true);
  });

  it('a rendezvous between the main thread and a worker blocked in recvSync', async () => {
    const rt = createRuntime({ workers: 1 });
    const ch = chan<number>();
    const receiving = rt.go(work.recvSyncN, ch, 3);
    for (const v of [7, 8, 9]) await ch.send(v);
    expect(await receiving).toEqual([7, 8, 9]);
    await rt.close();
  });

  it('close: receivers drain what is buffered, then get ok: false, forever', async () => {
    const ch = chan<number>(4);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(await ch.recv()).toEqual({ value: 1, ok: true });
    expect(await ch.recv()).toEqual({ value: 2, ok: true });
    expect(await ch.recv()).toEqual({ value: undefined, ok: false });
    expect(await ch.recv()).toEqual({ value: undefined, ok: false });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([]);
  });

  it('close wakes a blocked receiver with ok: false and a blocked sender with ChannelClosedError', async () => {
    const empty = chan<number>(1);
    const receiving = empty.recv();
    const full = chan<number>(1);
    await full.send(1);
    const sending = full.send(2);
    const unbuffered = chan<number>();
    const offering = unbuffered.send(3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    empty.close();
    full.close();
    unbuffered.close();
    expect(await receiving).toEqual({ value: undefined, ok: false });
    await expect(sending).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(offering).rejects.toBeInstanceOf(ChannelClosedError);
    // The withdrawn offer is gone, the buffered value is still there.
    expect(await unbuffered.recv()).toEqual({ value: undefined, ok: false });
    expect(await full.recv()).toEqual({ value: 1, ok: true });
    expect(await full.recv()).toEqual({ value: undefined, ok: false });
  });

  it('send on a closed channel, a second close, an uncloneable or too big value throw named errors and change nothing', async () => {
    const ch = chan<unknown>(2, { maxValueBytes: 64 });
    await ch.send('kept');
    await expect(ch.send(() => 1)).rejects.toBeInstanceOf(SerializationError);
    await expect(ch.send('y'.repeat(100))).rejects.toThrow(/more than this channel's limit of 64.*maxValueBytes: 128/);
    await expect(ch.send(new Int32Array(new SharedArrayBuffer(8)))).rejects.toThrow(/shared memory/);
    expect(ch.length).toBe(1);
    ch.close();
    await expect(ch.send('late')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.close()).toThrow(ChannelClosedError);
    expect(() => ch.close()).toThrow(/close of a closed channel/);
    expect(ch.length).toBe(1);
    expect(await ch.recv()).toEqual({ value: 'kept', ok: true });
  });

  it('rejects bad arguments with a clear error', () => {
    expect(() => chan(-1)).toThrow(InvalidArgumentError);
    expect(() => chan(1.5)).toThrow(/chan\(capacity\) takes a whole number/);
    expect(() => chan(1, { maxValueBytes: 2 })).toThrow(/maxValueBytes/);
  });

  it('a full buffer makes the sender wait until a receiver makes room', async () => {
    const ch = chan<number>(2);
    await ch.send(1);
    await ch.send(2);
    let third = false;
    const sending = ch.send(3).then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(third).toBe(false);
    expect((await ch.recv()).value).toBe(1);
    await sending;
    expect(ch.length).toBe(2);
  });

  it('travels nested in objects and arrays, as do wait groups', async () => {
    const rt = createRuntime({ workers: 1 });
    const ch = chan<string>(1);
    const wg = waitGroup();
    wg.add(1);
    const names = await rt.go(work.nested, { deep: { list: [ch], wg } });
    expect(names).toEqual(['Chan', 'WaitGroup']);
    expect(await ch.recv()).toEqual({ value: 'from a nested channel', ok: true });
    await wg.wait();
    await rt.close();
  });

  it('a worker stage between two channels: main -> worker -> main, async and sync', async () => {
    const rt = createRuntime({ workers: 2 });
    for (const sync of [false, true]) {
      const input = chan<number>(0);
      const output = chan<number>(4);
      const stage = rt.go(work.doubler, input, output, sync);
      const got: number[] = [];
      const reading = (async () => {
        for await (const v of output) got.push(v);
      })();
      for (let i = 0; i < 50; i++) await input.send(i);
      input.close();
      expect(await stage).toBe('done');
      output.close();
      await reading;
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    }
    await rt.close();
  });

  it('a pipeline reads its items from a channel and its results go on to another', async () => {
    const rt = createRuntime({ workers: 2 });
    const input = chan<number>(4);
    const output = chan<number>(4);
    void (async () => {
      for (let i = 1; i <= 20; i++) await input.send(i);
      input.close();
    })();
    const forwarding = (async () => {
      for await (const r of rt.pipeline<number>().stage('square', (n: number) => n * n, { concurrency: 3 }).stream(input)) await output.send(r);
      output.close();
    })();
    const got: number[] = [];
    for await (const v of output) got.push(v);
    await forwarding;
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) ** 2));
    await rt.close();
  });

  it('a main thread awaiting a value from a worker does not exit under it (a pending wait holds a ref)', async () => {
    const script = `
      import { chan, go } from ${JSON.stringify(new URL('../packages/runtime/dist/index.js', import.meta.url).href)};
      const ch = chan();
      go(async (c) => { await new Promise((r) => setTimeout(r, 100)); await c.send(42); }, ch);
      console.log((await ch.recv()).value);
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('42');
  });
});
