import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, PipelineError, tasks } from '@routine/runtime';

type Fixture = typeof import('./fixtures/long-lived.mjs');
const work = tasks<Fixture>(new URL('./fixtures/long-lived.mjs', import.meta.url));
const rt = createRuntime({ workers: 2 });
afterAll(() => rt.close());

/** 0, 1, 2, ... n - 1, counting how many were read and whether the reader closed it. */
function counted(n: number) {
  const state = { read: 0, closed: false };
  function* items() {
    try {
      for (let i = 0; i < n; i++) {
        state.read++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { items: items(), state };
}

describe('pipeline', () => {
  it('process() runs every item through every stage and keeps input order though items finish out of order', async () => {
    const p = rt.pipeline<number>().stage('inc', work.inc).stage('jitter', work.jitter, { concurrency: 8 }).stage('double', work.double, { concurrency: 3 });
    const input = Array.from({ length: 500 }, (_, i) => i);
    expect(await p.process(input)).toEqual(input.map((x) => (x + 1 - 3) * 2));
  });

  it('stream() reads an async iterable and yields in order', async () => {
    async function* source() {
      for (let i = 0; i < 200; i++) {
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        yield i;
      }
    }
    const out: number[] = [];
    for await (const value of rt.pipeline<number>().stage('jitter', work.jitter, { concurrency: 6 }).stream(source())) out.push(value);
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i - 3));
  });

  it('applies backpressure: a slow consumer holds the reading back to the window', async () => {
    const { items, state } = counted(10_000);
    const stream = rt.pipeline<number>({ window: 8 }).stage('inc', work.inc, { concurrency: 2 }).stream(items);
    let consumed = 0;
    for await (const value of stream) {
      expect(value).toBe(consumed + 1);
      consumed++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      expect(state.read).toBeLessThanOrEqual(consumed + 8);
      if (consumed === 20) break;
    }
    expect(state.read).toBeLessThanOrEqual(28);
    expect(state.closed).toBe(true); // leaving the loop closed the source
  });

  it('a failure names the stage and the item, and stops the pipeline cleanly', async () => {
    const { items, state } = counted(100_000);
    const p = rt.pipeline<number>().stage('inc', work.inc).stage('check', work.explodeOn37, { concurrency: 4 }).stage('double', work.double);
    const failure = await p.process(items).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure).toMatchObject({ stage: 'check', index: 36, code: 'ERR_ROUTINE_PIPELINE' });
    expect((failure as Error).message).toBe("pipeline stage 'check' failed on item 36: 37 is not allowed");
    expect((failure as Error).cause).toMatchObject({ name: 'RangeError' });
    expect(state.read).toBeLessThan(200); // stopped reading
    expect(state.closed).toBe(true);
    // Everything it started has settled: nothing left running or queued.
    const stats = rt.stats();
    expect(stats.active + stats.queued).toBe(0);
  });

  it('streams 1,000,000 items through 3 stages in order with a flat heap', { timeout: 240_000 }, async () => {
    const n = 1_000_000;
    function* numbers() {
      for (let i = 0; i < n; i++) yield i;
    }
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let expected = 0;
    const p = rt.pipeline<number>().stage('inc', work.inc).stage('double', work.double).stage('jitterless', work.inc);
    for await (const value of p.stream(numbers())) {
      if (value !== (expected + 1) * 2 + 1) throw new Error(`item ${expected} came out as ${value}`);
      expected++;
      if ((expected & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(expected).toBe(n);
    // Garbage comes and goes, but nothing grows with the item count: a leak of even 64 bytes
    // per item would be 64 MB here.
    expect(peak - baseline).toBeLessThan(48 * 1024 * 1024);
  });

  it('refuses a pipeline with no stages, a duplicate stage, bad concurrency and non-iterables', async () => {
    await expect(rt.pipeline<number>().process([1])).rejects.toThrow(/no stages/);
    const p = rt.pipeline<number>().stage('a', work.inc);
    expect(() => p.stage('a', work.inc)).toThrow(/already has a stage named 'a'/);
    expect(() => p.stage('b', work.inc, { concurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => rt.pipeline({ window: -1 })).toThrow(/window/);
    await expect(p.process(42 as never)).rejects.toThrow(/iterable/);
  });
});
