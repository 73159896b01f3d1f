/**
 * Reads what `Encoder.write` wrote (codec.ts). Every value is a fresh copy owned by the caller.
 * No user code runs while decoding (no getters, no constructors of the caller's), so the one
 * cursor below cannot be re-entered.
 */
import { deserialize } from 'node:v8';
import type { Views } from '../memory/views.js';
import { align, Tag, TYPED_CONSTRUCTORS } from './tags.js';

let views: Views;
let at = 0;
/** A Buffer over the buffer last decoded from, for its string slicing (most decodes read one buffer). */
let bytes: Buffer<ArrayBufferLike> = Buffer.alloc(0);

function bytesOf(buffer: ArrayBufferLike): Buffer {
  if (bytes.buffer !== buffer) bytes = Buffer.from(buffer);
  return bytes;
}

export function decode(from: Views, offset: number): unknown[] {
  views = from;
  const count = from.data.getUint32(offset, true);
  at = offset + 4;
  const values = new Array<unknown>(count);
  for (let i = 0; i < count; i++) values[i] = readValue();
  return values;
}

function readValue(): unknown {
  const { data, u8 } = views;
  const tag = u8[at];
  switch (tag) {
    case Tag.number:
      at += 9;
      return data.getFloat64(at - 8, true);
    case Tag.int32:
      at += 5;
      return data.getInt32(at - 4, true);
    case Tag.ascii: {
      const length = u8[at + 1];
      const start = at + 2;
      at = start + length;
      let text = '';
      for (let i = start; i < at; i++) text += String.fromCharCode(u8[i]);
      return text;
    }
    case Tag.string:
    case Tag.utf16: {
      const length = data.getUint32(at + 1, true);
      const start = at + 5;
      at = start + length;
      return bytesOf(views.buffer).toString(tag === Tag.string ? 'utf8' : 'utf16le', start, at);
    }
    case Tag.true:
    case Tag.false:
      at += 1;
      return tag === Tag.true;
    case Tag.undefined:
      at += 1;
      return undefined;
    case Tag.null:
      at += 1;
      return null;
    case Tag.bigint:
      at += 9;
      return data.getBigInt64(at - 8, true);
    case Tag.date:
      at += 9;
      return new Date(data.getFloat64(at - 8, true));
    case Tag.array: {
      const count = data.getUint32(at + 1, true);
      at += 5;
      const array: unknown[] = [];
      for (let i = 0; i < count; i++) array.push(readValue());
      return array;
    }
    case Tag.object: {
      const count = data.getUint32(at + 1, true);
      at += 5;
      const object: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = readValue() as string;
        const value = readValue();
        // Assigning '__proto__' would set the prototype; structured clone makes it an own property.
        if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
        else object[key] = value;
      }
      return object;
    }
    case Tag.typed: {
      const Ctor = TYPED_CONSTRUCTORS[u8[at + 1]];
      const length = data.getUint32(at + 2, true);
      const start = align(at + 6);
      at = start + length;
      return new Ctor(u8.slice(start, at).buffer);
    }
    case Tag.arrayBuffer: {
      const length = data.getUint32(at + 1, true);
      const start = align(at + 5);
      at = start + length;
      return u8.slice(start, at).buffer;
    }
    case Tag.v8: {
      const length = data.getUint32(at + 1, true);
      const start = align(at + 5);
      at = start + length;
      // A copy: Node's deserializer returns typed arrays that are views on the buffer it reads.
      return deserialize(u8.slice(start, at));
    }
    default:
      throw new Error(`corrupt payload: unknown tag ${tag} at byte ${at}`);
  }
}
