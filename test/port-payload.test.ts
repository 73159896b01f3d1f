import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, TimeoutError, transfer, WorkerCrashError, type Runtime, type Task } from '@routine/runtime';

type DiesLater = typeof import('./fixtures/dies-later.mjs');
const dies = tasks<DiesLater>(new URL('./fixtures/dies-later.mjs', import.meta.url));

const runtimes: Runtime[] = [];
afterAll(() => Promise.all(runtimes.map((r) => r.close())));

/** Fails instead of hanging. */
function bounded<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const bytes = (length: number, backing: ArrayBufferLike = new ArrayBuffer(length)) => new Uint8Array(backing).map((_, i) => i % 251);
const sumOf = (view: Uint8Array) => view.reduce((sum, byte) => sum + byte, 0);

/** Arguments that can only go by port, each with the sum the task should find. */
const portArguments: { kind: string; make(): { arg: unknown; sum: number } }[] = [
  { kind: 'a SharedArrayBuffer', make: () => { const view = bytes(5000, new SharedArrayBuffer(5000)); return { arg: view.buffer, sum: sumOf(view) }; } },
  { kind: 'a transfer() list', make: () => { const view = bytes(5000); return { arg: transfer(view.buffer, [view.buffer as ArrayBuffer]), sum: sumOf(view) }; } },
  { kind: 'a payload bigger than the arena', make: () => { const view = bytes(20_000); return { arg: view, sum: sumOf(view) }; } },
];

describe('tasks whose arguments go by port survive a worker that dies before starting them', () => {
  for (const { kind, make } of portArguments) {
    for (const death of ['process.exit', 'terminate at a deadline'] as const) {
      it(`${kind}, ${death}: the claimed task runs exactly once on the replacement, and the counters settle`, async () => {
        const rt = createRuntime({ workers: 1, arenaBytes: 4096 });
        runtimes.push(rt);
        const flag = new Int32Array(new SharedArrayBuffer(4));
        const runs = new Int32Array(new SharedArrayBuffer(4 * 4));
        // The gate keeps the worker busy until both tasks below are in the ring, so it claims
        // them together: the killer first (it yields at once), then the port task, whose
        // arguments it asks the main thread for just before the killer blocks it and dies.
        const gate = rt.go(dies.waitFor, flag);
        const killer: Task<void> = death === 'process.exit' ? rt.go(dies.exitAfterBlocking, 100, 7) : rt.timeout(150, dies.loopAfterYield);
        const { arg, sum } = make();
        const victims = [rt.go(dies.countAndSum, runs, 0, arg)];
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
        const [gated, killed, ...results] = await bounded('the tasks around a dying worker', Promise.all([gate, killer, ...victims].map((task) => task.result())));
        expect(gated.ok).toBe(true);
        expect(killed.ok).toBe(false);
        const error = (killed as { error: Error }).error;
        if (death === 'process.exit') {
          expect(error).toBeInstanceOf(WorkerCrashError);
          expect((error as WorkerCrashError).exitCode).toBe(7);
        } else {
          expect(error).toBeInstanceOf(TimeoutError);
        }
        expect(results).toEqual([{ ok: true, value: sum }]);
        expect(runs[0]).toBe(1);
        const stats = rt.stats();
        expect(stats.queued).toBe(0);
        expect(stats.active).toBe(0);
        expect(stats.completed).toBe(2);
        expect(death === 'process.exit' ? stats.panics : stats.timeouts).toBe(1);
      });
    }
  }
});

describe('arguments that go by port are taken at go(), like any other', () => {
  it('a change to them after go() is not seen by the task, and a transfer() list is detached at once', async () => {
    const rt = createRuntime({ workers: 1 });
    runtimes.push(rt);
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const list = [1, 2, 3];
    const moved = new Float64Array([4, 5]).buffer;
    const task = rt.go((s: Int32Array, l: number[], m: ArrayBuffer) => [Atomics.add(s, 0, 1), l, new Float64Array(m)[1]], shared, list, transfer(moved, [moved]));
    expect(moved.byteLength).toBe(0);
    list.push(4);
    expect(await bounded('the port task', Promise.resolve(task))).toEqual([0, [1, 2, 3], 5]);
    expect(shared[0]).toBe(1); // still shared, not copied
  });
});
