import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CancelledError, createRuntime, InvalidArgumentError, MapItemError, TaskCaptureError, tasks, TimeoutError,
} from '@routine/runtime';
import { capturingLogger } from './support/capturing-logger.js';

const work = tasks<typeof import('./fixtures/map-tasks.mjs')>(new URL('./fixtures/map-tasks.mjs', import.meta.url));
const logger = capturingLogger();
const runtime = createRuntime({ workers: 2, logger: logger.logger });
afterAll(() => runtime.close());

const launched = (): number => runtime.stats().launched;

describe('map()', () => {
  it('runs fn(item, index) on every item and gives the results in item order, one task per chunk', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const before = launched();
    const out = await runtime.map((x: number, i: number) => x * 2 + i, items, { chunk: 64 });
    expect(out).toEqual(items.map((x, i) => x * 2 + i));
    expect(launched() - before).toBe(Math.ceil(1000 / 64));
  });

  it('takes typed arrays, iterables and an empty list; a hole is passed as undefined', async () => {
    expect(await runtime.map((x: number) => x + 0.5, new Float64Array([1, 2, 3]))).toEqual([1.5, 2.5, 3.5]);
    expect(await runtime.map((x: string) => x.toUpperCase(), new Set(['a', 'b']))).toEqual(['A', 'B']);
    function* numbers(): Generator<number> {
      yield 1;
      yield 2;
    }
    expect(await runtime.map((x: number) => -x, numbers())).toEqual([-1, -2]);
    expect(await runtime.map((x: string) => x + '!', { length: 2, 0: 'a', 1: 'b' })).toEqual(['a!', 'b!']);
    const before = launched();
    expect(await runtime.map((x: number) => x, [])).toEqual([]);
    expect(launched()).toBe(before);
    expect(await runtime.map((x: unknown) => x === undefined, [1, , 3], { chunk: 2 })).toEqual([false, true, false]); // eslint-disable-line no-sparse-arrays
  });

  it('objects in, objects out, async functions too', async () => {
    const records = Array.from({ length: 50 }, (_, id) => ({ id, name: `user-${id}`, tags: ['a', id % 2 ? 'odd' : 'even'] }));
    const out = await runtime.map(async (r: { id: number; name: string; tags: string[] }) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { id: r.id, label: `${r.name}:${r.tags[1]}` };
    }, records, { chunk: 7 });
    expect(out).toEqual(records.map((r) => ({ id: r.id, label: `${r.name}:${r.tags[1]}` })));
  });

  it('matches items.map(fn) for any list and chunk size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 300 }), fc.integer({ min: 1, max: 400 }), async (items, chunk) => {
        expect(await runtime.map((x: number, i: number) => x - i, items, { chunk })).toEqual(items.map((x, i) => x - i));
      }),
      { numRuns: 40 },
    );
  });

  it('the first failing item rejects it with MapItemError naming the item; the chunks still out are cancelled, and nothing is logged as unobserved', async () => {
    const items = Array.from({ length: 400 }, (_, i) => i);
    const before = runtime.stats();
    const failed = runtime.map((x: number) => {
      if (x === 123) throw new RangeError(`bad item ${x}`);
      return x;
    }, items, { chunk: 10 });
    const error = await failed.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MapItemError);
    expect((error as MapItemError).index).toBe(123);
    expect((error as MapItemError).message).toBe('map() item 123 failed: bad item 123');
    expect((error as MapItemError).cause).toBeInstanceOf(RangeError);
    const after = runtime.stats();
    // Every chunk it launched settled: none still pending once map() rejected.
    const settled = (s: typeof before): number => s.completed + s.errors + s.panics + s.cancelled + s.timeouts;
    expect(after.launched - before.launched).toBe(settled(after) - settled(before));
    expect(after.launched - before.launched).toBeLessThan(40); // it stopped sending chunks
    expect(logger.lines.filter((line) => /unobserved|nobody awaited/i.test(JSON.stringify(line)))).toEqual([]);
  });

  it('a signal cancels it, already aborted or mid-way; timeoutMs is a deadline per chunk', async () => {
    const aborted = new AbortController();
    aborted.abort(new Error('stop'));
    await expect(runtime.map((x: number) => x, [1, 2], { signal: aborted.signal })).rejects.toBeInstanceOf(CancelledError);
    const later = new AbortController();
    const slow = runtime.map(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return x;
    }, Array.from({ length: 200 }, (_, i) => i), { chunk: 1, signal: later.signal });
    setTimeout(() => later.abort(new Error('enough')), 30);
    await expect(slow).rejects.toThrow(/map\(\) was cancelled: its signal was aborted/);
    await expect(
      runtime.map((ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end);
        return ms;
      }, [1, 5_000], { chunk: 1, timeoutMs: 200 }),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it('refuses bad input at once, launching nothing', async () => {
    const before = launched();
    expect(() => runtime.map((x: number) => x, null as unknown as number[])).toThrow(InvalidArgumentError);
    expect(() => runtime.map((x: number) => x, [1], { chunk: 0 })).toThrow(/chunk.*whole number/);
    expect(() => runtime.map((x: number) => x, [1], { signal: 'no' as unknown as AbortSignal })).toThrow(InvalidArgumentError);
    const outside = 2;
    await expect(runtime.map((x: number) => x * outside, [1])).rejects.toBeInstanceOf(TaskCaptureError);
    expect(launched()).toBe(before);
  });

  it('works inside a task: a nested map() runs on the same pool', async () => {
    const out = await runtime.go(work.squaresOf, 10);
    expect(out).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
  });
});
