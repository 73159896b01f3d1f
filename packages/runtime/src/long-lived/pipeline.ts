/**
 * Pipelines: items flow through named stages, each stage's function running on the pool with at
 * most `concurrency` items in it at once. Results come out in input order.
 *
 *   const out = pipeline().stage('parse', work.parse).stage('score', work.score, { concurrency: 4 });
 *   const scores = await out.process(lines);           // all at once, in order
 *   for await (const score of out.stream(readLines())) // or as they come, in order
 *
 * Memory stays flat on an endless input: at most `window` items are between the source and the
 * consumer (read but not yet handed out), so a slow stage or a slow consumer stops the reading.
 * The first failure stops the pipeline: no new items are read, items in flight are cancelled and
 * waited for, the source is closed, and the failure surfaces as a PipelineError naming the stage
 * and the item's index.
 */
import { availableParallelism } from 'node:os';
import {
  Admission, CancelledError, Fifo, InvalidArgumentError, PipelineError, type RateLimiter, type Result, type Submitter,
  type TaskFn, got,
} from '@routine/core';
import { checkLimiter, limitedOn } from '../api/limited.js';
import { checkName, checkTaskFn } from '../api/task-fn-check.js';

/** Options of a pipeline stage. */
export interface StageOptions {
  /**
   * Items in this stage at once; default four per core. More than the workers keeps them fed
   * while results travel back (the extra items wait in the ring), which matters for small tasks.
   */
  concurrency?: number;
  /** Items enter this stage only when this shared rate limiter gives them a token. */
  limiter?: RateLimiter;
}

/** Options of `pipeline()`. */
export interface PipelineOptions {
  /** Items read but not yet handed out; default twice the stages' concurrency added up. */
  window?: number;
}

declare const unset: unique symbol;
/**
 * The input type of a pipeline made without one (`pipeline()`) and given no stage yet: its first
 * stage's parameter becomes the input type.
 */
export interface UnsetInput {
  /** Never set: it only tells this type apart. */
  readonly [unset]: true;
}

interface Stage {
  name: string;
  fn: unknown;
  concurrency: number;
  limiter: RateLimiter | undefined;
}

/** Items through named stages on the pool, results in input order, memory bounded by a window. Make one with `pipeline()` and add stages with `stage()`. */
export class Pipeline<In = unknown, Out = In> {
  readonly #on: () => Submitter;
  readonly #options: PipelineOptions;
  readonly #stages: readonly Stage[];

  /**
   * Prefer `pipeline()`, or `runtime.pipeline()` for a runtime of your own.
   * @internal
   */
  constructor(options: PipelineOptions = {}, on: () => Submitter, stages: readonly Stage[] = []) {
    if (on === undefined) {
      throw new InvalidArgumentError('new Pipeline() needs the runtime it runs on: call pipeline(), or runtime.pipeline() for a runtime of your own');
    }
    if (options.window !== undefined && (!Number.isInteger(options.window) || options.window < 1)) {
      throw new InvalidArgumentError(`pipeline({ window }) needs a whole number >= 1, ${got(options.window)}`);
    }
    this.#on = on;
    this.#options = options;
    this.#stages = stages;
  }

  /**
   * A pipeline with one more stage: `fn(item)` on the pool. This one is left as it was. The first
   * stage of a `pipeline()` made without an input type gives it its own parameter's type.
   */
  stage<A, R>(this: Pipeline<UnsetInput, UnsetInput>, name: string, fn: TaskFn<[A], R>, options?: StageOptions): Pipeline<A, Awaited<R>>;
  stage<R>(name: string, fn: TaskFn<[Out], R>, options?: StageOptions): Pipeline<In, Awaited<R>>;
  stage<R>(name: string, fn: TaskFn<[Out], R>, options: StageOptions = {}): Pipeline<In, Awaited<R>> {
    checkName(name, 'stage()');
    checkTaskFn(fn, `stage('${name}')`);
    if (this.#stages.some((stage) => stage.name === name)) throw new InvalidArgumentError(`the pipeline already has a stage named '${name}'`);
    const concurrency = options.concurrency ?? 4 * availableParallelism();
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError(`stage('${name}', fn, { concurrency }) needs a whole number >= 1, ${got(concurrency)}`);
    }
    return new Pipeline<In, Awaited<R>>(this.#options, this.#on, [...this.#stages, { name, fn, concurrency, limiter: checkLimiter(`stage('${name}')`, options.limiter) }]);
  }

  /** Runs every item through and resolves with the results in input order. */
  async process(items: Iterable<In> | AsyncIterable<In>): Promise<Out[]> {
    const results: Out[] = [];
    for await (const result of this.stream(items)) results.push(result);
    return results;
  }

  /** Yields each item's result, in input order, reading the input only as fast as it is consumed. */
  async *stream(items: Iterable<In> | AsyncIterable<In>): AsyncGenerator<Out, void, undefined> {
    const stages = this.#stages;
    if (stages.length === 0) throw new InvalidArgumentError('the pipeline has no stages: add one with .stage(name, fn)');
    const source = iteratorOf(items);
    const window = this.#options.window ?? 2 * stages.reduce((sum, stage) => sum + stage.concurrency, 0);
    const run = new Run(this.#on(), stages);
    const inFlight = new Fifo<Promise<Result<unknown>>>();
    let read = 0;
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && !run.failed && inFlight.length < window) {
          const next = await source.next();
          if (next.done) exhausted = true;
          else inFlight.push(run.item(next.value, read++));
        }
        const head = inFlight.shift();
        if (!head) break;
        const result = await head;
        if (!result.ok) throw run.failure ?? result.error;
        yield result.value as Out;
      }
    } finally {
      run.stop();
      await Promise.all(inFlight.drain());
      if (!exhausted) await source.return?.();
    }
  }
}

/** One pass of a pipeline over a source: its stages' permits and its first failure. */
class Run {
  readonly #on: Submitter;
  readonly #stages: readonly Stage[];
  /** Each stage's concurrency: an item waits in its line for a place, resumed when let in. */
  readonly #permits: Admission<() => void>[];
  readonly #controller = new AbortController();
  failure: PipelineError | undefined;

  constructor(on: Submitter, stages: readonly Stage[]) {
    this.#on = on;
    this.#stages = stages;
    this.#permits = stages.map((stage) => new Admission<() => void>(stage.concurrency, (resume) => resume()));
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  stop(): void {
    this.#controller.abort(new CancelledError('the pipeline stopped'));
  }

  /** Takes item `index` through every stage; never rejects. */
  async item(value: unknown, index: number): Promise<Result<unknown>> {
    const signal = this.#controller.signal;
    for (let s = 0; s < this.#stages.length; s++) {
      const stage = this.#stages[s];
      const permits = this.#permits[s];
      if (!permits.tryEnter()) await new Promise<void>((resume) => permits.enter(resume));
      try {
        if (signal.aborted) return { ok: false, error: signal.reason as Error };
        // submit() throws for an item it refuses (an uncloneable value, a closed runtime).
        const result = await limitedOn(this.#on, stage.limiter).submit(stage.fn, [value], { signal, name: stage.name }).result();
        if (!result.ok) return this.#fail(stage, index, result.error);
        value = result.value;
      } catch (error) {
        return this.#fail(stage, index, error);
      } finally {
        permits.leave();
      }
    }
    return { ok: true, value };
  }

  #fail(stage: Stage, index: number, cause: unknown): Result<unknown> {
    const error = new PipelineError(stage.name, index, cause);
    // Failures that follow the stop are its consequence, not news.
    if (!this.#controller.signal.aborted) {
      this.failure = error;
      this.#controller.abort(error);
    }
    return { ok: false, error };
  }
}

function iteratorOf<T>(items: Iterable<T> | AsyncIterable<T>): Iterator<T> | AsyncIterator<T> {
  if (items != null && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (items != null && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
  throw new InvalidArgumentError(`a pipeline reads an iterable or an async iterable, ${got(items)}`);
}

