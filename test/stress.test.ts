import { afterAll, describe, expect, it } from 'vitest';
import { addAfterRoutine, createRuntime, tasks, WorkerCrashError, type Result, type Task } from '@routine/runtime';
import { pickSeed, seeded, withSeed } from './support/random.js';

type Mix = typeof import('./fixtures/mix.mjs');
const mix = tasks<Mix>(new URL('./fixtures/mix.mjs', import.meta.url));

/** Counts settlements per gid through the after-routine hook: each must be exactly one. */
function settlementCounter() {
  const counts = new Map<number, number>();
  const remove = addAfterRoutine((gid) => counts.set(gid, (counts.get(gid) ?? 0) + 1));
  return { counts, remove };
}

describe('stress', () => {
  const runtime = createRuntime({ workers: 2 });
  afterAll(() => runtime.close());

  it('100,000 tiny tasks: every result right, every task settled exactly once', async () => {
    const { counts, remove } = settlementCounter();
    const all: Task<number>[] = [];
    for (let i = 0; i < 100_000; i++) all.push(runtime.go((a: number, b: number) => a * 2 + b, i, 1));
    const results = await Promise.all(all);
    remove();
    for (let i = 0; i < results.length; i++) if (results[i] !== i * 2 + 1) throw new Error(`task ${i} gave ${results[i]}`);
    expect(counts.size).toBe(100_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const stats = runtime.stats();
    expect(stats.active).toBe(0);
    expect(stats.queued).toBe(0);
  });

  it('many producers, random payload sizes, a full ring and injected crashes: nothing lost, nothing twice', async () => {
    const seed = pickSeed();
    await withSeed(seed, async () => {
      const random = seeded(seed);
      // A small ring and arena keep both full, so overflow, back-pressure and requeues all happen.
      const small = createRuntime({ workers: 2, queueCapacity: 64, arenaBytes: 1 << 20 });
      const total = 3000;
      const runs = new Int32Array(new SharedArrayBuffer(4 * total * 4));
      const { counts, remove } = settlementCounter();
      let nextId = 0;
      const top: { kind: string; id: number; value: number; bytes: number; task: Task<unknown> }[] = [];
      const childrenOf = new Map<number, { id: number; kind: string; value: number }[]>();
      for (let i = 0; i < total; i++) {
        const roll = random();
        const id = nextId++;
        const value = Math.floor(random() * 1000);
        if (roll < 0.01) {
          top.push({ kind: 'crash', id, value, bytes: 0, task: small.go(mix.run, { id, kind: 'crash', value }, runs) });
        } else if (roll < 0.1) {
          const children = Array.from({ length: 1 + Math.floor(random() * 8) }, () => ({
            id: nextId++,
            kind: random() < 0.8 ? 'asyncOk' : 'throw',
            value: Math.floor(random() * 100),
          }));
          childrenOf.set(id, children);
          top.push({ kind: 'parent', id, value, bytes: 0, task: small.go(mix.parent, { id, kind: 'parent', value }, children, runs) });
        } else {
          const kind = ['ok', 'ok', 'throw', 'asyncOk', 'asyncReject'][Math.floor(random() * 5)];
          // Payloads from empty to larger than a slot's inline area and than several arena blocks.
          const bytes = random() < 0.3 ? Math.floor(random() ** 3 * 200_000) : 0;
          const payload = bytes > 0 ? new Uint8Array(bytes) : undefined;
          top.push({ kind, id, value, bytes, task: small.go(mix.run, { id, kind, value }, runs, payload) });
        }
      }
      const results: Result<unknown>[] = await Promise.all(top.map((t) => t.task.result()));
      remove();
      await small.close();
      const crashes = top.filter((t) => t.kind === 'crash').length;
      let collateralCount = 0;
      for (const [i, t] of top.entries()) {
        const result = results[i];
        expect(counts.get(t.task.gid), `task ${t.id} settlements`).toBe(1);
        expect(runs[t.id], `task ${t.id} runs`).toBeLessThanOrEqual(1);
        const collateral = !result.ok && result.error instanceof WorkerCrashError;
        if (t.kind === 'crash') {
          expect(collateral).toBe(true);
          continue;
        }
        if (collateral) {
          // A task its worker was running (or had just marked running) when a crash took it
          // down fails with the crash: at most once, never silently, and only beside a crash.
          collateralCount++;
          expect(crashes).toBeGreaterThan(0);
          continue;
        }
        expect(runs[t.id], `task ${t.id} runs`).toBe(1);
        if (t.kind === 'ok') expect(result).toEqual({ ok: true, value: t.value + t.bytes });
        else if (t.kind === 'asyncOk') expect(result).toEqual({ ok: true, value: t.value });
        else if (t.kind === 'parent') {
          expect(result.ok).toBe(true);
          const reported = (result as { value: { ok: boolean; value?: number; name?: string }[] }).value;
          for (const [j, child] of childrenOf.get(t.id)!.entries()) {
            if (!reported[j].ok && reported[j].name === 'WorkerCrashError') continue;
            expect(runs[child.id], `child ${child.id} runs`).toBe(1);
            expect(reported[j]).toEqual(child.kind === 'asyncOk' ? { ok: true, value: child.value } : { ok: false, name: 'RangeError' });
          }
        } else {
          expect(result.ok).toBe(false);
          expect((result as { error: Error }).error.name).toBe('RangeError');
        }
      }
      // A crash can take down at most what one worker holds: its claim table (64 entries).
      expect(collateralCount).toBeLessThanOrEqual(crashes * 64);
    });
  });
});
