/**
 * Encoding of argument lists and results into shared memory.
 *
 * Format: [count:u32] then per value [tag:u8] and its body (tags.ts). Numbers, booleans, null,
 * undefined, strings, BigInts, Dates, typed arrays, ArrayBuffers, and plain objects and arrays of
 * them, nested, have fast paths (a few DataView stores, one memcpy per bulk body); anything else
 * is written as a `v8.serialize` blob, which keeps every structured-clone rule the fast path does
 * not: class instances, Maps, Sets, Errors, shared or repeated references, sparse arrays.
 * Bulk bodies (typed arrays, ArrayBuffers, v8 blobs) start at an 8-byte aligned offset of the
 * buffer: V8 copies to and from shared memory word by word only when both sides are aligned, and
 * byte by byte otherwise, which measured 8x slower for a 64 KiB array.
 *
 * Encoding is two-phase: `measure` computes an upper bound of the size, so the caller can choose
 * inline, arena or port placement before a single byte is written. It also records on a tape every
 * value it read from an object or array, in order, and `write` replays the tape rather than read
 * the properties again: a getter that answered differently the second time could otherwise write
 * past the bound, and structured clone reads each property once too.
 *
 * Values that structured clone handles but `v8.serialize` cannot on its own (SharedArrayBuffers,
 * which must be shared rather than copied) and `transfer()` wrappers make `measure` return
 * NEEDS_PORT: those travel by postMessage (parcels.ts). So does an encoding that found no room in
 * the arena, written into a buffer of its own (`spillViews`).
 */
import { DefaultSerializer } from 'node:v8';
import { isArgumentsObject, isProxy } from 'node:util/types';
import { type Views, viewsOf } from '../memory/views.js';
import { ALIGN_SLACK, align, isInt32, isShortAscii, stringBound, Tag, type TypedArray, typedKindOf } from './tags.js';
import { Transfer } from './transfer.js';
import { SerializationError } from '../task/errors.js';

export { decode } from './decode.js';

export const NEEDS_PORT = -1;
/** A value the fast path leaves to `v8.serialize`. */
const SLOW = -2;
/** Past these a value goes to `v8.serialize`, whose C++ walk wins on big graphs and deep nests. */
const MAX_NODES = 4096;
const MAX_DEPTH = 64;
/** `detach` encodes lists up to this size in one reused buffer and copies out what it wrote. */
const MAX_SCRATCH = 64 * 1024;

const SHARED_VIEW = Symbol('a view on shared memory');

/** What `measure` put on the tape before the rest of a value that is not a primitive. */
const Kind = { typed: 1, arrayBuffer: 2, date: 3, array: 4, object: 5 } as const;

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

const DENSE_LISTS = new WeakSet<unknown[]>();

/**
 * Marks an array its builder knows has no holes and no named properties (every index from 0 to
 * length - 1 set with a plain store, nothing else), so the codec need not count its keys. Only for
 * arrays made that way by routine itself: a mark on any other array could lose properties.
 */
export function denseList<T>(array: T[]): T[] {
  DENSE_LISTS.add(array);
  return array;
}

/** Why a value could not be encoded: its index and the clone error. */
export class UncloneableValue {
  constructor(readonly index: number, readonly cause: unknown) {}
}

/**
 * A measured list kept for a `write` that comes later (Encoder.detach): its encoding, or, for a
 * list of primitives (which nobody can change), the list itself.
 */
export type Detached = { readonly bytes: Uint8Array } | { readonly values: readonly unknown[] };

/**
 * Per-thread encoder state: what `measure` found, replayed by the `write` that follows.
 * Not reentrant; each thread owns one.
 */
export class Encoder {
  readonly #encoder = new TextEncoder();
  /** Blobs of the last measured list, by index; null while it needed none (the common case). */
  #blobs: (Uint8Array | undefined)[] | null = null;
  /** Keys and values read from objects and arrays by `measure`, in the order `write` needs them. */
  readonly #tape: unknown[] = [];
  #tapeLength = 0;
  #cursor = 0;
  /** Objects and buffers met in the value being measured: a second meeting is a shared reference. */
  readonly #seen = new Set<object>();
  #nodes = 0;
  /** Typed arrays and ArrayBuffers of the value being measured, each with its byte length then. */
  readonly #bulk: unknown[] = [];
  /** A measure is under way: a getter it ran is calling go() (see measure). */
  #measuring = false;
  /** The bound `measure` last returned, and whether its list held only primitives, for `detach`. */
  #measured = 0;
  #primitives = true;
  /** Where `detach` encodes before copying out just the bytes written; grown as needed. */
  #scratch: Views | undefined;

  /**
   * Upper bound in bytes of the encoding of `values`, NEEDS_PORT, or an UncloneableValue. The
   * getters it runs are the caller's code; one that calls go() again would measure over this
   * measure's tape, so that call is refused (and the value holding the getter with it).
   */
  measure(values: readonly unknown[]): number | UncloneableValue {
    if (this.#measuring) {
      throw new SerializationError(
        'go() was called while the arguments of another go() on this thread were being read (from a getter of one of them). ' +
          'Start that task before or after, not from inside a getter',
      );
    }
    this.#measuring = true;
    try {
      return this.#measureList(values);
    } finally {
      this.#measuring = false;
    }
  }

  #measureList(values: readonly unknown[]): number | UncloneableValue {
    let bytes = 4;
    this.#blobs = null;
    this.#tapeLength = 0;
    this.#primitives = true;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      switch (typeof value) {
        case 'number':
          bytes += isInt32(value) ? 5 : 9;
          continue;
        case 'string':
          bytes += stringBound(value);
          continue;
        case 'boolean':
        case 'undefined':
          bytes += 1;
          continue;
      }
      if (value === null) {
        bytes += 1;
        continue;
      }
      if (value instanceof Transfer) return NEEDS_PORT;
      this.#primitives = false;
      const mark = this.#tapeLength;
      let size: number;
      this.#nodes = 0;
      try {
        size = this.#measureValue(value, 0);
      } catch (error) {
        this.forget();
        if (error instanceof SerializationError) throw error; // go() from a getter: see measure
        return new UncloneableValue(i, error); // a getter threw, as it would under structured clone
      } finally {
        if (this.#seen.size > 0) this.#seen.clear();
      }
      if (size === NEEDS_PORT) {
        this.forget();
        return NEEDS_PORT;
      }
      const changed = this.#changed();
      if (size !== SLOW) {
        if (changed) {
          this.forget();
          return new UncloneableValue(i, new Error('a getter in it detached or resized a buffer that had already been read: copy the buffer first'));
        }
        bytes += size;
        continue;
      }
      this.#tapeLength = mark;
      let blob: Uint8Array;
      try {
        blob = serialize(value);
      } catch (error) {
        this.forget();
        if (error === SHARED_VIEW || isCloneable(value)) return NEEDS_PORT; // holds shared memory
        return new UncloneableValue(i, error);
      }
      (this.#blobs ??= [])[i] = blob;
      bytes += 5 + ALIGN_SLACK + blob.byteLength;
    }
    this.#measured = bytes;
    return bytes;
  }

  /**
   * Bytes of one value nested at `depth`, NEEDS_PORT or SLOW. Records what `write` replays: for
   * anything but a primitive, its Kind first, then what writing it needs (a length, a time, keys),
   * so that `write` decides nothing again from values a getter could have changed since.
   */
  #measureValue(value: unknown, depth: number): number {
    switch (typeof value) {
      case 'number':
        return isInt32(value) ? 5 : 9;
      case 'string':
        return stringBound(value);
      case 'boolean':
      case 'undefined':
        return 1;
      case 'bigint':
        return BigInt.asIntN(64, value) === value ? 9 : SLOW;
      case 'object':
        break;
      default:
        return SLOW; // functions and symbols: v8.serialize names what cannot be cloned
    }
    if (value === null) return 1;
    // A proxy's traps are the caller's code, and structured clone refuses it; so does it an
    // arguments object, whose prototype is Object's.
    if (isProxy(value) || isArgumentsObject(value)) return SLOW;
    if (ArrayBuffer.isView(value)) {
      if (!(value.buffer instanceof ArrayBuffer)) return NEEDS_PORT; // a view on shared memory: share it
      // Subclasses, Buffers (which come back as Buffers), DataViews, views on resizable or
      // detached buffers, and two views on one buffer (which structured clone keeps sharing).
      if (typedKindOf(value) < 0 || value.byteLength === 0 || isResizable(value.buffer)) return SLOW;
      if (depth > 0 && !this.#firstMeeting(value.buffer)) return SLOW;
      this.#recordBulk(Kind.typed, value, value.byteLength);
      return 6 + ALIGN_SLACK + value.byteLength;
    }
    if (value instanceof ArrayBuffer) {
      if (value.byteLength === 0 || isResizable(value)) return SLOW;
      if (depth > 0 && !this.#firstMeeting(value)) return SLOW;
      this.#recordBulk(Kind.arrayBuffer, value, value.byteLength);
      return 5 + ALIGN_SLACK + value.byteLength;
    }
    if (++this.#nodes > MAX_NODES || depth === MAX_DEPTH || !this.#firstMeeting(value)) return SLOW;
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Array.prototype) return this.#measureArray(value as unknown[], depth);
    if (prototype === Object.prototype || prototype === null) return this.#measureObject(value as Record<string, unknown>, depth);
    if (prototype === Date.prototype) {
      // Structured clone keeps its time value and nothing else.
      this.#record(Kind.date);
      this.#record((value as Date).getTime());
      return 9;
    }
    return SLOW;
  }

  #measureArray(array: unknown[], depth: number): number {
    const length = array.length;
    // A hole or a named property: v8 keeps those. Counting the keys costs more than encoding the
    // numbers of a long array, so lists built to be dense (denseList) skip it.
    if (!DENSE_LISTS.has(array) && Object.keys(array).length !== length) return SLOW;
    this.#record(Kind.array);
    this.#record(length);
    let bytes = 5;
    for (let i = 0; i < length; i++) {
      const item = array[i];
      this.#record(item);
      const size = this.#measureValue(item, depth + 1);
      if (size < 0) return size;
      bytes += size;
    }
    return bytes;
  }

  #measureObject(object: Record<string, unknown>, depth: number): number {
    // Our own array (Object.keys makes a new one), so a deleted key comes out of it in place.
    const keys = Object.keys(object);
    this.#record(Kind.object);
    this.#record(keys);
    let bytes = 5;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const item = object[key];
      // A getter of an earlier key may have deleted this one: structured clone skips it then.
      if (item === undefined && !Object.hasOwn(object, key)) {
        keys.splice(i--, 1);
        continue;
      }
      this.#record(item);
      const size = this.#measureValue(item, depth + 1);
      if (size < 0) return size;
      bytes += stringBound(key) + size;
    }
    return bytes;
  }

  /** A typed array or ArrayBuffer, with its length as measured (checked again at the end: #changed). */
  #recordBulk(kind: number, value: ArrayBufferView | ArrayBuffer, byteLength: number): void {
    this.#record(kind);
    this.#record(value);
    this.#record(byteLength);
    this.#bulk.push(value, byteLength);
  }

  /**
   * Whether a getter detached or resized a buffer measured before it ran. Structured clone would
   * have copied it by then; this encoder copies in `write`, so that argument is refused instead.
   */
  #changed(): boolean {
    const bulk = this.#bulk;
    let changed = false;
    for (let i = 0; i < bulk.length; i += 2) if ((bulk[i] as ArrayBuffer).byteLength !== bulk[i + 1]) changed = true;
    bulk.length = 0;
    return changed;
  }

  #firstMeeting(object: object): boolean {
    const seen = this.#seen;
    if (seen.has(object)) return false;
    seen.add(object);
    return true;
  }

  #record(value: unknown): void {
    this.#tape[this.#tapeLength++] = value;
  }

  /** Drops what `measure` recorded when no `write` follows, so the tape keeps no caller's value alive. */
  forget(): void {
    this.#tape.fill(undefined, 0, this.#tapeLength);
    this.#tapeLength = 0;
    this.#blobs = null;
    this.#bulk.length = 0;
  }

  #replay(): unknown {
    const value = this.#tape[this.#cursor];
    this.#tape[this.#cursor++] = undefined; // the tape holds no caller's value past its write
    return value;
  }

  /**
   * Keeps the list `measure` just measured for a `write` that comes later: the caller may change
   * or reuse its values at once, as with postMessage, so anything but primitives is encoded now.
   */
  detach(values: readonly unknown[]): Detached {
    if (this.#primitives) return { values: values.slice() }; // the caller's list may change, its primitives cannot
    if (this.#measured > MAX_SCRATCH) {
      // Big enough that the unused tail of a buffer of its own costs less than a second copy.
      const own = spillViews(this.#measured);
      return { bytes: own.u8.subarray(0, this.write(own, 0, values)) };
    }
    this.#scratch ??= spillViews(MAX_SCRATCH);
    const length = this.write(this.#scratch, 0, values);
    return { bytes: this.#scratch.u8.slice(0, length) };
  }

  /** Writes `values` at `offset`, after `measure` said they fit. Returns the bytes written. */
  write(views: Views, offset: number, values: readonly unknown[], detached?: Detached): number {
    if (detached !== undefined && 'bytes' in detached) {
      // Encoded at offset 0: the aligned bulk bodies stay aligned only at another multiple of 8.
      if ((offset & 7) !== 0) throw new Error(`internal: a detached encoding written at ${offset}, which is not 8-byte aligned`);
      views.u8.set(detached.bytes, offset);
      return detached.bytes.byteLength;
    }
    if (detached !== undefined) values = detached.values;
    const blobs = this.#blobs;
    this.#cursor = 0;
    views.data.setUint32(offset, values.length, true);
    let at = offset + 4;
    for (let i = 0; i < values.length; i++) {
      const blob = blobs?.[i];
      if (blob === undefined) {
        at = this.#writeValue(views, at, values[i]);
        continue;
      }
      views.u8[at] = Tag.v8;
      views.data.setUint32(at + 1, blob.byteLength, true);
      at = align(at + 5);
      views.u8.set(blob, at);
      at += blob.byteLength;
    }
    this.#blobs = null;
    this.#tapeLength = 0;
    return at - offset;
  }

  #writeValue(views: Views, at: number, value: unknown): number {
    const { data, u8 } = views;
    switch (typeof value) {
      case 'number':
        if (isInt32(value)) {
          u8[at] = Tag.int32;
          data.setInt32(at + 1, value, true);
          return at + 5;
        }
        u8[at] = Tag.number;
        data.setFloat64(at + 1, value, true);
        return at + 9;
      case 'string':
        return this.#writeString(views, at, value);
      case 'boolean':
        u8[at] = value ? Tag.true : Tag.false;
        return at + 1;
      case 'undefined':
        u8[at] = Tag.undefined;
        return at + 1;
      case 'bigint':
        u8[at] = Tag.bigint;
        data.setBigInt64(at + 1, value, true);
        return at + 9;
    }
    if (value === null) {
      u8[at] = Tag.null;
      return at + 1;
    }
    switch (this.#replay() as number) {
      case Kind.typed: {
        const view = this.#replay() as TypedArray;
        const byteLength = this.#replay() as number;
        u8[at] = Tag.typed;
        u8[at + 1] = typedKindOf(view);
        data.setUint32(at + 2, byteLength, true);
        at = align(at + 6);
        u8.set(new Uint8Array(view.buffer, view.byteOffset, byteLength), at);
        return at + byteLength;
      }
      case Kind.arrayBuffer: {
        const buffer = this.#replay() as ArrayBuffer;
        const byteLength = this.#replay() as number;
        u8[at] = Tag.arrayBuffer;
        data.setUint32(at + 1, byteLength, true);
        at = align(at + 5);
        u8.set(new Uint8Array(buffer, 0, byteLength), at);
        return at + byteLength;
      }
      case Kind.date:
        u8[at] = Tag.date;
        data.setFloat64(at + 1, this.#replay() as number, true);
        return at + 9;
      case Kind.array: {
        const length = this.#replay() as number;
        u8[at] = Tag.array;
        data.setUint32(at + 1, length, true);
        at += 5;
        for (let i = 0; i < length; i++) at = this.#writeValue(views, at, this.#replay());
        return at;
      }
      default: {
        const keys = this.#replay() as string[];
        u8[at] = Tag.object;
        data.setUint32(at + 1, keys.length, true);
        at += 5;
        for (let i = 0; i < keys.length; i++) {
          at = this.#writeString(views, at, keys[i]);
          at = this.#writeValue(views, at, this.#replay());
        }
        return at;
      }
    }
  }

  #writeString(views: Views, at: number, value: string): number {
    const { data, u8 } = views;
    if (isShortAscii(value)) {
      const length = value.length;
      u8[at] = Tag.ascii;
      u8[at + 1] = length;
      const start = at + 2;
      for (let i = 0; i < length; i++) u8[start + i] = value.charCodeAt(i);
      return start + length;
    }
    // UTF-8 would turn a lone surrogate into U+FFFD, where structured clone keeps it. V8
    // answers isWellFormed at once for a one-byte string, so ASCII and Latin-1 pay nothing.
    if (!value.isWellFormed()) {
      u8[at] = Tag.utf16;
      const written = Buffer.from(u8.buffer, u8.byteOffset + at + 5, value.length * 2).write(value, 'utf16le');
      data.setUint32(at + 1, written, true);
      return at + 5 + written;
    }
    u8[at] = Tag.string;
    const { written } = this.#encoder.encodeInto(value, u8.subarray(at + 5, at + 5 + value.length * 3));
    data.setUint32(at + 1, written, true);
    return at + 5 + written;
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

/** Resizable buffers (Node 20 has them, its type definitions may not) keep their max length in a clone. */
function isResizable(buffer: ArrayBuffer): boolean {
  return (buffer as { resizable?: boolean }).resizable === true;
}

function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
