/**
 * A channel value on its way in and out of shared memory: the task codec (codec/codec.ts) with its
 * fast paths for numbers, strings and typed arrays and v8 serialization for the rest, written into
 * this thread's private buffer and copied into the channel's ring under its lock (and out again),
 * so the lock is held for a copy, never for encoding or decoding.
 */
import { decode, Encoder, NEEDS_PORT, UncloneableValue } from '../codec/codec.js';
import { type Views, viewsOf } from '../memory/views.js';
import { SerializationError } from '../task/errors.js';
import type { Scratch } from './chan-memory.js';

const encoder = new Encoder();
let out: Views = viewsOf(new ArrayBuffer(1024));
const one: unknown[] = [undefined];

/** Encodes `value` into this thread's out buffer (valid until the next call); returns its length. */
export function encodeValue(value: unknown, maxValue: number): number {
  one[0] = value;
  try {
    const bound = encoder.measure(one);
    if (bound === NEEDS_PORT) {
      throw new SerializationError(
        'a channel value cannot hold shared memory (a SharedArrayBuffer or a view on one, a channel, a lock) or a transfer() wrapper: ' +
          'pass those to the task as arguments instead',
      );
    }
    if (bound instanceof UncloneableValue) {
      const cause = bound.cause as Error | undefined;
      throw new SerializationError(`a channel value must be cloneable: ${cause?.message ?? String(cause)}`, { cause });
    }
    if (out.u8.byteLength < bound) out = viewsOf(new ArrayBuffer((Math.max(bound, 2 * out.u8.byteLength) + 7) & ~7));
    const length = encoder.write(out, 0, one);
    if (length > maxValue) {
      throw new SerializationError(
        `the value takes ${length} bytes, more than this channel's limit of ${maxValue}: ` +
          `create it with chan(capacity, { maxValueBytes: ${2 ** Math.ceil(Math.log2(length))} })`,
      );
    }
    return length;
  } finally {
    one[0] = undefined;
  }
}

/** This thread's out buffer's bytes, as `encodeValue` left them. */
export function encoded(): Uint8Array {
  return out.u8;
}

/** The value whose payload `take` copied into `scratch`. */
export function decodeValue(scratch: Scratch): unknown {
  return decode(scratch.views, 0)[0];
}
