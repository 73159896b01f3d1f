import { afterAll, describe, expect, it } from 'vitest';
import {
  CodeTableFullError, createRuntime, InvalidArgumentError, RuntimeClosedError, SerializationError, TaskCaptureError, go, type Task,
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
    expect((error as Error).message).toMatch(/needs a function to run, got "a \+ b" \(a string\)/);
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

  it('a string where a number belongs says so: got "2" (a string)', () => {
    expect(() => createRuntime({ workers: '2' as never })).toThrow(/workers must be a whole number from 1 to 1024, got "2" \(a string\)/);
    expect(() => createRuntime({ arenaBytes: '4096' as never })).toThrow(/arenaBytes .*got "4096" \(a string\)/);
    expect(() => runtime.timeout('5' as never, () => 1)).toThrow(/a timeout must be a finite number of milliseconds >= 0, got "5" \(a string\)/);
    expect(() => runtime.group({ limit: '3' as never })).toThrow(/got "3" \(a string\)/);
    expect(() => runtime.group({ failFast: 'false' as never })).toThrow(/group\(\{ failFast \}\) must be true or false, got "false" \(a string\)/);
    expect(() => runtime.group({ signal: {} as never })).toThrow(/group\(\{ signal \}\) must be an AbortSignal, got \{\} \(an object\)/);
  });

  it.each([
    ['huge', /resourceLimits must be an object such as \{ maxOldGenerationSizeMb: 512 \}, got "huge" \(a string\)/],
    [null, /resourceLimits must be an object.*got null/],
    [[64], /resourceLimits must be an object.*\(an array\)/],
    [{ maxOldGenerationSizeMb: '2' }, /resourceLimits.maxOldGenerationSizeMb must be a number of megabytes > 0, got "2" \(a string\)/],
    [{ maxOldGenerationSizeMb: 0 }, /resourceLimits.maxOldGenerationSizeMb must be a number of megabytes > 0, got 0 \(a number\)/],
    [{ stackSizeMb: -4 }, /resourceLimits.stackSizeMb .*got -4/],
    [{ maxOldGenerationSizeMB: 64 }, /resourceLimits has no limit "maxOldGenerationSizeMB"; the limits are maxYoungGenerationSizeMb, maxOldGenerationSizeMb/],
  ])('resourceLimits: %j', (resourceLimits, message) => {
    expect(() => createRuntime({ workers: 1, resourceLimits: resourceLimits as never })).toThrow(InvalidArgumentError);
    expect(() => createRuntime({ workers: 1, resourceLimits: resourceLimits as never })).toThrow(message);
  });

  it('every option is checked: misspelt names, loggers, setup modules, metrics, the options object', () => {
    expect(() => createRuntime({ worker: 2 } as never)).toThrow(/createRuntime\(\) has no option "worker"; the options are workers, /);
    expect(() => createRuntime({ logger: console as never })).toThrow(/logger must be a pino logger/);
    expect(() => createRuntime({ workerSetup: './setup.mjs' })).toThrow(/workerSetup needs an absolute URL or path, got ".\/setup.mjs" \(a string\)/);
    expect(() => createRuntime({ workerSetup: 42 as never })).toThrow(/workerSetup needs a module's URL \(a URL or a string\), got 42 \(a number\)/);
    expect(() => createRuntime({ metrics: 'yes' as never })).toThrow(/metrics must be true or false, got "yes" \(a string\)/);
    expect(() => createRuntime('fast' as never)).toThrow(/createRuntime\(\) takes an options object, got "fast" \(a string\)/);
    for (const bad of [{ worker: 2 }, { logger: console }, { workerSetup: './setup.mjs' }, { metrics: 'yes' }]) {
      expect(() => createRuntime(bad as never)).toThrow(InvalidArgumentError);
    }
  });

  it('maxQueue below zero', () => {
    expect(() => createRuntime({ maxQueue: -1 })).toThrow(/maxQueue must be a number >= 0/);
  });

  it('tasks() needs an absolute URL or a package name', async () => {
    const { tasks } = await import('@routine/runtime');
    expect(() => tasks('./work.ts')).toThrow(/absolute URL or path, or a package name.*new URL\('\.\/work\.ts', import\.meta\.url\)/);
    expect(() => createRuntime({ workerSetup: 'some-package' })).toThrow(/workerSetup needs an absolute URL or path, got/);
  });

  it('tasks(package) resolves the package where the task is started; one that is not installed is named at go()', async () => {
    const { tasks } = await import('@routine/runtime');
    const rt = createRuntime({ workers: 1 });
    try {
      expect(await rt.go(tasks<typeof import('node:path')>('path').basename, '/a/b.txt')).toBe('b.txt');
      const before = rt.stats().launched;
      expect(() => rt.go(tasks<{ f(): void }>('no-such-package-xyz').f)).toThrow(/tasks\('no-such-package-xyz'\): no such package could be resolved/);
      expect(rt.stats().launched).toBe(before);
    } finally {
      await rt.close();
    }
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

  it('a task function too big for the code table fails with CodeTableFullError, and later ones still run', async () => {
    // 5 MiB of source, over the table's 4 MiB of text.
    const huge = (0, eval)(`() => ${JSON.stringify('x'.repeat(5 << 20))}.length`) as () => number;
    const error = await losesNothing(() => runtime.go(huge));
    expect(error).toBeInstanceOf(CodeTableFullError);
    expect((error as CodeTableFullError).code).toBe('ERR_ROUTINE_CODE_TABLE_FULL');
    expect((error as Error).message).toMatch(/source is 5242\d+ bytes and the code table has \d+ of its 4194304 bytes left.*tasks\(url\)/);
    // The failure took nothing: new functions, small and large, still register.
    expect(await runtime.go((a: number, b: number) => a * b + 1, 6, 7)).toBe(43);
    const large = (0, eval)(`() => ${JSON.stringify('y'.repeat(1 << 20))}.length`) as () => number;
    expect(await runtime.go(large)).toBe(1 << 20);
  });

  it('the free go() checks its input the same way', () => {
    const outer = 1;
    expect(() => go(() => outer)).toThrow(TaskCaptureError);
  });
});
