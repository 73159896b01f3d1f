/**
 * Go's errgroup: start tasks, wait for all of them, fail as one.
 *
 *   const g = group({ limit: 4 });
 *   for (const file of files) g.go(work.parse, file);
 *   await g.wait(); // the first error (failFast), or an AggregateError of all of them
 *
 * At most `limit` members run at once; the rest wait in the group, in order, and start as running
 * ones settle. `go` itself never blocks, so a producer with more work than memory waits for room
 * first, as errgroup's Go blocks under SetLimit:
 *
 *   for await (const message of subscription) {
 *     await g.ready(); // resolves once a member may start at once
 *     g.go(work.handle, message);
 *   }
 * With `failFast` (the default) the first error aborts the group's signal: members
 * that had not started never do (they reject with CancelledError) and running ones see their
 * `current().signal` abort. `wait()` then rejects with that first error, the original one, stack
 * and all. Without `failFast` every member runs, and `wait()` rejects with an AggregateError of
 * every error, in the order they happened. Cancelling the group (`cancel()`, its `signal` option
 * aborting, `waitTimeout` running out) is not an error of the group's own: `wait()` then rejects
 * with the CancelledError or TimeoutError that ended it.
 */
import {
  Admission, CancelledError, InvalidArgumentError, PendingCount, type RateLimiter, type Result, type Submitter, type Task, type TaskFn, type TaskHandle,
  TimeoutError, got, clearDelay, delay, type Delay,
} from '@routine/core';
import { deferredHandle, startDeferred } from './deferred.js';
import { checkLimiter, limitedOn } from './limited.js';
import { checkTimeout } from './timeout.js';

/** Options of `group()`. */
export interface GroupOptions {
  /** Members running at once; default Infinity. */
  limit?: number;
  /** Aborting it cancels the group. */
  signal?: AbortSignal;
  /** Stop at the first error (default true). */
  failFast?: boolean;
  /** Members start only when this shared rate limiter gives them a token. */
  limiter?: RateLimiter;
}

interface Waiting {
  member: TaskHandle<unknown>;
  fn: unknown;
  args: unknown[];
}

/** Tasks started and waited for together, like Go's errgroup: the first failure cancels the others (unless `collectErrors`), `wait()` resolves once all settled. Make one with `group()` or `runtime.group()`. */
export class Group {
  readonly #failFast: boolean;
  readonly #limit: number;
  readonly #controller = new AbortController();
  /** At most `limit` members running; the rest wait in line, skipped once cancelled. */
  readonly #admission: Admission<Waiting>;
  /** Members started and not yet settled, to cancel them when the group stops. */
  readonly #started = new Set<TaskHandle<unknown>>();
  /** Members not yet settled, running or waiting. */
  readonly #unsettled = new PendingCount();
  readonly #errors: Error[] = [];
  /** Set when the group was cancelled rather than failed by a member. */
  #stopReason: Error | undefined;
  readonly #on: Submitter;
  /** What failFast `wait()` races the members against, made when first waited on. */
  #failed: Promise<void> | undefined;
  #reportFailure: (() => void) | undefined;
  /** Producers waiting in ready(), resumed in order as places free up. */
  readonly #readyWaiters: (() => void)[] = [];

  /** Prefer `group()`, or `runtime.group()` for a runtime of your own. */
  constructor(options: GroupOptions = {}, on: Submitter) {
    if (on === undefined) {
      throw new InvalidArgumentError('new Group() needs the runtime it runs on: call group(), or runtime.group() for a runtime of your own');
    }
    this.#on = limitedOn(on, checkLimiter('group', options.limiter));
    const limit = options.limit ?? Infinity;
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
      throw new InvalidArgumentError(`group({ limit }) needs a whole number >= 1, ${got(limit)}`);
    }
    this.#limit = limit;
    this.#admission = new Admission<Waiting>(limit, (next) => this.#launch(next), (next) => next.member.settled);
    this.#failFast = options.failFast ?? true;
    if (typeof this.#failFast !== 'boolean') throw new InvalidArgumentError(`group({ failFast }) must be true or false, ${got(options.failFast)}`);
    const outer = options.signal;
    if (outer !== undefined && !(outer instanceof AbortSignal)) throw new InvalidArgumentError(`group({ signal }) must be an AbortSignal, ${got(outer)}`);
    if (outer) {
      if (outer.aborted) this.cancel(outer.reason);
      else outer.addEventListener('abort', () => this.cancel(outer.reason), { once: true });
    }
  }

  /** Aborts when the group is cancelled or (failFast) a member fails; members' tasks get it too. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Members not yet settled, running or waiting to start. */
  get size(): number {
    return this.#unsettled.count;
  }

  /** Starts `fn(...args)` as a member now, or as soon as fewer than `limit` are running. */
  go<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    const member = deferredHandle(this.#on, 'for a place in its group', (gaveUp, error) => this.#finishMember(gaveUp, false, error));
    this.#unsettled.add();
    if (this.#controller.signal.aborted) this.#finishMember(member, false, this.#cancelled(member.gid));
    else this.#admission.enter({ member, fn, args });
    return member as unknown as Task<R>;
  }

  /**
   * Resolves once a member started now would run at once: fewer than `limit` running and none
   * waiting in the group (at once without a limit, and once the group has stopped, when `go`
   * settles members at once). Producers awaiting it resume one per free place, in order, so a
   * loop of `await g.ready(); g.go(...)` holds at most `limit` members, and each further
   * concurrent producer at most one more. `go` without awaiting it still accepts without bound.
   */
  ready(): Promise<void> {
    if (this.#hasRoom() && this.#readyWaiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#readyWaiters.push(resolve);
    });
  }

  #hasRoom(): boolean {
    return this.#controller.signal.aborted || (this.#admission.active < this.#limit && this.#admission.waiting === 0);
  }

  /** Resumes one ready() waiter per free place (every one, once the group has stopped). */
  #wakeProducers(): void {
    let free = this.#controller.signal.aborted ? Infinity : this.#limit - this.#admission.active - this.#admission.waiting;
    while (free-- > 0 && this.#readyWaiters.length > 0) this.#readyWaiters.shift()!();
  }

  /** As `go`, but the member's outcome as a Result; it never rejects. */
  goWithRecover<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Promise<Result<R>> {
    return this.go(fn, ...args).result();
  }

  /**
   * Resolves when every member has settled; rejects as the class comment says. With failFast it
   * rejects as soon as the first error is in, without waiting for the members still running: they
   * have been cancelled, and a synchronous one may not see that until it returns, if ever.
   */
  async wait(): Promise<void> {
    while (this.#unsettled.count > 0 && !(this.#failFast && this.#errors.length > 0)) {
      await (this.#failFast ? Promise.race([this.#unsettled.idle(), this.#firstError()]) : this.#unsettled.idle());
    }
    if (this.#errors.length === 0) {
      if (this.#stopReason) throw this.#stopReason;
      return;
    }
    if (this.#failFast) throw this.#errors[0];
    throw new AggregateError(this.#errors, `${this.#errors.length} group member(s) failed`);
  }

  /** `wait()`, but after `ms` the group is cancelled and this rejects with TimeoutError. */
  async waitTimeout(ms: number): Promise<void> {
    checkTimeout(ms);
    let timer: Delay | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = delay(ms, () => {
        const error = new TimeoutError(`the group did not finish within ${ms} ms`);
        this.cancel(error);
        reject(error);
      });
    });
    try {
      await Promise.race([this.wait(), expired]);
    } finally {
      clearDelay(timer);
    }
  }

  /** Cancels every member: waiting ones never start, running ones see their signal abort. */
  cancel(reason?: unknown): void {
    if (this.#controller.signal.aborted) return;
    this.#stopReason ??= reason instanceof Error ? reason : new CancelledError('the group was cancelled', { cause: reason });
    this.#stop(reason);
  }

  /** At the end of an `await using` scope: cancel what has not finished and wait for it to settle. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#unsettled.count > 0) this.cancel(new CancelledError('the group went out of scope'));
    await this.wait().catch(() => undefined);
  }

  /** Resolves when a member fails (failFast). */
  #firstError(): Promise<void> {
    return (this.#failed ??= new Promise((resolve) => (this.#reportFailure = resolve)));
  }

  #launch({ member, fn, args }: Waiting): void {
    this.#started.add(member);
    startDeferred(this.#on, member, fn, args, (ok, outcome) => {
      this.#started.delete(member);
      this.#finishMember(member, ok, outcome);
      this.#admission.leave();
      this.#wakeProducers();
    });
  }

  #finishMember(member: TaskHandle<unknown>, ok: boolean, outcome: unknown): void {
    // Settled first, so the line skips it should this failure stop the group.
    if (!member.settle(ok, outcome)) return;
    if (!ok && !(outcome instanceof CancelledError && this.#controller.signal.aborted)) {
      this.#errors.push(outcome as Error);
      if (this.#failFast) {
        this.#stop(outcome);
        this.#reportFailure?.();
      }
    }
    this.#unsettled.done();
  }

  #stop(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    for (const { member } of this.#admission.clear()) this.#finishMember(member, false, this.#cancelled(member.gid));
    for (const member of this.#started) member.delegate?.cancel(reason);
    this.#wakeProducers();
  }

  #cancelled(gid: number): CancelledError {
    return new CancelledError(`task ${gid} never started: its group was stopped`, { cause: this.#controller.signal.reason, gid });
  }
}

