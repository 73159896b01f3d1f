/**
 * What a user sees running routine under vitest, whose transform this file goes through like any
 * test file: `await import(...)` inside an inline task arrives as `__vite_ssr_dynamic_import__`,
 * with the specifier resolved the Vite way, and the task must still run. And where a task fails,
 * the stack names it: an inline task by its name and the line that started it, a .ts module
 * task by the line in the .ts file.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, go, tasks } from '@routine/runtime';

const rt = createRuntime({ workers: 2 });
afterAll(() => rt.close());
const THIS_FILE = fileURLToPath(import.meta.url);

describe('inline tasks under vitest', () => {
  it('run `await import()` of routine itself, of a built-in and of a package, as the README writes them', async () => {
    const task = async (n: number) => {
      const { current } = await import('@routine/runtime');
      const os = await import('node:os');
      const { default: pino } = await import('pino');
      return [n, current().gid > 0, typeof os.cpus, typeof pino];
    };
    // The transform really happened: this is the path users are on.
    expect(String(task)).toContain('__vite_ssr_dynamic_import__');
    expect(await rt.go(task, 1)).toEqual([1, true, 'function', 'function']);
    expect(await go(task, 2)).toEqual([2, true, 'function', 'function']);
  });

  it('nested: a task that starts tasks through the runtime it imported', async () => {
    const sum = await rt.go(async (xs: number[]) => {
      const { go } = await import('@routine/runtime');
      const parts = await Promise.all(xs.map((x) => go((y: number) => y * y, x)));
      return parts.reduce((a, b) => a + b, 0);
    }, [1, 2, 3]);
    expect(sum).toBe(14);
  });
});

describe('stack traces of failed tasks', () => {
  it('name an inline task and the line of the code that started it', async () => {
    function parseReading(text: string): number {
      const value = Number(text);
      if (Number.isNaN(value)) throw new TypeError(`not a number: ${text}`);
      return value;
    }
    const failed = await rt.go(parseReading, 'abc').result(); // the line the stack names
    expect(failed.ok).toBe(false);
    const stack = (failed as { error: Error }).error.stack!;
    const line = new Error().stack!.split('\n')[1].match(/:(\d+):\d+\)?$/)![1];
    expect(stack).toContain('not a number: abc');
    expect(stack).toMatch(new RegExp(`at (Object\\.)?parseReading (\\[as fn\\] )?\\(routine-task:parseReading@${escape(pathToFileURL(THIS_FILE).href)}:${Number(line) - 3}:\\d+:\\d+\\)`));
    expect(stack).not.toMatch(/<anonymous>/);
  });

  it('name a task started inside an inline task by that task, the origin of it all', async () => {
    const stack = await rt.go(async function outer() {
      const { go } = await import('@routine/runtime');
      const failed = await go(function inner() {
        throw new Error('deep');
      }).result();
      return failed.ok ? '' : failed.error.stack!;
    });
    expect(stack).toMatch(/at (Object\.)?inner (\[as fn\] )?\(routine-task:inner@routine-task:outer@file:\/\/\S+vitest-inline\.test\.ts:\d+:\d+:\d+:\d+\)/);
  });

  it('of a .ts module task, name the line in the .ts file, without --enable-source-maps', async () => {
    expect(process.execArgv.join(' ')).not.toContain('enable-source-maps');
    const mod = tasks<typeof import('./fixtures/throws.ts')>(new URL('./fixtures/throws.ts', import.meta.url));
    const failed = await rt.go(mod.check, { sensor: 'a', value: -300, unit: 'C' }).result();
    expect(failed.ok).toBe(false);
    const stack = (failed as { error: Error }).error.stack!;
    expect(stack).toContain('impossible reading -300');
    expect(stack).toMatch(/fixtures\/throws\.ts:12:\d+/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
