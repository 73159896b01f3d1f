/**
 * How a worker runs one map() chunk: `fn(item, first + i)` for each item, results in order. A
 * failure names its item (MapItemError). Async functions run their items concurrently within the
 * chunk, as `Promise.all` over `items.map(fn)` would.
 */
import { denseList } from '../codec/codec.js';
import { MapItemError } from './errors.js';

type ItemFn = (item: unknown, index: number) => unknown;

export function runBatch(fn: ItemFn, items: ArrayLike<unknown>, first: number): unknown[] | Promise<unknown[]> {
  const results: unknown[] = [];
  let async = false;
  for (let i = 0; i < items.length; i++) {
    let result: unknown;
    try {
      result = fn(items[i], first + i);
    } catch (error) {
      throw itemFailed(first + i, error);
    }
    if (result !== null && typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      async = true;
      const index = first + i;
      result = Promise.resolve(result).catch((error: unknown) => {
        throw itemFailed(index, error);
      });
    }
    results.push(result);
  }
  if (!async) return denseList(results);
  return Promise.all(results).then(denseList);
}

function itemFailed(index: number, cause: unknown): MapItemError {
  const error = new MapItemError(`map() item ${index} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  error.index = index;
  return error;
}
