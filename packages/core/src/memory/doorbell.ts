/**
 * Waiting for a ring to change without losing a wake-up.
 *
 * A waiter registers itself (WAITERS += 1), reads the sequence word, re-checks its condition,
 * and only then waits on the exact value it read. The ring's producer side publishes first and
 * reads WAITERS second (see Ring.publish), so whichever of the two comes second in the seq-cst
 * order sees the other: either the waiter's re-check sees the item, or the producer sees the
 * waiter and bumps the sequence word, which makes the wait return at once or wakes it.
 *
 * A burst of producers would each pay a notify (a futex wake, a system call) for as long as the
 * waiter they woke has not yet counted itself out. So the first producer to see a waiter also
 * sets RUNG, and the others skip the wake while it is set. A waiter clears RUNG after it reads
 * the sequence word and before it re-checks its condition: a producer that still finds RUNG set
 * after that clear was preceded by one that set it since, whose bump of the sequence word comes
 * after the waiter's read of it, so the wait on the value read returns at once; and a producer
 * that found it set before the clear published before it, which the re-check sees.
 */
/** A sequence word to wait on and the count of its waiters (Int32 indices), in one buffer. */
export interface Bell {
  readonly i32: Int32Array;
  readonly seq: number;
  readonly waiters: number;
  /** Set by the producer that woke the waiters, cleared by each waiter before it re-checks. */
  readonly rung: number;
}

/**
 * Wakes every waiter on the bell, and costs two loads when nobody waits. Call it after the
 * store that publishes what the waiters wait for (both seq-cst): see the comment at the top.
 * Every waiter, not one: a worker keeps a waitAsync pending between its parks (BellWatch in the
 * worker entry), and a single wake could land on it rather than on a thread waiting now.
 */
export function ring(bell: Bell): void {
  if (Atomics.load(bell.i32, bell.waiters) !== 0 && Atomics.exchange(bell.i32, bell.rung, 1) === 0) wakeAll(bell);
}

/**
 * The waiter's half of the RUNG protocol: read the sequence word to wait on, then clear RUNG, in
 * that order (see the top of the file). Returns the value to wait on.
 */
export function watch(bell: Bell): number {
  const seen = Atomics.load(bell.i32, bell.seq);
  Atomics.store(bell.i32, bell.rung, 0);
  return seen;
}

/** Wakes every waiter on the bell whether or not one is registered (a stop, an abort request). */
export function wakeAll(bell: Bell): void {
  Atomics.add(bell.i32, bell.seq, 1);
  Atomics.notify(bell.i32, bell.seq);
}

/** Blocks this thread (workers only) until `ready()` or a ring, or `timeoutMs` passes. */
export function waitSync(bell: Bell, ready: () => boolean, timeoutMs = Infinity): void {
  Atomics.add(bell.i32, bell.waiters, 1);
  const seen = watch(bell);
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
    const seen = watch(bell);
    if (ready()) return;
    const result = Atomics.waitAsync(bell.i32, bell.seq, seen, timeoutMs);
    if (result.async) await result.value;
  } finally {
    Atomics.sub(bell.i32, bell.waiters, 1);
  }
}
