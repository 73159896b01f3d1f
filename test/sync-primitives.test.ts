import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, mutex, once, rateLimiter, semaphore, tasks } from '@routine/runtime';

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));

describe('mutex, semaphore, once, rateLimiter across threads', () => {
  it('mutex: mutual exclusion under contention from four workers and the main thread', async () => {
    // Synchronous lockers on one runtime's workers, async ones on another's: an async locker holds
    // the lock across an await, which a neighbour blocked in lockSync on the same thread would
    // never let it finish (see the README on synchronous waits).
    const rt = createRuntime({ workers: 2 });
    const asyncRt = createRuntime({ workers: 2 });
    const mu = mutex();
    // [0] the counter, [1] holders now, [2] set if two were ever inside at once
    const shared = new Int32Array(new SharedArrayBuffer(12));
    const rounds = 300;
    const workers = [true, false, true, false].map((sync) => (sync ? rt : asyncRt).go(work.lockedIncrements, mu, shared, rounds, sync));
    for (let i = 0; i < rounds; i++) {
      using _held = await mu.lock();
      const seen = shared[0];
      if (Atomics.add(shared, 1, 1) !== 0) shared[2] = 1;
      await Promise.resolve();
      shared[0] = seen + 1;
      Atomics.sub(shared, 1, 1);
    }
    await Promise.all(workers);
    expect(shared[2]).toBe(0);
    expect(shared[0]).toBe(5 * rounds);
    expect(mu.locked).toBe(false);
    await Promise.all([rt.close(), asyncRt.close()]);
  });

  it('mutex: tryLock, and unlocking an unlocked mutex throws', async () => {
    const mu = mutex();
    expect(mu.tryLock()).toBe(true);
    expect(mu.tryLock()).toBe(false);
    mu.unlock();
    expect(() => mu.unlock()).toThrow(/unlock of an unlocked mutex/);
    const held = await mu.lock();
    held[Symbol.dispose]();
    held[Symbol.dispose](); // a second dispose is a no-op
    expect(mu.locked).toBe(false);
  });

  it('semaphore(2): at most two holders at once across workers and the main thread', async () => {
    const rt = createRuntime({ workers: 4 });
    const sem = semaphore(2);
    const slots = new Int32Array(new SharedArrayBuffer(8));
    // The synchronous holders on the workers, the async ones on the main thread: an async holder
    // on a worker could wait for its timer behind a neighbour blocked in acquireSync, which holds
    // the worker's thread (see the README on synchronous waits).
    const onMain = async (): Promise<boolean> => {
      await sem.acquire();
      const now = Atomics.add(slots, 0, 1) + 1;
      for (let seen = Atomics.load(slots, 1); now > seen; seen = Atomics.load(slots, 1)) {
        if (Atomics.compareExchange(slots, 1, seen, now) === seen) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      Atomics.sub(slots, 0, 1);
      sem.release();
      return true;
    };
    await Promise.all([...Array.from({ length: 4 }, () => rt.go(work.holdPermit, sem, slots, 20, true)), ...Array.from({ length: 4 }, onMain)]);
    expect(slots[1]).toBe(2);
    expect(sem.available).toBe(2);
    expect(() => sem.release()).toThrow(InvalidArgumentError);
    expect(() => semaphore(0)).toThrow(/semaphore\(n\)/);
    await rt.close();
  });

  it('once: one run among every thread, the others wait for it', async () => {
    const rt = createRuntime({ workers: 4 });
    const counter = new Int32Array(new SharedArrayBuffer(8));
    const o = once(() => {
      Atomics.add(counter, 0, 1);
    });
    const seen = await Promise.all([...[true, false, true, false].map((sync) => rt.go(work.doOnce, o, counter, sync)), o.do().then(() => Atomics.load(counter, 0))]);
    expect(seen).toEqual([1, 1, 1, 1, 1]);
    expect(o.done).toBe(true);
    await rt.close();
  });

  it('rateLimiter: one rate across workers and the main thread', async () => {
    const rt = createRuntime({ workers: 3 });
    const started = performance.timeOrigin + performance.now();
    const limiter = rateLimiter({ perSecond: 50, burst: 5 });
    const times = (await Promise.all([
      ...[true, false, true].map((sync) => rt.go(work.takeTokens, limiter, 5, sync)),
      (async () => {
        const mine: number[] = [];
        for (let i = 0; i < 5; i++) mine.push((await limiter.take(), performance.timeOrigin + performance.now()));
        return mine;
      })(),
    ])).flat().sort((a, b) => a - b);
    expect(times.length).toBe(20);
    // 5 at once from the burst, then 15 more at 50 a second: no sooner than 300 ms in all.
    expect(times[19] - started).toBeGreaterThanOrEqual(290);
    // The k-th grant (from 0) comes no sooner than (k + 1 - burst) / rate after the bucket was
    // made, and each time here is taken after its grant, however late a loaded machine runs it.
    for (let k = 0; k < times.length; k++) expect(times[k] - started).toBeGreaterThanOrEqual(((k + 1 - 5) * 1000) / 50 - 1);
    expect(limiter.tryTake()).toBe(false);
    expect(() => rateLimiter({ perSecond: 0 })).toThrow(/perSecond/);
    await rt.close();
  });
});
