import { describe, expect, it } from 'vitest';
import { createPool, createRuntime, RuntimeClosedError, type Result, type Task } from '@routine/runtime';

type Submit = (fn: (...args: never[]) => unknown, ...args: unknown[]) => Task<unknown>;

/**
 * Holds the only place with a task that waits for a gate, queues `count` more behind it, closes
 * while they wait, then opens the gate, and returns the waiters' outcomes.
 */
async function closeOnALine(submit: Submit, close: () => Promise<void>, count: number): Promise<Result<unknown>[]> {
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
  return outcomes;
}

const refusals = (outcomes: Result<unknown>[]) => outcomes.filter((outcome) => !outcome.ok && outcome.error instanceof RuntimeClosedError);

// Thousands of group members whose submits are all refused at once (the runtime closed under them):
// each refusal gives its place back inside the line's own loop, so none is lost and the stack
// does not grow with the line.
describe('a long waiting line when its runtime closes', () => {
  it('settles every group member once, with the refusal', async () => {
    const rt = createRuntime({ workers: 1 });
    const g = rt.group({ limit: 1, failFast: false });
    const outcomes = await closeOnALine((fn, ...args) => g.go(fn as never, ...(args as never[])), () => rt.close(), 20_000);
    expect(refusals(outcomes)).toHaveLength(20_000);
    await expect(g.wait()).rejects.toMatchObject({ errors: { length: 20_000 } });
  }, 30_000);

  // A pool's close lets what it accepted finish, those waiting in submitWait included: the same
  // long line then runs in order instead of being refused.
  it('runs every pool.submitWait handle waiting when the pool closes, each once', async () => {
    const pool = createPool({ name: 'refused-line', workers: 1, queue: 0 });
    const outcomes = await closeOnALine((fn, ...args) => pool.submitWait(fn as never, ...(args as never[])), () => pool.close(), 20_000);
    expect(outcomes).toEqual(Array.from({ length: 20_000 }, (_, i) => ({ ok: true, value: i })));
  }, 30_000);
});
