/**
 * Marks a value whose ArrayBuffers should be moved to the other thread instead of copied, as
 * `postMessage(value, transferList)` does. The sender's buffers are detached afterwards.
 */
export class Transfer<T = unknown> {
  constructor(readonly value: T, readonly list: readonly ArrayBuffer[]) {}
}

/**
 * `go(fn, transfer(bytes, [bytes.buffer]))`: moves `bytes.buffer` to the worker instead of copying
 * it. Also works for a task's return value.
 */
export function transfer<T>(value: T, buffers: readonly ArrayBuffer[]): T {
  return new Transfer(value, buffers) as unknown as T;
}

/** Unwraps `transfer()` markers in a list, collecting their transfer lists. */
export function unwrapTransfers(values: readonly unknown[]): { values: unknown[]; list: ArrayBuffer[] } {
  const list: ArrayBuffer[] = [];
  const plain = values.map((value) => {
    if (!(value instanceof Transfer)) return value;
    list.push(...value.list);
    return value.value;
  });
  return { values: plain, list };
}
