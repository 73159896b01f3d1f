import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaskHandle } from '@routine/core';
import { HeldLine } from './held-line.js';

describe('HeldLine', () => {
  it('lets out the highest priority first, equal ones in arrival order, skipping those that gave up', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ priority: fc.integer({ min: -5, max: 5 }), givesUp: fc.boolean() }), { maxLength: 60 }), (specs) => {
        const line = new HeldLine();
        const handles = specs.map((spec, i) => {
          const handle = new TaskHandle<unknown>(i + 1, () => undefined);
          line.push({ handle, fn: undefined, args: [], options: undefined, priority: spec.priority, deadline: 0 });
          return handle;
        });
        specs.forEach((spec, i) => {
          if (spec.givesUp && handles[i].settle(false, new Error('gave up'))) line.gaveUp();
        });
        const stayed = specs.map((spec, i) => ({ ...spec, gid: i + 1 })).filter((spec) => !spec.givesUp);
        expect(line.length).toBe(stayed.length);
        const out: number[] = [];
        for (let next = line.shift(); next; next = line.shift()) out.push(next.handle.gid);
        // Array.prototype.sort is stable: equal priorities keep their order.
        expect(out).toEqual([...stayed].sort((a, b) => b.priority - a.priority).map((spec) => spec.gid));
        expect(line.length).toBe(0);
      }),
    );
  });
});
