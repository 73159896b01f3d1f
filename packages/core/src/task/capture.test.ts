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

  it('ignores property names and object keys that look like variables', () => {
    expect(capturesOf('(o) => ({ factor: o.factor, [o.key]: o.offset })')).toEqual([]);
  });
});
