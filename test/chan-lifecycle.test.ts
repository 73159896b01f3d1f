import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { chan, createRuntime, mutex, RuntimeClosedError, select, semaphore, send, tasks, TimeoutError } from '@routine/runtime';
import { until } from './support/until.js';

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));
const silent = pino({ level: 'silent' });

describe('channels and the runtime lifecycle', () => {
  it('dump() shows a task blocked on a channel or a lock and what it waits on', async () => {
    const rt = createRuntime({ workers: 2, logger: silent });
    const ch = chan<number>();
    const mu = mutex();
    await mu.lock();
    const receiving = rt.go(work.blockOnRecv, ch, true);
    const locking = rt.go(work.lockedIncrements, mu, new Int32Array(new SharedArrayBuffer(12)), 1, false);
    await until(() => rt.dump().filter((task) => task.waitingOn).length === 2);
    const waits = rt.dump().map((task) => task.waitingOn).sort();
    expect(waits[0]).toMatch(/^lock on a mutex/);
    expect(waits[1]).toMatch(/^recv on chan#\d+ \(capacity 0/);
    mu.unlock();
    await ch.send(1);
    expect(await receiving).toBe('received');
    await locking;
    await until(() => rt.dump().every((task) => !task.waitingOn));
    await rt.close();
  });

  it('close() wakes every blocked operation with RuntimeClosedError, on workers (sync and async) and on this thread', async () => {
    const rt = createRuntime({ workers: 2, logger: silent });
    const ch = chan<number>();
    const blocked = [rt.go(work.blockOnRecv, ch, true), rt.go(work.blockOnRecv, ch, false)];
    await until(() => rt.dump().length === 2);
    const full = chan<number>(1);
    await full.send(1);
    const mu = mutex();
    await mu.lock();
    const sem = semaphore(1);
    await sem.acquire();
    const here = [ch.recv(), full.send(2), mu.lock(), sem.acquire()];
    const closing = rt.close();
    for (const op of here) await expect(op).rejects.toBeInstanceOf(RuntimeClosedError);
    expect(await Promise.all(blocked)).toEqual(['RuntimeClosedError', 'RuntimeClosedError']);
    await closing;
    // Nothing changed: the value that could not be sent is not in the channel.
    expect(full.length).toBe(1);
  });

  it('a task stopped at its deadline while blocked in a send leaves the channel usable', async () => {
    const rt = createRuntime({ workers: 2, logger: silent });
    for (const capacity of [0, 2]) {
      const ch = chan<number>(capacity);
      // Sends `capacity` values, then blocks in one more sendSync until its deadline stops it.
      const flags = new Int32Array(new SharedArrayBuffer(32));
      await rt.go(() => 'warm'); // a loaded machine may boot the worker after the deadline otherwise
      const stopped = rt.timeout(200, work.chaosProduce, ch, [0, 1, 2], 8, 'number', true, 'none', 0, flags, 4);
      await expect(stopped).rejects.toBeInstanceOf(TimeoutError);
      // A task blocked in synchronous code is stopped by terminating its worker, after a grace.
      await until(() => rt.dump().length === 0);
      // What was in the buffer is there once; an unbuffered offer left by the killed sender is
      // delivered once (it was handed over before the kill), and nothing is stuck afterwards.
      const got: number[] = [];
      while (ch.length > 0 || capacity === 0) {
        const r = await Promise.race([ch.recv(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))]);
        if (!r) break;
        got.push(r.value!);
      }
      // (A task that never started before its deadline sent nothing.)
      expect(got).toEqual(flags[0] === 0 ? [] : capacity === 0 ? [0] : [0, 1]);
      await ch.send(9).catch(() => {}); // buffered: goes in; unbuffered: needs a receiver
      if (capacity > 0) expect((await ch.recv()).value).toBe(9);
    }
    await rt.close();
  });

  it('a task cancelled or past its deadline while awaiting a channel stops waiting on it', async () => {
    const rt = createRuntime({ workers: 1, logger: silent });
    const ch = chan<number>();
    const timedOut = rt.timeout(100, work.blockOnRecv, ch, false);
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
    await until(() => rt.dump().length === 0); // the worker let it go at its next turn
    const cancelled = rt.go(work.blockOnRecv, ch, false);
    await until(() => rt.dump().some((task) => task.gid === cancelled.gid && task.waitingOn !== undefined));
    cancelled.cancel();
    // The task's own recv woke with the cancel, and the task saw it.
    expect(await cancelled).toMatch(/^CancelledError/);
    // Neither counts as a receiver parked there any more: a select's send case is not ready.
    const bound = new Promise((resolve) => setTimeout(() => resolve('hung'), 5000));
    await until(() => rt.dump().length === 0);
    const picked = await Promise.race([select([send(ch, 1)], { default: () => 'no receiver' }), bound]);
    expect(picked).toEqual({ index: -1, value: 'no receiver' });
    await rt.close();
  });

  it('a task spinning while it holds a mutex is stopped without leaving the lock word half-written', async () => {
    const rt = createRuntime({ workers: 1, logger: silent });
    const mu = mutex();
    const shared = new Int32Array(new SharedArrayBuffer(12));
    // Many lock/unlock rounds: the deadline lands somewhere among them, never inside the lock code.
    const stopped = rt.timeout(100, work.lockedIncrements, mu, shared, 1e9, true);
    await expect(stopped).rejects.toBeInstanceOf(TimeoutError);
    // The caller hears of the deadline at once; the worker spins on until it is terminated.
    await until(() => rt.dump().length === 0, 30_000, 'the stopped task to leave its worker');
    // A user's lock held at the kill stays held (as a Go mutex whose goroutine died); the lock
    // word itself is whole: either free or held once.
    if (mu.locked) mu.unlock();
    const held = await mu.lock();
    held[Symbol.dispose]();
    expect(mu.locked).toBe(false);
    await rt.close();
  });
});
