import { describe, expect, it } from 'vitest';
import { got } from './got.js';

describe('got()', () => {
  it('shows the value and its type, so that "2" and 2 differ', () => {
    expect(got('2')).toBe('got "2" (a string)');
    expect(got(2)).toBe('got 2 (a number)');
    expect(got(NaN)).toBe('got NaN (a number)');
    expect(got(true)).toBe('got true (a boolean)');
    expect(got(2n)).toBe('got 2n (a bigint)');
    expect(got(null)).toBe('got null');
    expect(got(undefined)).toBe('got undefined');
    expect(got(Symbol('s'))).toBe('got Symbol(s) (a symbol)');
    expect(got(function named() {})).toBe('got a function (named)');
    expect(got([1, 2])).toBe('got [ 1, 2 ] (an array)');
    expect(got({ a: 1 })).toBe('got { a: 1 } (an object)');
    expect(got(new Date(0))).toBe('got 1970-01-01T00:00:00.000Z (an instance of Date)');
    expect(got(new URL('file:///x'))).toMatch(/^got URL \{ href: 'file:\/\/\/x'.*\.\.\. \(an instance of URL\)$/);
  });

  it('abbreviates long values', () => {
    expect(got('x'.repeat(200))).toBe(`got "${'x'.repeat(56)}... (a string)`);
  });
});
