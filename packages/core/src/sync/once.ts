/**
 * Go's sync.Once across threads: of every call to `do()` on every thread the once was passed to,
 * exactly one runs the function; the others wait until it has finished. A function cannot cross
 * threads, so each thread brings its own: the one given to `once(fn)` on this thread, or the one
 * passed to `do(fn)` (a worker's copy has none of its own). As in Go, a function that throws
 * still counts as done: its caller gets the error, the others return.
 *
 *   Int32 0      STATE  0 not run, 1 running, 2 done
 *   Int32 32-34  SEQ, WAITERS, RUNG (the bell)
 */
import { type Bell, wakeAll } from '../memory/doorbell.js';
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { runAsync, runSync, type Steps } from './steps.js';

export const ONCE_BRAND = 'Once';

const STATE = 0;
const State = { idle: 0, running: 1, done: 2 } as const;

export class Once {
  /** Marks a structured-clone copy so the receiving thread can revive it. */
  readonly '@routine/type' = ONCE_BRAND;
  readonly state: Int32Array;
  readonly #fn: (() => unknown) | undefined;
  readonly #bell: Bell;

  constructor(state: Int32Array, fn?: () => unknown) {
    this.state = state;
    this.#fn = fn;
    this.#bell = { i32: state, seq: 32, waiters: 33, rung: 34 };
  }

  get done(): boolean {
    return Atomics.load(this.state, STATE) === State.done;
  }

  /** Runs the function if no thread has, else waits until the one that does has finished. */
  async do(fn: (() => unknown) | undefined = this.#fn): Promise<void> {
    if (this.#win(fn)) {
      let result: unknown;
      try {
        result = fn!();
      } catch (error) {
        this.#finish();
        throw error;
      }
      // Done at once for a synchronous function: waiting for a microtask would leave it running
      // for whatever this thread starts first, a task blocked in doSync on it, say.
      if (result === null || typeof (result as PromiseLike<unknown> | undefined)?.then !== 'function') {
        this.#finish();
        return;
      }
      try {
        await result;
      } finally {
        this.#finish();
      }
      return;
    }
    await runAsync(this.#waitSteps(), () => 'once.do(), waiting for the thread running it', () => [this.#bell]);
  }

  /** `do` for synchronous code in a task: the function must be synchronous. */
  doSync(fn: (() => unknown) | undefined = this.#fn): void {
    if (this.#win(fn)) {
      try {
        fn!();
      } finally {
        this.#finish();
      }
      return;
    }
    runSync(this.#waitSteps(), () => 'once.doSync(), waiting for the thread running it', () => [this.#bell]);
  }

  #win(fn: (() => unknown) | undefined): boolean {
    if (Atomics.load(this.state, STATE) === State.done) return false;
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`once.do(fn) needs the function to run: a once passed to a task brings none of its own, ${got(fn)}`);
    }
    return Atomics.compareExchange(this.state, STATE, State.idle, State.running) === State.idle;
  }

  #finish(): void {
    Atomics.store(this.state, STATE, State.done);
    wakeAll(this.#bell);
  }

  *#waitSteps(): Steps<void> {
    while (Atomics.load(this.state, STATE) !== State.done) yield { ready: () => this.done };
  }
}

/** A once whose function, on this thread, is `fn`. */
export function once(fn?: () => unknown): Once {
  if (fn !== undefined && typeof fn !== 'function') throw new InvalidArgumentError(`once(fn) takes a function, ${got(fn)}`);
  return new Once(new Int32Array(new SharedArrayBuffer(36 * 4)), fn);
}
