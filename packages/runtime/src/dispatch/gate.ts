/**
 * What stands between a runtime's callers and its endpoint: pausing, and priorities.
 *
 * `pause()` holds every task submitted from then on in the runtime's line (held-line.ts) until
 * `resume()`; tasks already handed to the workers (in the ring, or waiting behind it in the
 * endpoint's own line) still run, as running ones do in p-queue. A task with a priority goes to
 * the line when tasks already wait behind a full ring, and every task goes there while the line
 * is not empty, so the line's order (highest priority first) decides who goes into the ring next.
 * Tasks leave the line one by one while the endpoint takes them without waiting.
 *
 * A held task is not yet known to the endpoint: it is counted in stats() once it leaves the line,
 * and an input it cannot take (a captured variable, an uncloneable argument) fails its handle
 * then rather than throwing from go(). Nested tasks started inside workers never wait here: a
 * parent waiting on a child held behind a pause would never finish.
 */
import {
  CancelledError, type SubmitOptions, type Submitter, type TaskHandle, TimeoutError, clearDelay, delay, type Delay,
  type UnobservedReport, UnobservedReporter,
} from '@routine/core';
import { deferredHandle } from '../api/deferred.js';
import { HeldLine, type HeldTask } from './held-line.js';

export interface GateParts {
  /** Reserves gids for held handles. */
  submitter: Submitter;
  /** Hands a task to the endpoint now. */
  send(fn: unknown, args: unknown[], options: SubmitOptions): TaskHandle<unknown>;
  /** Tasks wait behind the ring in the endpoint's own line. */
  overflowing(): boolean;
  /** A held task failed after it left the line and nobody observed it. */
  /** A failure of a held task nobody observed, reported once nobody can (unobserved.ts in core). */
  onUnobserved: UnobservedReport;
  /** Tasks wait in the line (true) or none do any more (false): the process must stay up meanwhile. */
  holding(on: boolean): void;
}

export class Gate {
  readonly #parts: GateParts;
  readonly #unobserved: UnobservedReporter;
  readonly #line = new HeldLine();
  readonly #timers = new Map<TaskHandle<unknown>, Delay>();
  #paused = false;

  constructor(parts: GateParts) {
    this.#parts = parts;
    this.#unobserved = new UnobservedReporter(parts.onUnobserved);
  }

  /** Reports the failures of held tasks still unobserved: the runtime closed. */
  reportUnobserved(): void {
    this.#unobserved.flush();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Tasks waiting in the line. */
  get waiting(): number {
    return this.#line.length;
  }

  /** Whether a task with these options waits in the line rather than going to the endpoint now. */
  holds(options: SubmitOptions | undefined): boolean {
    if (this.#paused || this.#line.length > 0) return true;
    return options?.priority !== undefined && options.priority !== 0 && this.#parts.overflowing();
  }

  hold(fn: unknown, args: unknown[], options: SubmitOptions | undefined): TaskHandle<unknown> {
    // A handle deferred already (a group member, a pool's submitWait) keeps its gid and lineage.
    const reserved = options?.gid !== undefined && options.lineage ? { gid: options.gid, lineage: options.lineage } : undefined;
    const handle = deferredHandle(
      this.#parts.submitter,
      'in the runtime\'s line (paused, or behind higher priorities)',
      (gaveUp, error) => this.#giveUp(gaveUp, error),
      reserved,
    );
    const timeoutMs = options?.timeoutMs;
    const held: HeldTask = { handle, fn, args, options, priority: options?.priority ?? 0, deadline: timeoutMs === undefined ? 0 : Date.now() + timeoutMs };
    if (timeoutMs !== undefined) {
      this.#timers.set(handle, delay(timeoutMs, () => this.#giveUp(handle, new TimeoutError(`task ${handle.gid} did not finish within ${timeoutMs} ms: it never left the runtime's line`, { gid: handle.gid }))));
    }
    const signal = options?.signal;
    if (signal) {
      if (signal.aborted) {
        handle.settle(false, new CancelledError(`task ${handle.gid} was cancelled before it started: its signal was already aborted`, { cause: signal.reason, gid: handle.gid }));
        return handle;
      }
      signal.addEventListener('abort', () => handle.cancel(signal.reason), { once: true });
    }
    this.#line.push(held);
    if (this.#line.length === 1) this.#parts.holding(true);
    return handle;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.admit();
  }

  /** Lets tasks out of the line while the endpoint takes them at once (`all`: every one, in order). */
  admit(all = false): void {
    if (this.#paused && !all) return;
    while (this.#line.length > 0 && (all || !this.#parts.overflowing())) this.#start(this.#line.shift()!);
    if (this.#line.length === 0) this.#parts.holding(false);
  }

  /** Fails every held task with `error` (the runtime was terminated). */
  failAll(error: Error): void {
    for (let next = this.#line.shift(); next; next = this.#line.shift()) {
      this.#clearTimer(next.handle);
      next.handle.settle(false, error);
    }
    this.#parts.holding(false);
  }

  #giveUp(handle: TaskHandle<unknown>, error: Error): void {
    if (handle.delegate || !handle.settle(false, error)) return;
    this.#clearTimer(handle);
    this.#line.gaveUp();
    if (this.#line.length === 0) this.#parts.holding(false);
  }

  #clearTimer(handle: TaskHandle<unknown>): void {
    clearDelay(this.#timers.get(handle));
    this.#timers.delete(handle);
  }

  #start({ handle, fn, args, options, deadline }: HeldTask): void {
    this.#clearTimer(handle);
    const sendOptions: SubmitOptions = { ...options, gid: handle.gid, lineage: handle };
    if (deadline !== 0) sendOptions.timeoutMs = Math.max(1, deadline - Date.now());
    let task: TaskHandle<unknown>;
    try {
      task = this.#parts.send(fn, args, sendOptions);
    } catch (error) {
      this.#settle(handle, false, error);
      return;
    }
    handle.delegate = task;
    void task.result().then((result) => this.#settle(handle, result.ok, result.ok ? result.value : result.error));
  }

  #settle(handle: TaskHandle<unknown>, ok: boolean, outcome: unknown): void {
    if (!handle.settle(ok, outcome) || ok) return;
    if (!handle.observed) this.#unobserved.suspect(handle, outcome as Error);
  }
}
