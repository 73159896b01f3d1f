import { describe, expect, it } from 'vitest';
import { CodeTableFullError } from '../task/errors.js';
import { CodeKind, CodeTable } from './code-table.js';
import { codeTableBytes } from './layout.js';
import { viewsOf } from './views.js';

/** The buffer is 4 bytes longer than the table: a Float64Array view needs a multiple of 8. */
function table(entries: number, textBytes: number): CodeTable {
  return new CodeTable(viewsOf(new SharedArrayBuffer(codeTableBytes(entries, textBytes + 4))), 0, entries, textBytes);
}

describe('CodeTable', () => {
  it('a text too big for what is left fails, takes nothing, and what fits still registers', () => {
    const code = table(8, 100);
    const first = code.register(CodeKind.inline, 'a'.repeat(60));
    expect(() => code.register(CodeKind.inline, 'b'.repeat(41))).toThrow(CodeTableFullError);
    expect(() => code.register(CodeKind.inline, 'b'.repeat(41))).toThrow(/source is 41 bytes and the code table has 40 of its 100 bytes left/);
    // The failures took neither text nor an id: the next entry is id 1 and uses the last 40 bytes.
    const second = code.register(CodeKind.inline, 'c'.repeat(40));
    expect(second).toBe(first + 1);
    expect(code.read(first).text).toBe('a'.repeat(60));
    expect(code.read(second).text).toBe('c'.repeat(40));
    expect(() => code.register(CodeKind.inline, 'd')).toThrow(CodeTableFullError);
  });

  it('running out of ids gives the text back', () => {
    const views = viewsOf(new SharedArrayBuffer(codeTableBytes(2, 104)));
    const code = new CodeTable(views, 0, 2, 100);
    code.register(CodeKind.inline, 'one');
    code.register(CodeKind.inline, 'two');
    const error = (() => {
      try {
        code.register(CodeKind.inline, 'x'.repeat(90));
      } catch (failure) {
        return failure as CodeTableFullError;
      }
    })();
    expect(error).toBeInstanceOf(CodeTableFullError);
    expect(error?.code).toBe('ERR_ROUTINE_CODE_TABLE_FULL');
    expect(error?.message).toMatch(/more than 2 distinct task functions/);
    // The header's count and text top (CodeHeader) are where the two entries left them.
    expect(Array.from(views.i32.subarray(0, 2))).toEqual([2, 6]);
  });
});
