import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Arena, ARENA_HEADER_BYTES } from './arena.js';
import { viewsOf } from './views.js';

const MiB = 1 << 20;

function arena(bytes: number) {
  const views = viewsOf(new SharedArrayBuffer(bytes));
  const created = new Arena(views, 0, bytes);
  created.initialize();
  return { arena: created, views };
}

describe('arena', () => {
  it('hands out 8-byte aligned, non-overlapping blocks and reuses freed ones', () => {
    const { arena: a, views } = arena(ARENA_HEADER_BYTES + MiB);
    const blocks = [100, 129, 5000, 65_536 + 27, 3].map((size) => ({ size, at: a.allocate(size) }));
    for (const { at } of blocks) expect(at % 8).toBe(0);
    for (const [i, { size, at }] of blocks.entries()) views.u8.fill(i + 1, at, at + size);
    for (const [i, { size, at }] of blocks.entries()) expect(views.u8.subarray(at, at + size).every((b) => b === i + 1)).toBe(true);
    const used = a.used();
    a.free(blocks[2].at);
    expect(a.allocate(4990)).toBe(blocks[2].at); // the hole it left is the first fit
    expect(a.used()).toBe(used); // 8 bytes too few to split off stay with the block
  });

  it('says no (-1) when full, and yes again after a free', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + 4096);
    const taken: number[] = [];
    for (let at = a.allocate(500); at >= 0; at = a.allocate(500)) taken.push(at);
    expect(taken.length).toBe(8); // 4096 bytes hold eight 508-byte blocks exactly
    expect(a.allocate(500)).toBe(-1);
    a.free(taken[3]);
    expect(a.allocate(500)).toBe(taken[3]);
  });

  it('a block takes its payload size rounded to 8 bytes plus its header, no size class', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + MiB);
    const first = a.allocate(65_536 + 32);
    const second = a.allocate(65_536 + 32);
    expect(second - first).toBe(65_536 + 32 + 8);
  });

  it('merges freed neighbours: three 17 MiB blocks and the tail make room for any size again', () => {
    const { arena: a } = arena(64 * MiB);
    const big = [a.allocate(17 * MiB), a.allocate(17 * MiB), a.allocate(17 * MiB)];
    expect(big.every((at) => at > 0)).toBe(true);
    expect(a.allocate(12 * MiB)).toBeGreaterThan(0); // the 13 MiB left above them
    a.free(big[0]);
    a.free(big[1]);
    expect(a.allocate(30 * MiB)).toBe(big[0]); // two neighbours freed make one block
  });

  it('largestBlock is the biggest payload it could ever hold: the whole arena', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + MiB);
    expect(a.largestBlock).toBe(MiB - 8);
    expect(a.allocate(a.largestBlock + 1)).toBe(-1);
    const at = a.allocate(a.largestBlock);
    expect(at).toBeGreaterThan(0);
    a.free(at);
    expect(a.used()).toBe(0);
  });

  it('property: random allocate/free sequences never overlap, stay aligned, and free back to one whole arena', () => {
    const bytes = ARENA_HEADER_BYTES + 256 * 1024;
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('alloc' as const), size: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 80_000 })) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const { arena: a, views } = arena(bytes);
        const live: { at: number; size: number; mark: number }[] = [];
        let mark = 0;
        for (const s of steps) {
          if (s.op === 'alloc') {
            const at = a.allocate(s.size);
            if (at < 0) continue;
            expect(at % 8).toBe(0);
            expect(at).toBeGreaterThanOrEqual(ARENA_HEADER_BYTES + 8);
            expect(at + s.size).toBeLessThanOrEqual(bytes);
            mark = (mark % 250) + 1;
            views.u8.fill(mark, at, at + s.size);
            live.push({ at, size: s.size, mark });
          } else if (live.length > 0) {
            const [gone] = live.splice(s.pick % live.length, 1);
            a.free(gone.at);
          }
          // No block overlaps another, and no bookkeeping of the allocator wrote into one.
          for (const block of live) {
            expect(views.u8.subarray(block.at, block.at + block.size).every((b) => b === block.mark)).toBe(true);
          }
          expect(a.allocate(a.largestBlock + 1)).toBe(-1);
        }
        for (const block of live) a.free(block.at);
        expect(a.used()).toBe(0);
        const whole = a.allocate(a.largestBlock);
        expect(whole).toBe(ARENA_HEADER_BYTES + 8);
      }),
      { numRuns: 200 },
    );
  });
});
