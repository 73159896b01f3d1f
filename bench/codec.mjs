#!/usr/bin/env node
/**
 * The codec on the shapes users pass, against structured clone (what postMessage pays) and
 * against v8.serialize (what routine paid for every object before its fast path): encode into
 * shared memory and decode back, per value, on one thread. Prints a table with ratios.
 *
 *   node bench/codec.mjs
 */
import { deserialize, serialize } from 'node:v8';
import { Encoder, decode } from '@routine/core';

const shapes = {
  'object { op, a, b }': { op: 'add', a: 1, b: 2 },
  'nested config (3 levels)': { id: 42, name: 'job-42', tags: ['a', 'b'], opts: { retries: 3, backoff: { ms: 100, factor: 2 } }, ok: true },
  'array of 10 numbers': Array.from({ length: 10 }, (_, i) => i * 1.5),
  'array of 100 records': Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user-${i}`, score: i / 7 })),
  '64 KiB Float64Array in an object': { values: new Float64Array(8192).map((_, i) => i), scale: 2 },
  '1 KiB string in an object': { text: 'x'.repeat(1024), n: 1 },
};

const views = (() => {
  const buffer = new SharedArrayBuffer(1 << 20);
  return { buffer, i32: new Int32Array(buffer), f64: new Float64Array(buffer), u8: new Uint8Array(buffer), data: new DataView(buffer) };
})();
const encoder = new Encoder();

function timePerOp(fn) {
  let n = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const ns = Number(process.hrtime.bigint() - start);
    if (ns > 200e6) return ns / n;
    n *= 2;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const ways = {
  routine: (value) => {
    encoder.measure([value]);
    encoder.write(views, 0, [value]);
    return decode(views, 0)[0];
  },
  'v8.serialize into shared memory': (value) => {
    const blob = serialize(value);
    views.u8.set(blob, 8);
    return deserialize(views.u8.slice(8, 8 + blob.byteLength));
  },
  structuredClone: (value) => structuredClone(value),
};

console.log(`\n## the codec per shape: encode into shared memory and decode, one thread, node ${process.version}\n`);
console.log('| shape | routine ns | v8.serialize ns | structuredClone ns | v8 ÷ routine | clone ÷ routine |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [label, value] of Object.entries(shapes)) {
  const ns = Object.fromEntries(Object.entries(ways).map(([way, fn]) => [way, median([0, 1, 2].map(() => timePerOp(() => fn(value))))]));
  const r = ns.routine;
  console.log(`| ${label} | ${r.toFixed(0)} | ${ns['v8.serialize into shared memory'].toFixed(0)} | ${ns.structuredClone.toFixed(0)} | ${(ns['v8.serialize into shared memory'] / r).toFixed(2)}x | ${(ns.structuredClone / r).toFixed(2)}x |`);
}
