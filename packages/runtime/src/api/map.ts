/**
 * `map(fn, items, { chunk })`: `fn(item, index)` for every item, on the workers, results in order.
 * Items go in chunks, one task each, so a million tiny items cost a few hundred tasks rather than
 * a million; a few chunks per worker stay in flight and the next is sent as one comes back.
 */
import {
  CancelledError, denseList, InvalidArgumentError, type Submitter, type Task, type TaskFn, got,
} from '@routine/core';
import { checkTimeout } from './timeout.js';

/** Options for `map()`: how many items go in one task, and how to stop it. */
export interface MapOptions {
  /** Items per task. Default: the items spread over eight chunks per worker, at most 16384 each. */
  chunk?: number;
  /** Aborting it cancels the chunks not yet done; map() rejects with the reason's CancelledError. */
  signal?: AbortSignal;
  /** A deadline for each chunk, as `timeout(ms, ...)`. */
  timeoutMs?: number;
  /** Shows as current().name inside the tasks. */
  name?: string;
}

/** The function map() runs: one item and its index in, one result out (or a promise of it). */
export type ItemFn<T, R> = TaskFn<[item: T, index: number], R>;

const CHUNKS_PER_WORKER = 8;
/** Workers assumed when the submitter cannot say how many run its tasks. */
const UNKNOWN_WORKERS = 4;
const MAX_DEFAULT_CHUNK = 16_384;
/** Chunks in flight per worker: enough that a worker finding its next chunk never waits for us. */
const IN_FLIGHT_PER_WORKER = 4;

export function mapOn<T, R>(on: Submitter, fn: ItemFn<T, R>, items: Iterable<T> | ArrayLike<T>, options: MapOptions = {}): Promise<R[]> {
  const list = listOf(items);
  const { signal, name } = checkMapOptions(options);
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkTimeout(options.timeoutMs);
  const count = list.length;
  if (count === 0) return Promise.resolve([]);
  const workers = on.workers ?? UNKNOWN_WORKERS;
  const chunk = options.chunk ?? Math.min(MAX_DEFAULT_CHUNK, Math.max(1, Math.ceil(count / (workers * CHUNKS_PER_WORKER))));
  const chunks = Math.ceil(count / chunk);
  const results: R[][] = new Array(chunks);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise<R[]>((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failure: { error: unknown } | undefined;
    const finish = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure.error);
      else {
        try {
          resolve(concat(results, count));
        } catch (error) {
          reject(error);
        }
      }
    };
    const fail = (error: unknown): void => {
      // The caller's abort is the reason, not the CancelledError of whichever chunk heard it first.
      failure ??= { error: signal?.aborted ? abortError(signal.reason) : error };
      stop.abort(error); // the chunks still out are cancelled: a running one sees current().signal
    };
    const sendMore = (): void => {
      const limit = Math.max(1, workers * IN_FLIGHT_PER_WORKER);
      while (!failure && !stop.signal.aborted && running < limit && next < chunks) {
        const index = next++;
        const first = index * chunk;
        let task: Task<R[]>;
        try {
          task = on.submit<R[]>(fn, [sliceOf(list, first, Math.min(count, first + chunk)), first], { batch: true, signal: stop.signal, timeoutMs, name });
        } catch (error) {
          fail(error); // nothing of this chunk was accepted; the ones before it are cancelled
          break;
        }
        running++;
        task.then(
          (values) => {
            results[index] = values;
            settled();
          },
          (error: unknown) => {
            fail(error);
            settled();
          },
        );
      }
      if (running === 0) {
        if (!failure && next < chunks) failure = { error: abortError(stop.signal.reason) };
        finish();
      }
    };
    const settled = (): void => {
      running--;
      sendMore();
    };
    if (stop.signal.aborted || signal?.aborted) failure = { error: abortError(signal?.reason) };
    sendMore();
  });
}

function listOf<T>(items: Iterable<T> | ArrayLike<T>): ArrayLike<T> {
  if (Array.isArray(items) || (ArrayBuffer.isView(items) && !(items instanceof DataView))) return items as ArrayLike<T>;
  if (items !== null && typeof items === 'object') {
    if (Symbol.iterator in items) return [...(items as Iterable<T>)];
    if (Number.isInteger((items as ArrayLike<T>).length) && (items as ArrayLike<T>).length >= 0) return Array.from(items as ArrayLike<T>);
  }
  throw new InvalidArgumentError(`map() takes an array, a typed array, an array-like or an iterable of items, ${got(items)}`);
}

function checkMapOptions(options: MapOptions): MapOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`map() takes an options object ({ chunk, signal, timeoutMs, name }), ${got(options)}`);
  }
  const { chunk, signal } = options;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1)) {
    throw new InvalidArgumentError(`map({ chunk }) must be a whole number of items >= 1, ${got(chunk)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('map({ signal }) needs an AbortSignal, e.g. new AbortController().signal');
  }
  return options;
}

/**
 * A chunk as its own dense array (a hole becomes undefined), or a typed array's copy of its part,
 * so the codec sends it in one pass.
 */
function sliceOf<T>(list: ArrayLike<T>, from: number, to: number): ArrayLike<T> {
  if (!Array.isArray(list)) return (list as unknown as { slice(from: number, to: number): ArrayLike<T> }).slice(from, to);
  const part: T[] = [];
  for (let i = from; i < to; i++) part.push(list[i]);
  return denseList(part);
}

function concat<R>(parts: R[][], count: number): R[] {
  const all: R[] = [];
  for (const part of parts) for (let i = 0; i < part.length; i++) all.push(part[i]);
  if (all.length !== count) throw new Error(`internal: map() gathered ${all.length} results for ${count} items`);
  return all;
}

function abortError(reason: unknown): CancelledError {
  return new CancelledError('map() was cancelled: its signal was aborted', { cause: reason });
}
