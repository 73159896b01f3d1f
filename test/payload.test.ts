import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, type Runtime } from '@routine/runtime';
import { pickSeed, seeded, withSeed } from './support/random.js';
import { bytesOf, checksum } from './fixtures/payloads.mjs';

type Payloads = typeof import('./fixtures/payloads.mjs');
const payloads = tasks<Payloads>(new URL('./fixtures/payloads.mjs', import.meta.url));
const MiB = 1 << 20;
const BOUND_MS = Number(process.env.PAYLOAD_BOUND_MS ?? 45_000);

const runtimes: Runtime[] = [];
function runtime(options: Parameters<typeof createRuntime>[0]): Runtime {
  const created = createRuntime(options);
  runtimes.push(created);
  return created;
}
afterAll(() => Promise.all(runtimes.map((r) => r.close())));

/** Fails instead of hanging: a payload that never gets memory would keep its task pending. */
function bounded<T>(what: string, promise: Promise<T>, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function expectAllAccounted(rt: Runtime): void {
  // Every task accounted for: none left queued or running.
  const stats = rt.stats();
  expect(stats.queued).toBe(0);
  expect(stats.active).toBe(0);
  expect(stats.launched).toBe(stats.completed + stats.errors + stats.panics + stats.cancelled + stats.timeouts);
}

describe('big payloads never wedge the arena', () => {
  it('three 17 MiB arguments, then a 12 MiB one and a small one, all run on the default 64 MiB arena', async () => {
    const rt = runtime({ workers: 1 });
    const first = [0, 1, 2].map((seed) => bytesOf(17 * MiB, seed));
    const sums = await bounded('three 17 MiB tasks', Promise.all(first.map((bytes) => rt.go(payloads.checksum, bytes))));
    expect(sums).toEqual(first.map(checksum));
    const twelve = bytesOf(12 * MiB, 7);
    const [big, small] = await bounded('the 12 MiB task and the one behind it', Promise.all([
      rt.go(payloads.checksum, twelve),
      rt.go(payloads.checksum, bytesOf(100, 8)),
    ]));
    expect(big).toEqual(checksum(twelve));
    expect(small).toEqual(checksum(bytesOf(100, 8)));
    expectAllAccounted(rt);
  });

  it('on the main thread, a burst bigger than the arena waits in line for blocks the tasks ahead free as they start', async () => {
    const rt = runtime({ workers: 1, arenaBytes: MiB });
    const inputs = Array.from({ length: 100 }, (_, i) => bytesOf(64 * 1024, i));
    const running = Promise.all(inputs.map((bytes) => rt.go(payloads.checksum, bytes)));
    // The ring has room for thousands; the arena for about fifteen of these. The rest wait.
    expect(rt.stats().waiting).toBeGreaterThan(50);
    inputs[99].fill(0); // taken at go(): a later change is not seen
    const sums = await bounded('100 tasks over a 1 MiB arena', running);
    expect(sums).toEqual(inputs.map((_, i) => checksum(bytesOf(64 * 1024, i))));
    expect(rt.stats().waiting).toBe(0);
    expectAllAccounted(rt);
  });

  it('60 concurrent tasks of 1-8 MiB (seeded sizes) on a 16 MiB arena all complete with intact arguments', async () => {
    const seed = pickSeed();
    await withSeed(seed, async () => {
      const random = seeded(seed);
      const rt = runtime({ workers: 2, arenaBytes: 16 * MiB });
      const inputs = Array.from({ length: 60 }, (_, i) => bytesOf(MiB + Math.floor(random() * 7 * MiB), i));
      const expected = inputs.map(checksum);
      const sums = await bounded('60 concurrent big tasks', Promise.all(inputs.map((bytes) => rt.go(payloads.checksum, bytes))));
      expect(sums).toEqual(expected);
      expectAllAccounted(rt);
    });
  });

  it('a burst of big results, then big arguments, on a 16 MiB arena', async () => {
    const seed = pickSeed();
    await withSeed(seed, async () => {
      const random = seeded(seed);
      const rt = runtime({ workers: 2, arenaBytes: 16 * MiB });
      const sizes = Array.from({ length: 30 }, () => 512 * 1024 + Math.floor(random() * 5 * MiB));
      const results = await bounded('30 big results', Promise.all(sizes.map((size, i) => rt.go(payloads.produce, size, i))));
      for (const [i, result] of results.entries()) expect(checksum(result)).toEqual(checksum(bytesOf(sizes[i], i)));
      const inputs = sizes.map((size, i) => bytesOf(size + 4096, 100 + i));
      const sums = await bounded('30 big arguments after them', Promise.all(inputs.map((bytes) => rt.go(payloads.checksum, bytes))));
      expect(sums).toEqual(inputs.map(checksum));
      expectAllAccounted(rt);
    });
  });

  it('a 64 KiB arena: payloads bigger than the whole arena, and many just under it, from the main thread and from workers', async () => {
    const rt = runtime({ workers: 2, arenaBytes: 64 * 1024 });
    // Two 24 KiB arguments cover most of the arena; once they are freed, a 12 KiB one must fit.
    const pair = [bytesOf(24 * 1024, 1), bytesOf(24 * 1024, 2)];
    expect(await bounded('two 24 KiB tasks', Promise.all(pair.map((bytes) => rt.go(payloads.checksum, bytes))))).toEqual(pair.map(checksum));
    const after = [bytesOf(12 * 1024, 3), bytesOf(100, 4)];
    expect(await bounded('a 12 KiB task after them', Promise.all(after.map((bytes) => rt.go(payloads.checksum, bytes))))).toEqual(after.map(checksum));
    const inputs = [200 * 1024, 60 * 1024, 50 * 1024, 1024 * 1024, 63 * 1024, 40 * 1024].flatMap((size) => [size, size - 1000]).map((size, i) => bytesOf(size, i));
    const sums = await bounded('tasks on a small arena', Promise.all(inputs.map((bytes) => rt.go(payloads.checksum, bytes))));
    expect(sums).toEqual(inputs.map(checksum));
    const sizes = [300 * 1024, 50 * 1024, 60 * 1024, 20 * 1024, 64 * 1024];
    const nested = await bounded('nested tasks on a small arena', Promise.all([0, 1, 2, 3].map((seed) => rt.go(payloads.nestedChecksums, sizes, seed * 10))));
    for (const [k, seedSums] of nested.entries()) expect(seedSums).toEqual(sizes.map((size, i) => checksum(bytesOf(size, k * 10 + i))));
    const results = await bounded('big results on a small arena', Promise.all(sizes.map((size, i) => rt.go(payloads.produce, size, i))));
    for (const [i, result] of results.entries()) expect(checksum(result)).toEqual(checksum(bytesOf(sizes[i], i)));
    expectAllAccounted(rt);
  });
});
