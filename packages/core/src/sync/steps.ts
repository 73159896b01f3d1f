/**
 * One blocking operation, written once and run two ways: its steps are a generator that yields
 * each time it must wait (what would make it ready, until when), and a driver waits, awaiting on
 * the main thread and in async code, blocking the thread in a task's synchronous code. So `send`
 * and `sendSync` (and recv, select, a lock) are the same code, and a RuntimeClosedError raised
 * by a wait is thrown into the steps at the point where they waited, for them to undo what they
 * must (a rendezvous offer, a parked-receiver count).
 */
import type { Bell } from '../memory/doorbell.js';
import { Parking } from './parking.js';

export interface Wait {
  ready(): boolean;
  /** A Date.now() time to wake at even if nothing rings (a timer's deadline). */
  until?: number;
  signal?: AbortSignal;
}

export type Steps<R> = Generator<Wait, R, void>;

export async function runAsync<R>(steps: Steps<R>, what: () => string, bells: () => readonly Bell[]): Promise<R> {
  let next = steps.next();
  if (next.done) return next.value;
  const parking = new Parking(what(), bells());
  try {
    while (!next.done) {
      const wait = next.value;
      try {
        await parking.waitAsync(wait.ready, wait.until, wait.signal);
      } catch (error) {
        next = steps.throw(error);
        continue;
      }
      next = steps.next();
    }
    return next.value;
  } finally {
    parking.end();
  }
}

export function runSync<R>(steps: Steps<R>, what: () => string, bells: () => readonly Bell[]): R {
  let next = steps.next();
  if (next.done) return next.value;
  const parking = new Parking(what(), bells());
  try {
    for (let round = 0; !next.done; round++) {
      const wait = next.value;
      try {
        parking.waitSync(wait.ready, wait.until, round);
      } catch (error) {
        next = steps.throw(error);
        continue;
      }
      next = steps.next();
    }
    return next.value;
  } finally {
    parking.end();
  }
}
