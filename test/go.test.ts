import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, transfer, type Task } from '@routine/runtime';

type Nested = typeof import('./fixtures/nested.mjs');
type MathModule = typeof import('./fixtures/math.ts');

const runtime = createRuntime({ workers: 2 });
const nested = tasks<Nested>(new URL('./fixtures/nested.mjs', import.meta.url));
const math = tasks<MathModule>(new URL('./fixtures/math.ts', import.meta.url));
afterAll(() => runtime.close());

describe('go with inline functions', () => {
  it('returns the result of a synchronous function', async () => {
    await expect(runtime.go((a: number, b: number) => a + b, 2, 3)).resolves.toBe(5);
  });

  it('waits for an async function without blocking its worker', async () => {
    // Both workers hold a slow async task; a third task still runs on one of them meanwhile.
    const slow = [1, 2].map(() => runtime.go(async (ms: number) => new Promise((resolve) => setTimeout(() => resolve('slow'), ms)), 300));
    const started = Date.now();
    await expect(runtime.go((x: number) => x * 2, 21)).resolves.toBe(42);
    expect(Date.now() - started).toBeLessThan(250);
    await expect(Promise.all(slow)).resolves.toEqual(['slow', 'slow']);
  });

  it('carries every fast-path type and structured-clone values both ways', async () => {
    const values = [0, -1.5, NaN, 'héllo ✓', '', true, false, null, undefined, 2n ** 70n];
    const echoed = await runtime.go((...xs: unknown[]) => xs, ...values);
    expect(echoed).toEqual(values);
    const rich = { date: new Date(0), map: new Map([[1, { deep: [1, 2] }]]), set: new Set(['a']), re: /x/g };
    expect(await runtime.go((value: typeof rich) => value, rich)).toEqual(rich);
  });

  it('copies typed arrays and ArrayBuffers of every size, inline and through the arena', async () => {
    for (const length of [0, 3, 100, 8192, 1 << 20]) {
      const input = Float64Array.from({ length }, (_, i) => i * 0.5);
      const output = await runtime.go((xs: Float64Array) => xs.map((x) => x * 2), input);
      expect(output).toBeInstanceOf(Float64Array);
      // Byte comparison: a deep toEqual over a million elements costs seconds by itself.
      const expected = input.map((x) => x * 2);
      expect(Buffer.compare(Buffer.from(output.buffer), Buffer.from(expected.buffer))).toBe(0);
    }
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    const back = await runtime.go((buffer: ArrayBuffer) => new Uint8Array(buffer).reverse().buffer, bytes);
    expect([...new Uint8Array(back)]).toEqual([3, 2, 1]);
  });

  it('snapshots arguments at the call, as postMessage does', async () => {
    const input = new Int32Array([1, 2, 3]);
    const tasksInFlight: Task<number>[] = [];
    for (let i = 0; i < 5000; i++) tasksInFlight.push(runtime.go((xs: Int32Array) => xs[0] + xs[1] + xs[2], input));
    input.fill(0);
    const sums = await Promise.all(tasksInFlight);
    expect(sums.every((sum) => sum === 6)).toBe(true);
  });

  it('shares SharedArrayBuffers instead of copying them', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(8));
    await runtime.go((view: Int32Array) => {
      Atomics.add(view, 0, 7);
    }, shared);
    expect(shared[0]).toBe(7);
  });

  it('moves transferred buffers to the worker and back', async () => {
    const buffer = new Float64Array([1, 2, 3]).buffer;
    const result = await runtime.go((b: ArrayBuffer) => new Float64Array(b).reduce((s, x) => s + x, 0), transfer(buffer, [buffer]));
    expect(result).toBe(6);
    expect(buffer.byteLength).toBe(0); // detached: it was moved, not copied
  });

  it('rejects with the worker error: class name, message, stack, cause and gid', async () => {
    const task = runtime.go(() => {
      throw new TypeError('bad thing', { cause: new Error('underneath') });
    });
    const error = await task.then(
      () => undefined,
      (e: unknown) => e as Error & { gid: number; cause: Error },
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toBe('bad thing');
    expect(error!.stack).toContain('bad thing');
    expect(error!.stack).toContain('eval'); // the worker's frames, not ours
    expect(error!.cause.message).toBe('underneath');
    expect(error!.gid).toBe(task.gid);
  });

  it('turns a thrown non-Error into an Error that keeps the value', async () => {
    const { ok, error } = (await runtime.go(() => {
      throw { code: 42 };
    }).result()) as { ok: false; error: Error & { thrown: unknown } };
    expect(ok).toBe(false);
    expect(error.message).toContain('non-Error');
    expect(error.thrown).toEqual({ code: 42 });
  });

  it('result() settles with ok/value or ok/error and never rejects', async () => {
    await expect(runtime.go(() => 1).result()).resolves.toEqual({ ok: true, value: 1 });
    const failed = await runtime.go(() => Promise.reject(new Error('no'))).result();
    expect(failed.ok).toBe(false);
  });

  it('compiles object-method and function-expression forms', async () => {
    const holder = {
      triple(n: number) {
        return n * 3;
      },
    };
    await expect(runtime.go(holder.triple, 5)).resolves.toBe(15);
    await expect(runtime.go(function named(n: number) {
      return n - 1;
    }, 5)).resolves.toBe(4);
  });
});

describe('go with module tasks', () => {
  it('runs a .ts module export without a build step, relative .js imports included', async () => {
    await expect(runtime.go(math.add, 2, 40)).resolves.toBe(42);
    await expect(runtime.go(math.addPair, { a: 1, b: 2 })).resolves.toBe(3);
    await expect(runtime.go(math.slowSquare, 9, 5)).resolves.toBe(81);
  });

  it('explains a missing export, naming the ones that exist', async () => {
    const missing = tasks<Record<string, () => void>>(new URL('./fixtures/math.ts', import.meta.url));
    const error = await runtime.go(missing.nope).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/no exported function "nope".*add, addPair, slowSquare/);
  });

  it('keeps a custom error class name, code and fields from a module', async () => {
    const error = (await runtime.go(nested.invalid).then(() => undefined, (e) => e)) as Error & { code: string };
    expect(error.name).toBe('ValidationError');
    expect(error.constructor.name).toBe('ValidationError');
    expect(error.code).toBe('E_VALIDATION');
    const ranged = (await runtime.go(nested.boom, 'out').then(() => undefined, (e) => e)) as RangeError & { detail: unknown; cause: Error };
    expect(ranged).toBeInstanceOf(RangeError);
    expect(ranged.detail).toEqual({ field: 'x' });
    expect(ranged.cause.message).toBe('root cause');
  });
});

describe('gids, nesting and current()', () => {
  it('gives unique gids, records the parent and keeps the trace across three levels', async () => {
    const root = runtime.go(nested.chain, 3);
    const levels = await root;
    expect(levels).toHaveLength(4);
    expect(levels[0].gid).toBe(root.gid);
    expect(levels[0].parentGid).toBe(0);
    for (let i = 1; i < levels.length; i++) {
      expect(levels[i].parentGid).toBe(levels[i - 1].gid);
      expect(levels[i].traceId).toBe(levels[0].traceId);
    }
    expect(new Set(levels.map((l) => l.gid)).size).toBe(4);
    expect(levels.every((l) => l.id === l.gid)).toBe(true);
    expect(levels[0].traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('runs inline tasks started inside a worker through the same ring', async () => {
    await expect(runtime.go(nested.fanOut, 50)).resolves.toEqual(Array.from({ length: 50 }, (_, i) => i + 1000));
  });

  it('never repeats a gid, across runtimes too', async () => {
    const other = createRuntime({ workers: 1 });
    const gids = new Set<number>();
    const all = [];
    for (let i = 0; i < 2000; i++) {
      const task = (i % 2 ? runtime : other).go(() => 0);
      gids.add(task.gid);
      all.push(task);
    }
    await Promise.all(all);
    await other.close();
    expect(gids.size).toBe(2000);
  });
});

describe('the event loop while tasks are awaited one after another', () => {
  it('a timer still fires: settling never runs on in microtasks alone for long', async () => {
    const rt = createRuntime({ workers: 1 });
    try {
      await rt.go((x: number) => x, 0);
      let fired = false;
      setTimeout(() => (fired = true), 5);
      let tasks = 0;
      // Each result is already in the inbox when the main thread looks for it, so without a
      // deliberate turn of the event loop every await would resolve in a microtask.
      while (!fired && tasks < 300) {
        const task = rt.go((x: number) => x, tasks++);
        const until = performance.now() + 2;
        while (performance.now() < until);
        await task;
      }
      expect(fired).toBe(true);
    } finally {
      await rt.close();
    }
  });
});
