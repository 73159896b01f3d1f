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
    // An object is a snapshot too, nested arrays included.
    const nested = { values: [1, 2], inner: new Uint8Array([7]) };
    encoder.measure([nested]);
    const later = encoder.detach([nested]);
    nested.values.push(3);
    nested.inner[0] = 8;
    const room = viewsOf(new SharedArrayBuffer(256));
    encoder.write(room, 8, [], later);
    expect(decode(room, 8)).toEqual([{ values: [1, 2], inner: new Uint8Array([7]) }]);
  });

  it('plain objects and arrays come back as structured clone gives them: keys, order, types, holes, prototypes', () => {
    const anyValue = fc.anything({
      withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true,
      withNullPrototype: true, withObjectString: true, withBoxedValues: true, maxDepth: 4,
    });
    fc.assert(
      fc.property(fc.array(anyValue, { maxLength: 4 }), (values) => {
        const back = roundTrip(values);
        const clone = structuredClone(values);
        expect(back).toStrictEqual(clone);
        // toStrictEqual ignores the order of keys; structured clone keeps it.
        expect(keyOrder(back)).toEqual(keyOrder(clone));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps what the fast path cannot: shared references, cycles, sparse arrays, named array properties, Maps, class instances', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const match = /b(c)/.exec('abcd')!;
    class Point {
      constructor(readonly x: number) {}
    }
    const buffer = new ArrayBuffer(16);
    const [dag, cycle, holes, named, map, point, views] = roundTrip([
      { a: shared, b: shared }, cyclic, sparse, match, new Map([[1, { two: 2 }]]), new Point(3),
      { low: new Uint8Array(buffer, 0, 8), high: new Uint8Array(buffer, 8, 8) },
    ]) as [any, any, unknown[], RegExpExecArray, Map<number, unknown>, object, { low: Uint8Array; high: Uint8Array }];
    expect(dag.a).toBe(dag.b);
    expect(cycle.self).toBe(cycle);
    expect(1 in holes).toBe(false);
    expect(holes).toHaveLength(3);
    expect(named.index).toBe(1);
    expect(named.input).toBe('abcd');
    expect(map.get(1)).toEqual({ two: 2 });
    expect(Object.getPrototypeOf(point)).toBe(Object.prototype);
    expect(point).toEqual({ x: 3 });
    expect(views.low.buffer).toBe(views.high.buffer); // two views on one buffer still share it
  });

  it('numbers at the edges of the four-byte form come back exactly, -0 included', () => {
    const edges = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 5e-324];
    const back = roundTrip([...edges, { edges }]) as number[];
    for (let i = 0; i < edges.length; i++) expect(Object.is(back[i], edges[i])).toBe(true);
    expect(Object.is((back[edges.length] as unknown as { edges: number[] }).edges[1], -0)).toBe(true);
  });

  it('an object argument as most code passes it fits a slot: { op, a, b } measures at most 40 bytes', () => {
    expect(new Encoder().measure([{ op: 'add', a: 123456, b: 1 }])).toBeLessThanOrEqual(40);
    expect(roundTrip([{ op: 'add', a: 123456, b: 1 }])).toEqual([{ op: 'add', a: 123456, b: 1 }]);
  });

  it('an own __proto__ key stays an own property and never becomes the prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const [back] = roundTrip([value]) as [Record<string, unknown>];
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(back.ok).toBe(1);
  });

  it('reads each property once, so a getter that changes its answer cannot write past the measured size', () => {
    let reads = 0;
    const tricky = {
      get text() {
        reads++;
        return reads === 1 ? 'x' : 'x'.repeat(10_000);
      },
    };
    const [back] = roundTrip([{ tricky, after: [1, 2] }]) as [{ tricky: { text: string }; after: number[] }];
    expect(reads).toBe(1);
    expect(back).toEqual({ tricky: { text: 'x' }, after: [1, 2] });
  });

  it('a getter that throws and a Proxy are refused as structured clone refuses them, naming the argument', () => {
    const encoder = new Encoder();
    const throwing = encoder.measure([1, { get bad(): never { throw new Error('no reading me'); } }]);
    expect(throwing).toBeInstanceOf(UncloneableValue);
    expect((throwing as UncloneableValue).index).toBe(1);
    expect(((throwing as UncloneableValue).cause as Error).message).toBe('no reading me');
    expect(() => structuredClone(new Proxy({}, {}))).toThrow();
    const proxy = encoder.measure([{ inner: new Proxy({ a: 1 }, {}) }]);
    expect(proxy).toBeInstanceOf(UncloneableValue);
  });

  it('bulk bodies nested in objects and arrays start 8-byte aligned, whatever precedes them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 9 }), fc.nat({ max: 40 }), (label, length) => {
        const values = new Float64Array(length).map((_, i) => i * 1.5);
        const [back] = roundTrip([{ label, nested: [label, { values }], bytes: new Uint8Array([1, 2, 3]).buffer }]) as [any];
        expect(back.nested[1].values).toEqual(values);
        expect(back.label).toBe(label);
        expect(new Uint8Array(back.bytes)).toEqual(new Uint8Array([1, 2, 3]));
      }),
    );
  });
});

/** Every object's own keys in order, depth first, so two graphs can be compared for key order. */
function keyOrder(value: unknown, seen = new Set<object>()): string[][] {
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value)) return [];
  seen.add(value);
  const entries = value instanceof Map ? [...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  return [Object.keys(value), ...entries.flatMap((entry) => keyOrder(entry, seen))];
}

describe('codec: getters that change what was already read', () => {
  it('a getter that detaches a buffer read before it refuses the argument at measure, before anything is reserved', () => {
    const buffer = new ArrayBuffer(64);
    const encoder = new Encoder();
    const refused = encoder.measure([[buffer, { get g() { structuredClone(buffer, { transfer: [buffer] }); return 1; } }]]);
    expect(refused).toBeInstanceOf(UncloneableValue);
    expect(String((refused as UncloneableValue).cause)).toMatch(/detached or resized a buffer/);
  });

  it('a getter that changes an earlier value’s prototype cannot change how it is written, nor its size', () => {
    const date = new Date(0);
    const key = 'k'.repeat(1000);
    const value = [date, key, { get g() { Object.setPrototypeOf(date, Object.prototype); return 1; } }];
    const encoder = new Encoder();
    const size = encoder.measure([value]) as number;
    const views = viewsOf(new SharedArrayBuffer(Math.ceil(size / 8) * 8 + 64));
    expect(encoder.write(views, 0, [value])).toBeLessThanOrEqual(size);
    const [back] = decode(views, 0) as [[Date, string, { g: number }]];
    expect(back[0]).toBeInstanceOf(Date);
    expect(back[0].getTime()).toBe(0);
    expect(back[1]).toBe(key);
    expect(back[2]).toEqual({ g: 1 });
  });

  it('a key a getter deleted is skipped, as structured clone skips it', () => {
    const object: Record<string, unknown> = { get a() { delete object.b; return 1; }, b: 2, c: 3 };
    expect(roundTrip([object])).toEqual([{ a: 1, c: 3 }]);
  });

  it('one Date twice keeps its identity; an arguments object is refused as structured clone refuses it', () => {
    const date = new Date(5);
    const [[first, second]] = roundTrip([[date, date]]) as [[Date, Date]];
    expect(first).toBe(second);
    function args(..._: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      return arguments;
    }
    expect(() => structuredClone(args(1))).toThrow();
    expect(new Encoder().measure([args(1, 2)])).toBeInstanceOf(UncloneableValue);
  });

  it('a getter that calls measure again (go() from inside a getter) is refused instead of corrupting the outer encoding', () => {
    const encoder = new Encoder();
    const outer = { a: [1, 2, 3], get b() { encoder.measure([{ q: 'inner' }]); return 'bee'; } };
    expect(() => encoder.measure([outer])).toThrow(/while the arguments of another go\(\) on this thread were being read/);
    // The encoder is usable afterwards.
    expect(roundTripWith(encoder, [{ fine: true }])).toEqual([{ fine: true }]);
  });
});

function roundTripWith(encoder: Encoder, values: unknown[]): unknown[] {
  const size = encoder.measure(values) as number;
  const views = viewsOf(new SharedArrayBuffer(Math.ceil(size / 8) * 8 + 64));
  encoder.write(views, 0, values);
  return decode(views, 0);
}
