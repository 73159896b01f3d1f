/**
 * Waiting for a ring to change without losing a wake-up.
 *
 * A waiter registers itself (WAITERS += 1), reads the sequence word, re-checks its condition,
 * and only then waits on the exact value it read. The ring's producer side publishes first and
 * reads WAITERS second (see Ring.publish), so whichever of the two comes second in the seq-cst
 * order sees the other: either the waiter's re-check sees the item, or the producer sees the
 * waiter and bumps the sequence word, which makes the wait return at once or wakes it.
 */
import { type Ring } from './ring.js';

export interface Bell {
  readonly i32: Int32Array;
  readonly seq: number;
  readonly waiters: number;
}

export function bellOf(ring: Ring, i32: Int32Array, seqField: number, waitersField: number): Bell {
  return { i32, seq: ring.word(seqField), waiters: ring.word(waitersField) };
}

/** Blocks this thread (workers only) until `ready()` or a ring, or `timeoutMs` passes. */
export function waitSync(bell: Bell, ready: () => boolean, timeoutMs = Infinity): void {
  Atomics.add(bell.i32, bell.waiters, 1);
  const seen = Atomics.load(bell.i32, bell.seq);
  if (!ready()) Atomics.wait(bell.i32, bell.seq, seen, timeoutMs);
  Atomics.sub(bell.i32, bell.waiters, 1);
}

/**
 * Waits without blocking the event loop. `Atomics.waitAsync` may answer synchronously
 * ('not-equal' when the word already moved); that is a wake-up too.
 */
export async function waitAsync(bell: Bell, ready: () => boolean, timeoutMs?: number): Promise<void> {
  Atomics.add(bell.i32, bell.waiters, 1);
  try {
    const seen = Atomics.load(bell.i32, bell.seq);
    if (ready()) return;
    const result = Atomics.waitAsync(bell.i32, bell.seq, seen, timeoutMs);
    if (result.async) await result.value;
  } finally {
    Atomics.sub(bell.i32, bell.waiters, 1);
  }
}

/**
 * A waitAsync that can be abandoned: the worker races several bells and drops the losers, so
 * each must stop counting as a waiter when the race is over.
 */
export function armAsync(bell: Bell, timeoutMs?: number): { promise: Promise<unknown>; disarm(): void } {
  Atomics.add(bell.i32, bell.waiters, 1);
  let armed = true;
  const disarm = (): void => {
    if (!armed) return;
    armed = false;
    Atomics.sub(bell.i32, bell.waiters, 1);
  };
  const seen = Atomics.load(bell.i32, bell.seq);
  const result = Atomics.waitAsync(bell.i32, bell.seq, seen, timeoutMs);
  return { promise: result.async ? result.value : Promise.resolve(result.value), disarm };
}
