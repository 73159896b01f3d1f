import { describe, expect, it } from 'vitest';
import { inlineSource } from './capture.js';
import { TaskCaptureError } from './errors.js';

// Functions built from text, so no test toolchain rewrites their bodies.
const fn = (source: string) => (0, eval)(`(${source})`) as (...args: never[]) => unknown;

function capturesOf(source: string): readonly string[] {
  try {
    inlineSource(fn(source));
    return [];
  } catch (error) {
    if (error instanceof TaskCaptureError) return error.variables;
    throw error;
  }
}

describe('capture analysis', () => {
  it.each([
    ['(a, b) => a + b', []],
    ['(a) => { const b = a * 2; return [b, Math.max(a, b), JSON.stringify(a)]; }', []],
    ['function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); }', []],
    ['async (x) => { const { go } = await import("@routine/runtime"); return go((y) => y, x); }', []],
    ['(x) => { try { return x(); } catch (err) { return err; } }', []],
    ['({ a, b: [c] }) => a + c', []],
    ['() => { class K { m() { return this; } } return new K(); }', []],
    ['() => factor * 2', ['factor']],
    ['(x) => x.map((y) => y + offset)', ['offset']],
    ['() => { const inner = () => shared; return inner(); }', ['shared']],
    ['() => require("fs")', ['require']],
    ['() => __dirname', ['__dirname']],
  ])('%s -> %j', (source, expected) => {
    expect(capturesOf(source)).toEqual(expected);
  });

  it.each(['URL', 'crypto', 'fetch', 'name', 'process', 'Buffer', 'navigator', 'AbortController', 'Blob', 'require', 'module'])(
    'a global name outside the fixed list (%s) is refused: the caller may have declared or imported it',
    (global) => {
      const error = (() => {
        try {
          inlineSource(fn(`() => ${global}`));
        } catch (failure) {
          return failure as TaskCaptureError;
        }
      })();
      expect(error).toBeInstanceOf(TaskCaptureError);
      expect(error?.variables).toEqual([global]);
      if (global in globalThis) {
        expect(error?.globalNamed).toEqual([global]);
        expect(error?.message).toContain(`uses "${global}", a global's name that your code may also declare or import`);
        expect(error?.message).toContain(`Write globalThis.${global} for the worker's global, import it inside the task, or pass it as an argument`);
      }
    },
  );

  it('the language built-ins, console, timers and the like are the same on every thread and allowed', () => {
    const source = `async (n) => {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 0));
      queueMicrotask(() => console.log(JSON.stringify({ n })));
      const bytes = new TextEncoder().encode(String(n));
      return [Math.max(n, 1), new Map([[1, 2]]), BigInt(n), Atomics, Reflect.ownKeys({}), structuredClone([n]), new Uint8Array(bytes), Intl, Symbol.iterator, globalThis.URL, undefined, NaN, started];
    }`;
    expect(capturesOf(source)).toEqual([]);
  });

  it('a local and a global-named capture are each explained', () => {
    const error = (() => {
      try {
        inlineSource(fn('() => [factor, process.pid]'));
      } catch (failure) {
        return failure as TaskCaptureError;
      }
    })();
    expect(error?.variables).toEqual(['factor', 'process']);
    expect(error?.globalNamed).toEqual(['process']);
    expect(error?.message).toMatch(/captures "factor" from its surrounding scope.*uses "process", a global's name/);
  });

  it('ignores property names and object keys that look like variables', () => {
    expect(capturesOf('(o) => ({ factor: o.factor, [o.key]: o.offset })')).toEqual([]);
  });
});
