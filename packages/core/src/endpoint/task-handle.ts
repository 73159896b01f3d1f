/**
 * The handle `go` returns. It is thenable but not a Promise: no promise (and so no possible
 * unhandled rejection) exists until someone observes the task with `then`, `await` or `result()`.
 * A failure nobody observes is reported to the thread's unobserved-failure handler instead
 * (logged with gid and stack), once nobody can observe it any more (see unobserved.ts).
 */
import type { Detached } from '../codec/codec.js';
import type { Result } from '../task/result.js';
import type { Trace } from '../task/trace-id.js';
import type { Delay } from '../sync/delay.js';
import type { Suspect } from './unobserved.js';
import { listenProgress, progressOf, progressSettled, type ProgressListener } from '../task/progress.js';

export interface Task<R> extends PromiseLike<R> {
  /** Unique in the process, also for tasks started inside workers. */
  readonly gid: number;
  /**
   * Cancels the task. If it has not started it never runs and rejects with `CancelledError`. If
   * it is running, its `current().signal` aborts (with a CancelledError as reason) and it settles
   * as its code decides: an async task sees this at its next turn of the event loop; a
   * synchronous one cannot, and finishes.
   */
  cancel(reason?: unknown): void;
  /** Settles with the outcome; never rejects. */
  result(): Promise<Result<R>>;
  /** As a Promise's: observes the task. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B>;
  /** As a Promise's: observes the task, and rejects as it does. */
  finally(onFinally?: (() => void) | null): Promise<R>;
  /**
   * Calls `listener` with each value the task reports by current().progress(), first with those
   * reported before anyone listened (the latest 1,024, kept by the handle); returns the remover.
   */
  onProgress(listener: ProgressListener): () => void;
  /** The task's progress values as they come (those kept first), ending after the last one it sent. */
  progress(): AsyncIterableIterator<unknown>;
}

/** Where and when a timed task ran (its completion says, slot.ts). */
export interface Ran {
  worker: number;
  /** monotonicMs() when its function was called, and when it returned or its promise settled. */
  from: number;
  to: number;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/**
 * The handle, plus what the submitting endpoint tracks about the task while it is pending (one
 * object per task, not two: at a million tasks a second, allocations are the cost).
 */
export class TaskHandle<R> implements Task<R> {
  readonly gid: number;
  /** Index in the endpoint's table of pending tasks; echoed back by the completion. */
  ticket = -1;
  /** Ring slot (Int32 index) and position while in the ring; -1 while waiting in overflow. */
  slot = -1;
  position = 0;
  codeId = 0;
  parentGid = 0;
  /** The trace it inherited; undefined when it roots its own (see writeRootTrace). */
  trace: Trace | undefined = undefined;
  /** monotonicMs() when accepted, for the wait-time histogram (0 with metrics off). */
  submittedMs = 0;
  /** Epoch ms after which the task times out (0: never), the timeout it came from, and its timer. */
  deadline = 0;
  timeoutMs = 0;
  timer: Delay | undefined = undefined;
  /** Where the payload goes (Placement) and its measured size. */
  placement = 0;
  size = 0;
  /** Overflow only: the measured arguments, waiting to be written into the ring. */
  detached: Detached | undefined = undefined;
  /** Code-table id of the task's name, or -1. */
  nameId = -1;
  /** SubmitFlag bits: a map() chunk, a timed task, one whose span a worker reports. */
  flags = 0;
  /** Once settled, for a timed task that ran: where, and monotonicMs() from and to. */
  ran: Ran | undefined = undefined;
  /** For a handle made before its task (a group member): the task, once started. */
  delegate: Task<unknown> | undefined = undefined;
  /** Set when it failed unobserved: observing it now takes back the report. */
  suspect: Suspect | undefined = undefined;
  #onSettled: (() => void)[] | undefined;
  #state = PENDING;
  /** The value or the error, once settled. */
  #outcome: unknown = undefined;
  #observed = false;
  #resolve?: (value: R) => void;
  #reject?: (error: Error) => void;
  #promise?: Promise<R>;
  readonly #onCancel: (task: TaskHandle<unknown>, reason: unknown) => void;

  constructor(gid: number, onCancel: (task: TaskHandle<unknown>, reason: unknown) => void) {
    this.gid = gid;
    this.#onCancel = onCancel;
  }

  get settled(): boolean {
    return this.#state !== PENDING;
  }

  get observed(): boolean {
    return this.#observed;
  }

  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promiseOf().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this.#promiseOf().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<R> {
    return this.#promiseOf().finally(onFinally);
  }

  result(): Promise<Result<R>> {
    return this.#promiseOf().then(
      (value) => ({ ok: true as const, value }),
      (error: Error) => ({ ok: false as const, error }),
    );
  }

  onProgress(listener: ProgressListener): () => void {
    return listenProgress(this, listener);
  }

  progress(): AsyncIterableIterator<unknown> {
    return progressOf(this);
  }

  cancel(reason?: unknown): void {
    if (this.#state === PENDING) this.#onCancel(this as TaskHandle<unknown>, reason);
  }

  /** Settles once, with a value (`ok`) or an error; later calls are ignored and return false. */
  settle(ok: boolean, outcome: unknown): boolean {
    if (this.#state !== PENDING) return false;
    this.#state = ok ? FULFILLED : REJECTED;
    this.#outcome = outcome;
    if (ok) this.#resolve?.(outcome as R);
    else this.#reject?.(outcome as Error);
    progressSettled(this);
    if (this.#onSettled) for (const listener of this.#onSettled) listener();
    return true;
  }

  /** The outcome once settled, without counting as observing it (for hooks and spans); undefined before. */
  peek(): Result<R> | undefined {
    if (this.#state === PENDING) return undefined;
    return this.#state === FULFILLED ? { ok: true, value: this.#outcome as R } : { ok: false, error: this.#outcome as Error };
  }

  /** Runs `listener` once the task settles, without counting as observing it. */
  onSettled(listener: () => void): void {
    if (this.#state !== PENDING) listener();
    else (this.#onSettled ??= []).push(listener);
  }

  #promiseOf(): Promise<R> {
    if (!this.#observed) {
      this.#observed = true;
      if (this.suspect) this.suspect.reporter.clear(this.suspect);
    }
    if (this.#promise) return this.#promise;
    if (this.#state !== PENDING) {
      this.#promise = this.#state === FULFILLED ? Promise.resolve(this.#outcome as R) : Promise.reject(this.#outcome);
    } else {
      this.#promise = new Promise<R>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }
}
