/**
 * Waiting for a ring to change without losing a wake-up.
 *
 * A waiter registers itself (WAITERS += 1), reads the sequence word, re-checks its condition,
 * and only then waits on the exact value it read. The ring's producer side publishes first and
 * reads WAITERS second (see Ring.publish), so whichever of the two comes second in the seq-cst
 * order sees the other: either the waiter's re-check sees the item, or the producer sees the
 * waiter and bumps the sequence word, which makes the wait return at once or wakes it.
 */

/** A sequence word to wait on and the count of its waiters (Int32 indices), in one buffer. */
export interface Bell {
  readonly i32: Int32Array;
  readonly seq: number;
  readonly waiters: number;
}

/**
 * Wakes every waiter on the bell, and costs two loads when nobody waits. Call it after the
 * store that publishes what the waiters wait for (both seq-cst): see the comment at the top.
 * Every waiter, not one: a worker keeps a waitAsync pending between its parks (BellWatch in the
 * worker entry), and a single wake could land on it rather than on a thread waiting now.
 */
export function ring(bell: Bell): void {
  if (Atomics.load(bell.i32, bell.waiters) !== 0) wakeAll(bell);
}

/** Wakes every waiter on the bell whether or not one is registered (a stop, an abort request). */
export function wakeAll(bell: Bell): void {
  Atomics.add(bell.i32, bell.seq, 1);
  Atomics.notify(bell.i32, bell.seq);
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
