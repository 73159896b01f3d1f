import { afterAll, describe, expect, it } from 'vitest';
import {
  createRuntime, InvalidArgumentError, RuntimeClosedError, SerializationError, TaskCaptureError, go, type Task,
} from '@routine/runtime';

const runtime = createRuntime({ workers: 1 });
afterAll(() => runtime.close());

/** Starts tasks, then makes a bad call; the tasks accepted before it must all still complete. */
async function losesNothing(badCall: () => unknown): Promise<unknown> {
  const accepted: Task<number>[] = [];
  for (let i = 0; i < 100; i++) accepted.push(runtime.go((n: number) => n * 2, i));
  let thrown: unknown;
  try {
    badCall();
  } catch (error) {
    thrown = error;
  }
  expect(await Promise.all(accepted)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  return thrown;
}

describe('bad input gets a named error and loses nothing', () => {
  it('a non-function', async () => {
    const error = await losesNothing(() => runtime.go('a + b' as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/needs a function to run, got string/);
  });

  it('a capture names the variable and says to pass it as an argument', async () => {
    const factor = 3;
    const error = await losesNothing(() => runtime.go((n: number) => n * factor, 2));
    expect(error).toBeInstanceOf(TaskCaptureError);
    expect((error as TaskCaptureError).variables).toEqual(['factor']);
    expect((error as Error).message).toMatch(/captures "factor".*Pass it as an argument/);
  });

  it('several captures are all named; locals, parameters and globals are not', () => {
    const a = 1;
    const b = 2;
    const error = (() => {
      try {
        runtime.go((x: number) => {
          const local = Math.max(x, a);
          return [local, b, JSON.stringify({ x }), globalThis.structuredClone];
        }, 1);
      } catch (e) {
        return e as TaskCaptureError;
      }
    })();
    expect(error).toBeInstanceOf(TaskCaptureError);
    expect(error?.variables).toEqual(['a', 'b']);
  });

  it('a non-cloneable argument says which one and what to do', async () => {
    const error = await losesNothing(() => runtime.go((x: unknown, f: unknown) => [x, f], 1, () => 2));
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/argument 1 cannot be sent.*plain data/);
  });

  it('a result that cannot be cloned rejects the task with SerializationError', async () => {
    const error = await runtime.go(() => ({ fn: () => 1 })).then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('SerializationError');
    expect(error?.message).toMatch(/result cannot be sent/);
  });

  it('a native or bound function is refused with a way out', () => {
    expect(() => runtime.go(Math.max, 1, 2)).toThrow(/native or bound function cannot run as a task.*Wrap it/);
    expect(() => runtime.go(((a: number) => a).bind(null), 1)).toThrow(InvalidArgumentError);
  });

  it.each([0, -1, 1.5, NaN, 'two'])('workers: %s', (workers) => {
    expect(() => createRuntime({ workers: workers as number })).toThrow(InvalidArgumentError);
    expect(() => createRuntime({ workers: workers as number })).toThrow(/workers must be a whole number from 1/);
  });

  it.each([3, 1, 0, 1000])('queueCapacity: %s', (queueCapacity) => {
    expect(() => createRuntime({ queueCapacity })).toThrow(/queueCapacity must be a power of two/);
  });

  it('maxQueue below zero', () => {
    expect(() => createRuntime({ maxQueue: -1 })).toThrow(/maxQueue must be a number >= 0/);
  });

  it('tasks() needs an absolute URL', async () => {
    const { tasks } = await import('@routine/runtime');
    expect(() => tasks('./work.ts')).toThrow(/absolute URL or path.*new URL\('\.\/work\.ts', import\.meta\.url\)/);
  });

  it('submitting after close throws RuntimeClosedError, and close drained what it had', async () => {
    const closing = createRuntime({ workers: 1 });
    const before = closing.go((n: number) => n + 1, 1);
    const closed = closing.close();
    expect(() => closing.go(() => 1)).toThrow(RuntimeClosedError);
    expect(() => closing.go(() => 1)).toThrow(/closed: it accepts no new tasks/);
    await expect(before).resolves.toBe(2);
    await closed;
  });

  it('the free go() checks its input the same way', () => {
    const outer = 1;
    expect(() => go(() => outer)).toThrow(TaskCaptureError);
  });
});
