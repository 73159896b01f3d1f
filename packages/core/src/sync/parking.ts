/**
 * Where a blocked channel, lock or semaphore operation waits, on any thread, and what wakes it
 * besides the structure it waits on: the runtime closing, a deadline.
 *
 * A waiter waits on its structures' bells (memory/doorbell.ts), in slices: on a worker it looks at
 * its runtime's run state between slices, so a close reaches a task parked in a channel within
 * CLOSE_POLL_MS even if nobody rings; on the main thread the last runtime to close rings every bell a waiter of this thread is parked on, so the wake is at once.
 * Either way the waiter then throws RuntimeClosedError.
 *
 * A pending `Atomics.waitAsync` does not keep Node's event loop alive, so while any async waiter
 * is parked this thread holds one ref'd interval: a main thread awaiting a value from a worker
 * does not exit under it. A waiter parked forever keeps the process alive, as a goroutine blocked
 * forever keeps a Go program from finishing (and, on a worker, shows in dump()).
 */
import { type Bell, waitAsync, waitSync } from '../memory/doorbell.js';
import { currentContext } from '../task/context.js';
import { RuntimeClosedError } from '../task/errors.js';
import type { BlockedBoard } from './blocked-board.js';

/** How long a worker's waiter sleeps before it looks at its runtime's run state again. */
export const CLOSE_POLL_MS = 100;
/** The longest turn a blocked thread waits on one of several bells: what a change elsewhere may wait. */
const MULTI_SLICE_MS = 2;
/** Polls of a blocking waiter before it sleeps: a few microseconds (longer spins cost more than they save on a busy machine). */
const SPIN_ROUNDS = 500;

/** A word nobody rings, to sleep on when there is no bell (a select on signals alone). */
const NOBODY = new Int32Array(new SharedArrayBuffer(4));

interface Parked {
  readonly what: string;
  readonly bells: readonly Bell[];
  /** The task that waits (0: none, the main thread). */
  readonly gid: number;
}

interface ThreadParking {
  parked: Set<Parked>;
  /** Bumped by wakeParked: a waiter that sees it moved was woken by a close. */
  epoch: number;
  asyncWaiters: number;
  openRuntimes: number;
  keepAlive: ReturnType<typeof setInterval> | undefined;
  /** A worker's runtime header and the index of its run state word; unset on the main thread. */
  runState: { i32: Int32Array; word: number } | undefined;
  /** A worker's record of its latest blocked operation, which dump() reads. */
  board: BlockedBoard | undefined;
}

const THREAD = Symbol.for('routine.parking');
const thread: ThreadParking = ((globalThis as { [THREAD]?: ThreadParking })[THREAD] ??= {
  parked: new Set(), epoch: 0, asyncWaiters: 0, openRuntimes: 0, keepAlive: undefined, runState: undefined, board: undefined,
});

/**
 * A worker names its runtime's run state word (layout.ts Header.STATE) once, at boot, and the
 * record where it shows what it is blocked on.
 */
export function watchRunState(i32: Int32Array, word: number, board: BlockedBoard): void {
  thread.runState = { i32, word };
  thread.board = board;
  board.clear(); // a predecessor that died blocked left its record
}

/**
 * Counts a runtime open on this thread; the closer it returns wakes every operation parked here
 * with RuntimeClosedError once no runtime is left open (closing one pool of several must not end
 * the channel operations that the others serve).
 */
export function openRuntime(): () => void {
  thread.openRuntimes++;
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    if (--thread.openRuntimes === 0) wakeParked();
  };
}

/** Wakes every operation parked on this thread with RuntimeClosedError. */
function wakeParked(): void {
  thread.epoch++;
  for (const { bells } of thread.parked) {
    for (const bell of bells) {
      Atomics.add(bell.i32, bell.seq, 1);
      Atomics.notify(bell.i32, bell.seq);
    }
  }
}

/** A ticket for one blocked operation: park on it as often as needed, then `end()` it. */
export class Parking {
  readonly #entry: Parked;
  readonly #epoch = thread.epoch;
  /** The waiting task's signal: cancelled or past its deadline, the task stops waiting too. */
  readonly #taskSignal: AbortSignal | undefined;

  constructor(what: string, bells: readonly Bell[]) {
    const context = currentContext();
    this.#taskSignal = context && (context.controller ??= new AbortController()).signal;
    this.#entry = { what, bells, gid: context?.gid ?? 0 };
    thread.parked.add(this.#entry);
    thread.board?.write(this.#entry.gid, what);
  }

  end(): void {
    thread.parked.delete(this.#entry);
    const board = thread.board;
    if (!board) return;
    let latest: Parked | undefined;
    for (const parked of thread.parked) latest = parked;
    if (latest) board.write(latest.gid, latest.what);
    else board.clear();
  }

  /** Throws RuntimeClosedError if this thread's runtime is closing, the task's abort reason if it was stopped. */
  check(): void {
    if (this.#taskSignal?.aborted) throw this.#taskSignal.reason;
    const state = thread.runState;
    if (thread.epoch !== this.#epoch || (state && Atomics.load(state.i32, state.word) !== 0)) {
      throw new RuntimeClosedError(`the runtime was closed while this operation was blocked (${this.#entry.what})`);
    }
  }

  /** Waits (blocking this thread) until a bell rings, `ready()` holds, or `untilMs` (Date.now) passes. */
  waitSync(ready: () => boolean, untilMs = Infinity, round = 0): void {
    this.check();
    // A value often comes within microseconds (a producer on another core): polling that long
    // spares both sides a futex sleep and wake.
    for (let spin = 0; spin < SPIN_ROUNDS; spin++) if (ready()) return;
    const { bells } = this.#entry;
    // One bell is waited on exactly; several in turns, each for a slice that grows while nothing
    // happens (a blocked thread can wait on one word only).
    const slice = bells.length === 1 ? CLOSE_POLL_MS : Math.min(MULTI_SLICE_MS, 0.05 * 2 ** Math.min(round, 6));
    const left = Math.min(slice, untilMs - Date.now());
    if (left > 0) {
      if (bells.length > 0) waitSync(bells[round % bells.length], ready, left);
      else Atomics.wait(NOBODY, 0, 0, left);
    }
    this.check();
  }

  /** Waits without blocking the event loop until a bell rings, `ready()` holds, `untilMs` passes, or `caseSignal` or the task's signal aborts. */
  async waitAsync(ready: () => boolean, untilMs = Infinity, caseSignal?: AbortSignal): Promise<void> {
    this.check();
    const task = this.#taskSignal;
    const signal = caseSignal && task ? AbortSignal.any([caseSignal, task]) : (caseSignal ?? task);
    const { bells } = this.#entry;
    // The waits that lose a race stay registered on their bells until they time out: a slice
    // bounds how many pile up.
    const slice = thread.runState || bells.length > 1 ? CLOSE_POLL_MS : Infinity;
    const left = Math.min(slice, untilMs - Date.now());
    if (left <= 0) return;
    if (thread.asyncWaiters++ === 0) thread.keepAlive = setInterval(() => {}, 1 << 30);
    let onAbort: (() => void) | undefined;
    try {
      const timeoutMs = left === Infinity ? undefined : Math.max(1, Math.ceil(left));
      const waits = bells.map((bell) => waitAsync(bell, ready, timeoutMs));
      if (signal && !signal.aborted) {
        waits.push(new Promise<void>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve()), { once: true })));
      }
      if (!signal?.aborted) await (waits.length === 1 ? waits[0] : Promise.race(waits));
    } finally {
      if (onAbort) signal!.removeEventListener('abort', onAbort);
      if (--thread.asyncWaiters === 0) clearInterval(thread.keepAlive);
    }
    this.check();
  }
}
