import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { addAfterRoutine, createRuntime, tasks, WorkerCrashError, type Result } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Mix = typeof import('./fixtures/mix.mjs');
const mix = tasks<Mix>(new URL('./fixtures/mix.mjs', import.meta.url));
const runtime = createRuntime({ workers: 2, queueCapacity: 16 });
afterAll(() => runtime.close());

const leafKind = fc.constantFrom('ok', 'throw', 'asyncOk', 'asyncReject');
const leaf = fc.record({ kind: leafKind, value: fc.integer({ min: 0, max: 1000 }) });
const topLevel = fc.oneof(
  { weight: 8, arbitrary: leaf.map((spec) => ({ ...spec, children: [] as { kind: string; value: number }[] })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('parent'), value: fc.constant(0), children: fc.array(leaf, { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash'), value: fc.constant(0), children: fc.constant([]) }) },
);

function expected(kind: string, value: number): { ok: true; value: number } | { ok: false; name: string } {
  return kind === 'ok' || kind === 'asyncOk' ? { ok: true, value } : { ok: false, name: 'RangeError' };
}

describe('property: every task settles exactly once, with the outcome its code decides', () => {
  it('holds for random mixes of sync, async, throwing and crashing tasks, from the main thread and from workers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(topLevel, { minLength: 1, maxLength: 40 }), async (batch) => {
        let nextId = 0;
        const specs = batch.map((spec) => ({
          ...spec,
          id: nextId++,
          children: spec.children.map((child) => ({ ...child, id: nextId++ })),
        }));
        const runs = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, nextId)));
        const settled = new Map<number, number>();
        const remove = addAfterRoutine((gid) => settled.set(gid, (settled.get(gid) ?? 0) + 1));
        const started = specs.map((spec) =>
          spec.kind === 'parent' ? runtime.go(mix.parent, spec, spec.children, runs) : runtime.go(mix.run, spec, runs),
        );
        const results: Result<unknown>[] = await Promise.all(started.map((task) => task.result()));
        remove();
        const crashes = specs.some((spec) => spec.kind === 'crash');
        for (const [i, spec] of specs.entries()) {
          expect(settled.get(started[i].gid)).toBe(1);
          expect(runs[spec.id]).toBeLessThanOrEqual(1);
          const result = results[i];
          if (!result.ok && result.error instanceof WorkerCrashError) {
            expect(crashes).toBe(true);
            continue;
          }
          expect(spec.kind).not.toBe('crash');
          expect(runs[spec.id]).toBe(1);
          if (spec.kind === 'parent') {
            expect(result.ok).toBe(true);
            const reported = (result as { value: { ok: boolean; name?: string }[] }).value;
            for (const [j, child] of spec.children.entries()) {
              if (reported[j].name === 'WorkerCrashError' && crashes) continue;
              expect(reported[j]).toEqual(expected(child.kind, child.value));
              expect(runs[child.id]).toBe(1);
            }
          } else {
            const want = expected(spec.kind, spec.value);
            if (want.ok) expect(result).toEqual(want);
            else expect(result.ok === false && result.error.name).toBe(want.name);
          }
        }
      }),
      { numRuns: 40 },
    );
    // Children of a parent whose worker died keep running elsewhere (nobody awaits them), so
    // wait for the runtime to go quiet before checking that every launch was accounted for.
    await expect.poll(() => runtime.stats().active + runtime.stats().queued, EVENTUALLY).toBe(0);
    const stats = runtime.stats();
    expect(stats.launched).toBe(stats.completed + stats.errors + stats.panics + stats.cancelled);
  });
});
