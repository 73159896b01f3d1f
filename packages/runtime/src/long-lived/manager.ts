/**
 * A goroutine manager, after Loophole Labs' goroutine-manager for Go: one place that starts
 * tasks, collects their failures, and shuts them all down.
 *
 *   await using m = createManager({ signal });
 *   m.foreground(work.serve, port);       // wait() waits for these
 *   m.background(work.heartbeat);         // not waited for; stopped with the rest
 *   socket.on('error', m.panicCollector()); // errors from callbacks count as failures too
 *   await m.wait();                       // AggregateError of every failure, if any
 *
 * Every task runs with the manager's signal: the first failure anywhere aborts it, so the other
 * tasks' `current().signal` aborts and queued ones never start. `stopAll()` aborts it with
 * `errGoroutineStopped`, which is not a failure: neither are the cancellations that follow a stop
 * or a failure. Leaving an `await using` scope stops everything and waits for every task.
 */
import { CancelledError, InvalidArgumentError, type Submitter, type Task, type TaskFn } from '@routine/core';

/** The reason a manager's signal carries after stopAll(); wait() does not report it. */
export const errGoroutineStopped = new CancelledError('the manager stopped its tasks (stopAll)');

/** Options of `createManager()`. */
export interface ManagerOptions {
  /** Aborting it stops the manager, as stopAll() does. */
  signal?: AbortSignal;
}

/** Foreground and background tasks stopped together, after Loophole Labs' goroutine manager for Go. Make one with `createManager()`. */
export class Manager {
  /** The reason the tasks of a stopped manager are cancelled with; not a failure. */
  readonly errGoroutineStopped = errGoroutineStopped;
  readonly #on: () => Submitter;
  readonly #controller = new AbortController();
  readonly #failures: Error[] = [];
  readonly #foreground = new Set<Promise<unknown>>();
  readonly #background = new Set<Promise<unknown>>();

  /** Prefer `createManager()`, or `runtime.createManager()` for a runtime of your own. */
  constructor(options: ManagerOptions = {}, on: () => Submitter) {
    if (on === undefined) {
      throw new InvalidArgumentError('new Manager() needs the runtime it runs on: call createManager(), or runtime.createManager() for a runtime of your own');
    }
    this.#on = on;
    const parent = options.signal;
    if (parent !== undefined) {
      if (!(parent instanceof AbortSignal)) throw new InvalidArgumentError('createManager({ signal }) needs an AbortSignal');
      if (parent.aborted) this.stopAll();
      else parent.addEventListener('abort', () => this.stopAll(), { once: true });
    }
  }

  /** Aborts on stopAll(), on the parent signal, or at the first failure (its reason). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts a task that wait() waits for. */
  foreground<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.#start(this.#foreground, fn, args);
  }

  /** Starts a task that wait() does not wait for; its failure still counts. */
  background<A extends unknown[], R>(fn: TaskFn<A, R>, ...args: A): Task<R> {
    return this.#start(this.#background, fn, args);
  }

  /**
   * A function that records any error it is called with as a failure of the manager, for the
   * places a task's failure cannot reach: error callbacks, `catch` and `finally` blocks. Called
   * with nothing (or undefined) it does nothing.
   */
  panicCollector(): (error?: unknown) => void {
    return (error?: unknown) => {
      if (error !== undefined && error !== null) this.#record(error instanceof Error ? error : new Error(String(error), { cause: error }));
    };
  }

  /** Stops every task: queued ones never start, running ones see their signal abort. */
  stopAll(): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(errGoroutineStopped);
  }

  /** Waits for the foreground tasks; rejects with an AggregateError of every failure so far. */
  async wait(): Promise<void> {
    while (this.#foreground.size > 0) await Promise.all(this.#foreground);
    this.#throwFailures();
  }

  /** Stops everything, waits for every task (background ones too), then reports failures. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stopAll();
    while (this.#foreground.size + this.#background.size > 0) await Promise.all([...this.#foreground, ...this.#background]);
    this.#throwFailures();
  }

  #start<R>(into: Set<Promise<unknown>>, fn: unknown, args: unknown[]): Task<R> {
    const task = this.#on().submit<R>(fn, args, { signal: this.#controller.signal });
    const settled = task.result().then((result) => {
      into.delete(settled);
      if (!result.ok && !this.#isStopConsequence(result.error)) this.#record(result.error);
    });
    into.add(settled);
    return task;
  }

  /** A cancellation after the manager's signal aborted is what the abort asked for. */
  #isStopConsequence(error: Error): boolean {
    return this.#controller.signal.aborted && (error instanceof CancelledError || error.name === 'AbortError' || error.name === 'CancelledError');
  }

  #record(error: Error): void {
    this.#failures.push(error);
    if (!this.#controller.signal.aborted) this.#controller.abort(error);
  }

  #throwFailures(): void {
    if (this.#failures.length === 0) return;
    const messages = this.#failures.map((error) => error.message).join('; ');
    throw new AggregateError([...this.#failures], `${this.#failures.length} task(s) of the manager failed: ${messages}`);
  }
}

