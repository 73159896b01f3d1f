import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, Encoder, NEEDS_PORT, spillViews, UncloneableValue } from './codec.js';
import { valuesOf } from '../control/parcels.js';
import { transfer } from './transfer.js';
import { viewsOf } from '../memory/views.js';

function roundTrip(values: unknown[]): unknown[] {
  const encoder = new Encoder();
  const size = encoder.measure(values);
  if (typeof size !== 'number' || size === NEEDS_PORT) throw new Error(`not encodable: ${String(size)}`);
  const views = viewsOf(new SharedArrayBuffer(Math.ceil(size / 8) * 8 + 64));
  const written = encoder.write(views, 3, values); // an odd offset: bulk bodies must still align
  expect(written).toBeLessThanOrEqual(size);
  return decode(views, 3);
}

describe('codec', () => {
  it('an encoding spilled into a private buffer reads back as a parcel, from a buffer that can be moved', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.string(), fc.double(), fc.constant(undefined))), fc.nat({ max: 300 }), (values, length) => {
        const all = [...values, new Float64Array(length).map((_, i) => i / 3)];
        const encoder = new Encoder();
        const size = encoder.measure(all) as number;
        const views = spillViews(size);
        encoder.write(views, 0, all);
        expect(views.buffer).toBeInstanceOf(ArrayBuffer);
        expect(valuesOf({ encoded: structuredClone(views.buffer as ArrayBuffer) })).toEqual(all);
      }),
    );
  });

  it('round-trips anything structured clone accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.string(), fc.double(), fc.boolean(), fc.constant(undefined), fc.bigInt())), (values) => {
        expect(roundTrip(values)).toEqual(values);
      }),
    );
  });

  it('keeps lone surrogates exactly: any sequence of UTF-16 code units comes back as it went', () => {
    // Single code units, so unpaired surrogates are common (UTF-8 would make each one U+FFFD).
    const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) });
    fc.assert(
      fc.property(fc.array(codeUnits), (values) => {
        const back = roundTrip(values);
        expect(back).toEqual(values);
        for (let i = 0; i < values.length; i++) expect((back[i] as string).length).toBe(values[i].length);
      }),
    );
    expect(roundTrip(['\uD800', '\uDFFF', 'a\uD83Db', '\uDE00x', '\uD83D\uDE00', 'é\uDBFF'])).toEqual(['\uD800', '\uDFFF', 'a\uD83Db', '\uDE00x', '\uD83D\uDE00', 'é\uDBFF']);
  });

  it('round-trips every typed array kind, keeping its class and contents', () => {
    const arrays = [
      new Int8Array([-1, 2]), new Uint8Array([1, 255]), new Uint8ClampedArray([3]), new Int16Array([-300]),
      new Uint16Array([65535]), new Int32Array([-5]), new Uint32Array([2 ** 32 - 1]), new Float32Array([1.5]),
      new Float64Array([Math.PI]), new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n]),
    ];
    const back = roundTrip(arrays);
    for (const [i, array] of arrays.entries()) {
      expect((back[i] as object).constructor).toBe(array.constructor);
      expect(back[i]).toEqual(array);
    }
  });

  it('copies a view of part of a buffer, not the whole buffer', () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5]);
    const [part] = roundTrip([whole.subarray(2, 4)]) as Uint8Array[];
    expect([...part]).toEqual([2, 3]);
    expect(part.buffer.byteLength).toBe(2);
  });

  it('sends shared memory and transfer() by port, and names an uncloneable argument', () => {
    const encoder = new Encoder();
    expect(encoder.measure([new Int32Array(new SharedArrayBuffer(4))])).toBe(NEEDS_PORT);
    expect(encoder.measure([{ nested: new SharedArrayBuffer(4) }])).toBe(NEEDS_PORT);
    // A view on shared memory inside an object must be shared too, never silently copied.
    expect(encoder.measure([{ view: new Int32Array(new SharedArrayBuffer(4)) }])).toBe(NEEDS_PORT);
    expect(encoder.measure([transfer(new ArrayBuffer(4), [])])).toBe(NEEDS_PORT);
    const problem = encoder.measure([1, Symbol('s')]);
    expect(problem).toBeInstanceOf(UncloneableValue);
    expect((problem as UncloneableValue).index).toBe(1);
  });

  it('detach() keeps a snapshot: later changes to the caller’s arrays do not leak in', () => {
    const encoder = new Encoder();
    const input = new Float64Array([1, 2]);
    const args = [input, { blob: true }];
    const size = encoder.measure(args) as number;
    const detached = encoder.detach(args);
    input[0] = 99;
    const views = viewsOf(new SharedArrayBuffer(Math.ceil(size / 8) * 8 + 8));
    encoder.write(views, 0, [], detached);
    expect(decode(views, 0)).toEqual([new Float64Array([1, 2]), { blob: true }]);
  });
});
