/**
 * A futex lock on one Int32 word of a shared buffer, for the short critical sections of the
 * channels, semaphores and the rate limiter (a few loads and a memcpy, never user code).
 *
 * Drepper's three-state mutex: 0 free, 1 held, 2 held with waiters, so an unlock pays a notify
 * only when someone sleeps. Node lets every thread, the main one too, block in `Atomics.wait`;
 * the holder never waits or awaits inside, so a wait here lasts microseconds.
 *
 * Held stretches are also marked on this thread's safe point (memory/safety.ts): a worker that a
 * timeout stops is never terminated while it holds a lock, which would wedge the structure.
 */
import { workerEndpoint } from '../endpoint/worker-endpoint.js';
import { NO_SAFE_POINT } from '../memory/safety.js';

/** Bounds a wait on the lock word, so a missed wake-up costs a millisecond, not a hang. */
const WAIT_MS = 1;

function safePoint(): { enter(): void; leave(): void } {
  return workerEndpoint()?.safePoint ?? NO_SAFE_POINT;
}

/** Takes the lock at `i32[word]`; returns the safe point to hand back to `unlock`. */
export function lock(i32: Int32Array, word: number): { enter(): void; leave(): void } {
  const point = safePoint();
  point.enter();
  let c = Atomics.compareExchange(i32, word, 0, 1);
  if (c !== 0) {
    do {
      if (c === 2 || Atomics.compareExchange(i32, word, 1, 2) !== 0) Atomics.wait(i32, word, 2, WAIT_MS);
    } while ((c = Atomics.compareExchange(i32, word, 0, 2)) !== 0);
  }
  return point;
}

export function unlock(i32: Int32Array, word: number, point: { enter(): void; leave(): void }): void {
  if (Atomics.sub(i32, word, 1) !== 1) {
    Atomics.store(i32, word, 0);
    Atomics.notify(i32, word, 1);
  }
  point.leave();
}

/** Runs `body` holding the lock. `body` must not throw mid-write or call user code. */
export function locked<R>(i32: Int32Array, word: number, body: () => R): R {
  const point = lock(i32, word);
  try {
    return body();
  } finally {
    unlock(i32, word, point);
  }
}
