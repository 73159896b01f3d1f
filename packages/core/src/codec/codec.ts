/**
 * Encoding of argument lists and results into shared memory.
 *
 * Format: [count:u32] then per value [tag:u8] and its body. Bulk bodies (typed arrays,
 * ArrayBuffers, v8 blobs) start at an 8-byte aligned offset of the buffer: V8 copies to and from
 * shared memory word by word only when both sides are aligned, and byte by byte otherwise, which
 * measured 8x slower for a 64 KiB array. Numbers, booleans, null, undefined,
 * strings and typed arrays have fast paths (a few DataView stores, one memcpy); anything else is
 * written as a `v8.serialize` blob. Encoding is two-phase: `measure` computes an upper bound of the
 * size (and serializes the values that need it, once), so the caller can choose inline, arena or
 * port placement before a single byte is written.
 *
 * Values that structured clone handles but `v8.serialize` cannot on its own (SharedArrayBuffers,
 * which must be shared rather than copied) and `transfer()` wrappers make `measure` return
 * NEEDS_PORT: those travel by postMessage (parcels.ts). So does an encoding that found no room in
 * the arena, written into a buffer of its own (`spillViews`).
 */
import { DefaultSerializer, deserialize } from 'node:v8';
import { type Views, viewsOf } from '../memory/views.js';
import { Transfer } from './transfer.js';

const Tag = {
  undefined: 0,
  null: 1,
  false: 2,
  true: 3,
  number: 4,
  string: 5,
  typed: 6,
  arrayBuffer: 7,
  v8: 8,
  /** A string that is not well-formed UTF-16 (a lone surrogate), as its raw code units. */
  utf16: 9,
} as const;

const TYPED_CONSTRUCTORS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
  Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as const;
type TypedArray = InstanceType<(typeof TYPED_CONSTRUCTORS)[number]>;

export const NEEDS_PORT = -1;

const SHARED_VIEW = Symbol('a view on shared memory');

/**
 * Node's serializer copies every typed array as a host object, SharedArrayBuffer-backed ones too,
 * which would silently turn shared memory into a private copy. This one refuses them instead, so
 * the value goes by port, where structured clone shares them.
 */
const writeHostObject = (DefaultSerializer.prototype as unknown as { _writeHostObject(object: object): void })._writeHostObject;

class SharingSerializer extends DefaultSerializer {
  // Node's hook for host objects (typed arrays among them); not in its type definitions.
  _writeHostObject(object: object): void {
    if (ArrayBuffer.isView(object) && !(object.buffer instanceof ArrayBuffer)) throw SHARED_VIEW;
    writeHostObject.call(this, object);
  }
}

function serialize(value: unknown): Buffer {
  const serializer = new SharingSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

/** Bytes a bulk body may be pushed forward to reach an 8-byte boundary. */
const ALIGN_SLACK = 7;
const align = (offset: number): number => (offset + 7) & ~7;

/** Why a value could not be encoded: its index and the clone error. */
export class UncloneableValue {
  constructor(readonly index: number, readonly cause: unknown) {}
}

/** A measured list kept for a later `write` (see Encoder.detach). */
export interface Detached {
  readonly values: readonly unknown[];
  readonly blobs: (Uint8Array | undefined)[] | null;
}

/**
 * Per-thread encoder state: blobs serialized while measuring, reused while writing.
 * Not reentrant; each thread owns one.
 */
export class Encoder {
  readonly #encoder = new TextEncoder();
  /** Blobs of the last measured list, by index; null while it needed none (the common case). */
  #blobs: (Uint8Array | undefined)[] | null = null;

  /**
   * Upper bound in bytes of the encoding of `values`, NEEDS_PORT, or an UncloneableValue.
   * Strings are bounded at 3 bytes per UTF-16 unit, their worst case in UTF-8 (and more than the 2
   * of the raw units a string with a lone surrogate is written as).
   */
  measure(values: readonly unknown[]): number | UncloneableValue {
    let bytes = 4;
    this.#blobs = null;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      switch (typeof value) {
        case 'number':
          bytes += 9;
          continue;
        case 'string':
          bytes += 5 + value.length * 3;
          continue;
        case 'boolean':
        case 'undefined':
          bytes += 1;
          continue;
      }
      if (value === null) {
        bytes += 1;
      } else if (value instanceof Transfer) {
        return NEEDS_PORT;
      } else if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !Buffer.isBuffer(value)) {
        if (!(value.buffer instanceof ArrayBuffer)) return NEEDS_PORT; // a view on shared memory: share it
        bytes += 6 + ALIGN_SLACK + value.byteLength;
      } else if (value instanceof ArrayBuffer) {
        bytes += 5 + ALIGN_SLACK + value.byteLength;
      } else {
        let blob: Uint8Array;
        try {
          blob = serialize(value);
        } catch (error) {
          if (error === SHARED_VIEW || isCloneable(value)) return NEEDS_PORT; // holds shared memory
          return new UncloneableValue(i, error);
        }
        (this.#blobs ??= [])[i] = blob;
        bytes += 5 + ALIGN_SLACK + blob.byteLength;
      }
    }
    return bytes;
  }

  /**
   * Keeps what `measure` computed for a later `write`. `values` must be the caller's own array:
   * its typed arrays and ArrayBuffers are replaced by copies, so the task's caller may reuse
   * them at once, as with postMessage; primitives need no copy.
   */
  detach(values: unknown[]): Detached {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (typeof value !== 'object' || value === null) continue;
      if (value instanceof ArrayBuffer) values[i] = value.slice(0);
      else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) values[i] = (value as TypedArray).slice();
    }
    const detached = { values, blobs: this.#blobs };
    this.#blobs = null;
    return detached;
  }

  /** Writes `values` at `offset`, after `measure` said they fit. Returns the bytes written. */
  write(views: Views, offset: number, values: readonly unknown[], detached?: Detached): number {
    if (detached) {
      this.#blobs = detached.blobs;
      values = detached.values;
    }
    const blobs = this.#blobs;
    const { data, u8 } = views;
    let at = offset;
    data.setUint32(at, values.length, true);
    at += 4;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      switch (typeof value) {
        case 'number':
          u8[at] = Tag.number;
          data.setFloat64(at + 1, value, true);
          at += 9;
          continue;
        case 'string': {
          // UTF-8 would turn a lone surrogate into U+FFFD, where structured clone keeps it. V8
          // answers isWellFormed at once for a one-byte string, so ASCII and Latin-1 pay nothing.
          if (!value.isWellFormed()) {
            u8[at] = Tag.utf16;
            const written = Buffer.from(u8.buffer, u8.byteOffset + at + 5, value.length * 2).write(value, 'utf16le');
            data.setUint32(at + 1, written, true);
            at += 5 + written;
            continue;
          }
          u8[at] = Tag.string;
          const { written } = this.#encoder.encodeInto(value, u8.subarray(at + 5, at + 5 + value.length * 3));
          data.setUint32(at + 1, written, true);
          at += 5 + written;
          continue;
        }
        case 'boolean':
          u8[at++] = value ? Tag.true : Tag.false;
          continue;
        case 'undefined':
          u8[at++] = Tag.undefined;
          continue;
      }
      const blob = blobs?.[i];
      if (value === null) {
        u8[at++] = Tag.null;
      } else if (blob !== undefined) {
        u8[at] = Tag.v8;
        data.setUint32(at + 1, blob.byteLength, true);
        at = align(at + 5);
        u8.set(blob, at);
        at += blob.byteLength;
      } else if (value instanceof ArrayBuffer) {
        u8[at] = Tag.arrayBuffer;
        data.setUint32(at + 1, value.byteLength, true);
        at = align(at + 5);
        u8.set(new Uint8Array(value), at);
        at += value.byteLength;
      } else {
        const view = value as TypedArray;
        u8[at] = Tag.typed;
        u8[at + 1] = TYPED_CONSTRUCTORS.indexOf(view.constructor as (typeof TYPED_CONSTRUCTORS)[number]);
        data.setUint32(at + 2, view.byteLength, true);
        at = align(at + 6);
        u8.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at);
        at += view.byteLength;
      }
    }
    this.#blobs = null;
    return at - offset;
  }
}

/**
 * A private buffer for an encoding of `size` bytes that found no room in shared memory: it goes
 * by port as a parcel, and is decoded there just as from the arena (parcels.ts).
 */
export function spillViews(size: number): Views {
  // Rounded to 8 bytes: a Float64Array view needs a whole number of them.
  return viewsOf(new ArrayBuffer((size + 7) & ~7));
}

/** Reads what `Encoder.write` wrote. Every value is a fresh copy owned by the caller. */
export function decode(views: Views, offset: number): unknown[] {
  const { data, u8 } = views;
  const count = data.getUint32(offset, true);
  const values = new Array<unknown>(count);
  let at = offset + 4;
  for (let i = 0; i < count; i++) {
    const tag = u8[at];
    switch (tag) {
      case Tag.number:
        values[i] = data.getFloat64(at + 1, true);
        at += 9;
        break;
      case Tag.string: {
        const length = data.getUint32(at + 1, true);
        values[i] = Buffer.from(views.buffer, at + 5, length).toString('utf8');
        at += 5 + length;
        break;
      }
      case Tag.utf16: {
        const length = data.getUint32(at + 1, true);
        values[i] = Buffer.from(views.buffer, at + 5, length).toString('utf16le');
        at += 5 + length;
        break;
      }
      case Tag.true:
      case Tag.false:
        values[i] = tag === Tag.true;
        at += 1;
        break;
      case Tag.undefined:
        values[i] = undefined;
        at += 1;
        break;
      case Tag.null:
        values[i] = null;
        at += 1;
        break;
      case Tag.typed: {
        const Ctor = TYPED_CONSTRUCTORS[u8[at + 1]];
        const length = data.getUint32(at + 2, true);
        at = align(at + 6);
        values[i] = new Ctor(u8.slice(at, at + length).buffer);
        at += length;
        break;
      }
      case Tag.arrayBuffer: {
        const length = data.getUint32(at + 1, true);
        at = align(at + 5);
        values[i] = u8.slice(at, at + length).buffer;
        at += length;
        break;
      }
      case Tag.v8: {
        const length = data.getUint32(at + 1, true);
        at = align(at + 5);
        values[i] = deserialize(u8.slice(at, at + length));
        at += length;
        break;
      }
      default:
        throw new Error(`corrupt payload: unknown tag ${tag} at byte ${at}`);
    }
  }
  return values;
}

function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
