import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';

describe('Admission', () => {
  it('lets at most `limit` in, the rest in order as others leave', () => {
    const started: number[] = [];
    const admission = new Admission<number>(2, (n) => void started.push(n));
    for (let n = 0; n < 5; n++) admission.enter(n);
    expect(started).toEqual([0, 1]);
    expect(admission.waiting).toBe(3);
    admission.leave();
    expect(started).toEqual([0, 1, 2]);
    admission.leave();
    admission.leave();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(admission.active).toBe(2);
  });

  it('skips a waiter that gave up, and tryEnter does not wait behind one', () => {
    const gaveUp = new Set<number>();
    const started: number[] = [];
    const admission = new Admission<number>(1, (n) => void started.push(n), (n) => gaveUp.has(n));
    admission.enter(0);
    admission.enter(1);
    admission.enter(2);
    gaveUp.add(1);
    admission.leave();
    expect(started).toEqual([0, 2]);
    gaveUp.add(3);
    admission.enter(3);
    admission.leave();
    expect(admission.tryEnter()).toBe(true);
  });

  it('keeps a refused item at the front and starts it on the next admit', () => {
    let room = false;
    const started: string[] = [];
    const admission = new Admission<string>(Infinity, (item) => (room ? (started.push(item), true) : false));
    admission.enter('a');
    admission.enter('b');
    expect(started).toEqual([]);
    room = true;
    admission.admit();
    expect(started).toEqual(['a', 'b']);
  });

  it('never starts an item twice when its start leaves at once (a refused submit)', () => {
    const started: number[] = [];
    const admission: Admission<number> = new Admission<number>(1, (n) => {
      started.push(n);
      admission.leave();
    });
    for (let n = 0; n < 4; n++) admission.wait(n);
    admission.admit();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(admission.active).toBe(0);
  });

  it('lets a long line of items whose start ends at once through in a loop, not a recursion', () => {
    let started = 0;
    const admission: Admission<number> = new Admission<number>(1, () => {
      started++;
      admission.leave(); // a refused submit: it gives its place back at once
    });
    admission.enter(-1);
    for (let n = 0; n < 100_000; n++) admission.wait(n);
    admission.admit();
    expect(started).toBe(100_001);
    expect(admission.active).toBe(0);
    expect(admission.waiting).toBe(0);
  });

  it('gives the place back and keeps the item first when its start throws', () => {
    let fail = true;
    const started: number[] = [];
    const admission = new Admission<number>(1, (n) => {
      if (fail) throw new Error('no memory');
      started.push(n);
    });
    admission.wait(1);
    admission.wait(2);
    expect(() => admission.admit()).toThrow('no memory');
    expect(admission.active).toBe(0);
    fail = false;
    admission.admit();
    expect(started).toEqual([1]);
  });

  it('property: every item that does not give up starts exactly once, in order, never above the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.constantFrom('enter', 'leave', 'giveUp'), { maxLength: 60 }), (limit, ops) => {
        const gaveUp = new Set<number>();
        const started: number[] = [];
        let inside = 0;
        const admission = new Admission<number>(limit, (n) => {
          started.push(n);
          inside++;
          expect(inside).toBeLessThanOrEqual(limit);
        }, (n) => gaveUp.has(n));
        let next = 0;
        const waiting: number[] = [];
        for (const op of ops) {
          if (op === 'enter') {
            waiting.push(next);
            admission.enter(next++);
          } else if (op === 'leave' && inside > 0) {
            inside--;
            admission.leave();
          } else if (op === 'giveUp') {
            const candidate = waiting.find((n) => !started.includes(n) && !gaveUp.has(n));
            if (candidate !== undefined) gaveUp.add(candidate);
          }
        }
        while (inside > 0) {
          inside--;
          admission.leave();
        }
        expect(new Set(started).size).toBe(started.length);
        expect(started).toEqual([...started].sort((a, b) => a - b));
        const expected = waiting.filter((n) => !gaveUp.has(n) || started.includes(n));
        expect(started).toEqual(expected);
      }),
    );
  });
});
