import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { addAfterRoutine, createRuntime, tasks, type Result, type Task } from '@routine/runtime';
import { until } from './support/until.js';

type Outcomes = typeof import('./fixtures/outcomes.mjs');
const outcomes = tasks<Outcomes>(new URL('./fixtures/outcomes.mjs', import.meta.url));
const runtime = createRuntime({ workers: 2 });
afterAll(() => runtime.close());

type Mode = 'plain' | 'preAborted' | 'cancelSoon' | 'cancelRunning' | 'deadline';
interface Spec {
  kind: string;
  sync: boolean;
  mode: Mode;
  value: number;
  ms: number;
  deadlineMs: number;
}

const quick = fc.record({
  kind: fc.constantFrom('ok', 'throw', 'uncloneable'),
  sync: fc.boolean(),
  mode: fc.constantFrom<Mode>('plain', 'plain', 'preAborted', 'cancelSoon'),
  value: fc.integer({ min: 0, max: 1000 }),
  ms: fc.constant(0),
  deadlineMs: fc.constant(0),
});
// Outlives its deadline by far, or waits to be cancelled while it runs.
const slowAsync = fc.record({
  kind: fc.constant('wait'),
  sync: fc.constant(false),
  mode: fc.constantFrom<Mode>('cancelRunning', 'deadline'),
  value: fc.integer({ min: 0, max: 1000 }),
  ms: fc.constant(20_000),
  deadlineMs: fc.integer({ min: 5, max: 40 }),
});
const slowSync = fc.record({
  kind: fc.constant('spin'),
  sync: fc.constant(true),
  mode: fc.constant<Mode>('deadline'),
  value: fc.integer({ min: 0, max: 1000 }),
  ms: fc.constant(20_000),
  deadlineMs: fc.integer({ min: 5, max: 40 }),
});
const spec = fc.oneof({ weight: 10, arbitrary: quick }, { weight: 2, arbitrary: slowAsync }, { weight: 1, arbitrary: slowSync });

/** The outcome counter a settled task must have landed in, read from what its caller saw. */
function counterOf(result: Result<unknown>): 'completed' | 'errors' | 'panics' | 'cancelled' | 'timeouts' {
  if (result.ok) return 'completed';
  const { name, message } = result.error;
  if (name === 'TimeoutError') return 'timeouts';
  if (name === 'WorkerCrashError') return 'panics';
  if (name === 'CancelledError' && /before it started/.test(message)) return 'cancelled';
  return 'errors'; // thrown, rejected (a running task's own cancellation too), or not cloneable
}

/** The outcomes a task may have: its code's, or one that a cancel, deadline or a neighbour's stop decided. */
function allowed(s: Spec, batchHasDeadlines: boolean): string[] {
  const natural = { ok: 'ok', throw: 'RangeError', uncloneable: 'SerializationError', wait: 'ok', spin: 'ok' }[s.kind]!;
  const crash = batchHasDeadlines ? ['WorkerCrashError'] : [];
  switch (s.mode) {
    case 'plain':
      return [natural, ...crash];
    case 'preAborted':
      return ['CancelledError'];
    case 'cancelSoon':
      return [natural, 'CancelledError', ...crash];
    case 'cancelRunning':
      return ['CancelledError', ...crash];
    case 'deadline':
      return ['TimeoutError', ...crash];
  }
}

const COUNTERS = ['launched', 'completed', 'errors', 'panics', 'cancelled', 'timeouts'] as const;
function counters() {
  const stats = runtime.stats();
  return Object.fromEntries(COUNTERS.map((name) => [name, stats[name]])) as Record<(typeof COUNTERS)[number], number>;
}

function bounded<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('every task lands in exactly one outcome counter', () => {
  const quiet = (rt: ReturnType<typeof createRuntime>) =>
    until(() => rt.stats().active === 0 && rt.stats().queued === 0, 30_000, 'the runtime to go quiet');
  const outcomeSum = (stats: ReturnType<typeof runtime.stats>) => stats.completed + stats.errors + stats.panics + stats.cancelled + stats.timeouts;

  it('two async tasks timing out together on one worker are two timeouts, no panic', async () => {
    const rt = createRuntime({ workers: 1 });
    try {
      const started = new Int32Array(new SharedArrayBuffer(8));
      const slow = (id: number) => rt.timeout(30, outcomes.runAsync, { id, kind: 'wait', value: id, ms: 20_000 }, started);
      const results = await bounded('two timeouts', Promise.all([slow(0).result(), slow(1).result()]));
      expect(results.map((r) => !r.ok && r.error.name)).toEqual(['TimeoutError', 'TimeoutError']);
      await quiet(rt);
      const stats = rt.stats();
      expect({ launched: stats.launched, timeouts: stats.timeouts, panics: stats.panics, sum: outcomeSum(stats) }).toEqual({ launched: 2, timeouts: 2, panics: 0, sum: 2 });
    } finally {
      await rt.close();
    }
  });

  it('400 async tasks under a 20 ms deadline: 400 outcomes, matching what their callers saw', async () => {
    const rt = createRuntime({ workers: 2 });
    try {
      const started = new Int32Array(new SharedArrayBuffer(4 * 400));
      const tasks400 = Array.from({ length: 400 }, (_, id) => rt.timeout(20, outcomes.runAsync, { id, kind: 'wait', value: id, ms: id % 40 }, started));
      const results = await bounded('400 tasks', Promise.all(tasks400.map((task) => task.result())), 60_000);
      await quiet(rt);
      const stats = rt.stats();
      const seen = { completed: 0, errors: 0, panics: 0, cancelled: 0, timeouts: 0 };
      for (const result of results) seen[counterOf(result)]++;
      expect(stats.launched).toBe(400);
      expect({ completed: stats.completed, errors: stats.errors, panics: stats.panics, cancelled: stats.cancelled, timeouts: stats.timeouts }).toEqual(seen);
    } finally {
      await rt.close();
    }
  }, 120_000);

  it('a result that cannot be cloned is an error, not a completion', async () => {
    const rt = createRuntime({ workers: 1 });
    try {
      const started = new Int32Array(new SharedArrayBuffer(4));
      const result = await bounded('the task', rt.go(outcomes.run, { id: 0, kind: 'uncloneable', value: 1, ms: 0 }, started).result());
      expect(!result.ok && result.error.name).toBe('SerializationError');
      const stats = rt.stats();
      expect({ completed: stats.completed, errors: stats.errors }).toEqual({ completed: 0, errors: 1 });
    } finally {
      await rt.close();
    }
  });

  it('tasks started by a worker that died are counted once, as panics', async () => {
    const rt = createRuntime({ workers: 2 });
    try {
      const parent = await bounded('the parent', rt.go(outcomes.orphans, 5, 100).result());
      expect(!parent.ok && parent.error.name).toBe('WorkerCrashError');
      await quiet(rt);
      const stats = rt.stats();
      expect(stats.launched).toBe(6);
      expect({ panics: stats.panics, sum: outcomeSum(stats) }).toEqual({ panics: 6, sum: 6 });
    } finally {
      await rt.close();
    }
  });
});

describe('property: every task lands in exactly one outcome counter', () => {
  it('holds for random mixes of ok, throwing, uncloneable, cancelled, timed-out, sync and async tasks on 2 workers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 24 }), async (specs) => {
        const before = counters();
        const started = new Int32Array(new SharedArrayBuffer(4 * specs.length));
        const settles = new Map<number, number>();
        const remove = addAfterRoutine((gid) => settles.set(gid, (settles.get(gid) ?? 0) + 1));
        const launched: Task<unknown>[] = specs.map((s, id) => {
          const fn = s.sync ? outcomes.run : outcomes.runAsync;
          const body = { id, kind: s.kind, value: s.value, ms: s.ms };
          if (s.mode === 'preAborted') return runtime.goWith({ signal: AbortSignal.abort() })(fn, body, started);
          if (s.mode === 'deadline') return runtime.timeout(s.deadlineMs, fn, body, started);
          const task = runtime.go(fn, body, started);
          if (s.mode === 'cancelSoon') task.cancel();
          return task;
        });
        const results = launched.map((task) => task.result());
        const done = new Set<number>();
        results.forEach((result, id) => void result.then(() => done.add(id)));
        for (const [id, s] of specs.entries()) {
          if (s.mode !== 'cancelRunning') continue;
          await until(() => Atomics.load(started, id) === 1 || done.has(id), 30_000, `task ${id} to start`);
          launched[id].cancel();
        }
        const settled = await bounded('the batch', Promise.all(results));
        remove();
        const batchHasDeadlines = specs.some((s) => s.mode === 'deadline');
        const seen = { completed: 0, errors: 0, panics: 0, cancelled: 0, timeouts: 0 };
        for (const [id, s] of specs.entries()) {
          const result = settled[id];
          expect(allowed(s, batchHasDeadlines)).toContain(result.ok ? 'ok' : result.error.name);
          if (result.ok) expect(result.value).toBe(s.value);
          seen[counterOf(result)]++;
          expect(settles.get(launched[id].gid) ?? 0).toBe(s.mode === 'preAborted' ? 0 : 1);
        }
        // Tasks past their deadline may still be running until they are stopped.
        await until(() => runtime.stats().active === 0 && runtime.stats().queued === 0, 30_000, 'the runtime to go quiet');
        const after = counters();
        const delta = Object.fromEntries(COUNTERS.map((name) => [name, after[name] - before[name]]));
        expect(delta).toEqual({ launched: specs.length, ...seen });
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
