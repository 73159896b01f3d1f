import { describe, expect, it } from 'vitest';
import { createPool, createRuntime, RuntimeClosedError, type Task } from '@routine/runtime';

type Submit = (fn: (...args: never[]) => unknown, ...args: unknown[]) => Task<unknown>;

/**
 * Holds the only place with a task that waits for a gate, queues `count` more behind it, closes
 * while they wait, then opens the gate: every waiter's submit is refused by the closed runtime.
 */
async function refuseALine(submit: Submit, close: () => Promise<void>, count: number): Promise<unknown[]> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const first = submit((flag: Int32Array) => {
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 10);
    return 'first';
  }, gate);
  const waiting: Task<unknown>[] = [];
  for (let i = 0; i < count; i++) waiting.push(submit((x: number) => x, i));
  const closing = close();
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  await expect(first).resolves.toBe('first');
  const outcomes = await Promise.all(waiting.map((task) => task.result()));
  await closing;
  return outcomes.filter((outcome) => !outcome.ok && outcome.error instanceof RuntimeClosedError);
}

// Thousands of waiters whose submits are all refused at once (the runtime closed under them):
// each refusal gives its place back inside the line's own loop, so none is lost and the stack
// does not grow with the line.
describe('a long waiting line whose tasks are all refused', () => {
  it('settles every group member once, with the refusal', async () => {
    const rt = createRuntime({ workers: 1 });
    const g = rt.group({ limit: 1, failFast: false });
    const refused = await refuseALine((fn, ...args) => g.go(fn as never, ...(args as never[])), () => rt.close(), 20_000);
    expect(refused).toHaveLength(20_000);
    await expect(g.wait()).rejects.toMatchObject({ errors: { length: 20_000 } });
  }, 30_000);

  it('settles every pool.submitWait handle once, with the refusal', async () => {
    const pool = createPool({ name: 'refused-line', workers: 1, queue: 0 });
    const refused = await refuseALine((fn, ...args) => pool.submitWait(fn as never, ...(args as never[])), () => pool.close(), 20_000);
    expect(refused).toHaveLength(20_000);
  }, 30_000);
});
