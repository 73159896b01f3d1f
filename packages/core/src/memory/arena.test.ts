import { describe, expect, it } from 'vitest';
import { Arena, ARENA_HEADER_BYTES } from './arena.js';
import { viewsOf } from './views.js';

function arena(bytes: number) {
  const views = viewsOf(new SharedArrayBuffer(bytes));
  const created = new Arena(views, 0, bytes);
  created.initialize();
  return { arena: created, views };
}

describe('arena', () => {
  it('hands out 8-byte aligned, non-overlapping blocks and reuses freed ones', () => {
    const { arena: a, views } = arena(ARENA_HEADER_BYTES + (1 << 20));
    const blocks = [100, 129, 5000, 65_536 + 27, 3].map((size) => ({ size, at: a.allocate(size) }));
    for (const { at } of blocks) expect(at % 8).toBe(0);
    for (const [i, { size, at }] of blocks.entries()) views.u8.fill(i + 1, at, at + size);
    for (const [i, { size, at }] of blocks.entries()) expect(views.u8.subarray(at, at + size).every((b) => b === i + 1)).toBe(true);
    const used = a.used();
    a.free(blocks[2].at);
    expect(a.allocate(4990)).toBe(blocks[2].at); // same size class (5 KiB) comes back from the free list
    expect(a.used()).toBe(used);
  });

  it('says no (-1) when full, and yes again after a free', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + 4096);
    const taken: number[] = [];
    for (let at = a.allocate(500); at >= 0; at = a.allocate(500)) taken.push(at);
    expect(taken.length).toBeGreaterThan(3);
    expect(a.allocate(500)).toBe(-1);
    a.free(taken[0]);
    expect(a.allocate(500)).toBe(taken[0]);
  });

  it('a 64 KiB payload takes an 80 KiB block, not 128 KiB', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + (1 << 20));
    const first = a.allocate(65_536 + 32);
    const second = a.allocate(65_536 + 32);
    expect(second - first).toBe(80 * 1024);
  });

  it('largestBlock is the biggest payload it could ever hold', () => {
    const { arena: a } = arena(ARENA_HEADER_BYTES + (1 << 20));
    expect(a.allocate(a.largestBlock)).toBeGreaterThan(0);
    expect(a.largestBlock).toBeLessThan(1 << 20);
  });
});
