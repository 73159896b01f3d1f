import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, type Task } from '@routine/runtime';

// One runtime for every run: pausing, resizing and priorities interleaved with submissions at
// random, across real worker threads. Whatever the order, every task runs exactly once and
// settles with its own value.
const runtime = createRuntime({ workers: 2, maxWorkers: 4, queueCapacity: 4 });
afterAll(() => runtime.close());

const countRun = (runs: Int32Array, id: number) => {
  Atomics.add(runs, id, 1);
  return id;
};

type Op =
  | { kind: 'submit'; count: number; priority: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'resize'; workers: number }
  | { kind: 'yield' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('submit' as const), count: fc.integer({ min: 1, max: 30 }), priority: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resume' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resize' as const), workers: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'yield' as const }) },
);

describe('property: pause, resume, resize and priorities lose nothing', () => {
  it('runs every task exactly once, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const total = ops.reduce((sum, o) => sum + (o.kind === 'submit' ? o.count : 0), 0);
        const runs = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, total)));
        const started: Task<number>[] = [];
        const resizes: Promise<void>[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.kind === 'submit') {
            const go = o.priority === 0 ? runtime.go.bind(runtime) : runtime.goWith({ priority: o.priority });
            for (let i = 0; i < o.count; i++) started.push(go(countRun, runs, id++));
          } else if (o.kind === 'pause') runtime.pause();
          else if (o.kind === 'resume') runtime.resume();
          else if (o.kind === 'resize') resizes.push(runtime.resize(o.workers));
          else await new Promise((resolve) => setImmediate(resolve));
        }
        runtime.resume();
        const values = await Promise.all(started);
        await Promise.all(resizes);
        expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
        expect(Array.from(runs).slice(0, total).every((count) => count === 1)).toBe(true);
        expect(runtime.heldCount).toBe(0);
      }),
      { numRuns: 25 },
    );
  });
});
