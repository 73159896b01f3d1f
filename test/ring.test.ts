import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Ring, ringBytes, viewsOf } from '@routine/core';
import { pickSeed, withSeed } from './support/random.js';

const CANARY = 0x5a5a5a5a;
const GUARD_BYTES = 4096;

/** A ring with canary-filled guard regions on both sides of it. */
function guardedRing(capacity: number, start: number) {
  const bytes = ringBytes(capacity);
  const buffer = new SharedArrayBuffer(GUARD_BYTES + bytes + GUARD_BYTES);
  const i32 = new Int32Array(buffer);
  i32.fill(CANARY, 0, GUARD_BYTES / 4);
  i32.fill(CANARY, (GUARD_BYTES + bytes) / 4);
  new Ring(viewsOf(buffer), GUARD_BYTES, capacity).initialize(start);
  const canariesIntact = () =>
    i32.subarray(0, GUARD_BYTES / 4).every((w) => w === CANARY) && i32.subarray((GUARD_BYTES + bytes) / 4).every((w) => w === CANARY);
  return { buffer, canariesIntact };
}

async function race(options: { producers: number; consumers: number; perProducer: number; capacity: number; start: number; seed: number }) {
  const { buffer, canariesIntact } = guardedRing(options.capacity, options.start);
  const total = options.producers * options.perProducer;
  const done = new SharedArrayBuffer(4);
  const spawn = (role: string, id: number) =>
    new Promise<{ role: string; seen?: number[] }>((resolve, reject) => {
      const worker = new Worker(new URL('./fixtures/ring-worker.mjs', import.meta.url), {
        workerData: { buffer, offset: GUARD_BYTES, capacity: options.capacity, role, id, count: options.perProducer, total, seed: options.seed + id * 7919 + (role === 'consumer' ? 1 : 0), done },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const results = await Promise.all([
    ...Array.from({ length: options.producers }, (_, id) => spawn('producer', id)),
    ...Array.from({ length: options.consumers }, (_, id) => spawn('consumer', 100 + id)),
  ]);
  return { results, canariesIntact: canariesIntact(), total };
}

function verify(results: { role: string; seen?: number[] }[], producers: number, perProducer: number) {
  const received = Array.from({ length: producers }, () => new Uint8Array(perProducer));
  for (const { seen } of results) {
    if (!seen) continue;
    const lastFrom = new Array(producers).fill(-1);
    for (let i = 0; i < seen.length; i += 3) {
      const [producer, sequence, intact] = [seen[i], seen[i + 1], seen[i + 2]];
      expect(intact, `torn slot: producer ${producer} sequence ${sequence}`).toBe(1);
      // One consumer sees each producer's items in the order they were produced.
      expect(sequence, `producer ${producer} out of order`).toBeGreaterThan(lastFrom[producer]);
      lastFrom[producer] = sequence;
      received[producer][sequence]++;
    }
  }
  // Every item exactly once: none lost, none read twice.
  for (const [producer, counts] of received.entries()) {
    const wrong = counts.findIndex((n) => n !== 1);
    expect(wrong, `producer ${producer} item ${wrong} read ${counts[wrong]} times`).toBe(-1);
  }
}

describe('the MPMC ring across real threads', () => {
  it.each([
    { name: 'three producers, three consumers, tiny ring', producers: 3, consumers: 3, capacity: 4, start: 0 },
    { name: 'positions wrapping past 2^31 mid-run', producers: 2, consumers: 2, capacity: 16, start: 0x7fffffff - 5000 },
    { name: 'one producer, four consumers', producers: 1, consumers: 4, capacity: 64, start: -123 },
  ])('$name: every item read exactly once, in order per producer, canaries intact', async ({ producers, consumers, capacity, start }) => {
    const seed = pickSeed();
    await withSeed(seed, async () => {
      const perProducer = 20_000;
      const { results, canariesIntact } = await race({ producers, consumers, perProducer, capacity, start, seed });
      verify(results, producers, perProducer);
      expect(canariesIntact).toBe(true);
    });
  });

  it('reports full and empty without blocking, and wraps the Int32 positions', () => {
    const { buffer } = guardedRing(4, 0x7fffffff - 1);
    const ring = new Ring(viewsOf(buffer), GUARD_BYTES, 4);
    expect(ring.claim()).toBe(-1);
    expect(ring.isEmpty()).toBe(true);
    for (let round = 0; round < 3; round++) {
      const slots = [0, 1, 2, 3].map(() => {
        const slot = ring.reserve();
        ring.publish(slot, ring.reservedPosition);
        return slot;
      });
      expect(new Set(slots).size).toBe(4);
      expect(ring.reserve()).toBe(-1);
      expect(ring.size()).toBe(4);
      for (let i = 0; i < 4; i++) {
        const slot = ring.claim();
        expect(slot).toBe(slots[i]);
        ring.release(slot, ring.claimedPosition);
      }
      expect(ring.claim()).toBe(-1);
    }
  });
});
