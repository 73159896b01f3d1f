#!/usr/bin/env node
/**
 * A long mixed run on two workers, printing the process's RSS and each worker's heap after a
 * forced gc once per interval: the curve a leak would show as a slope. The README's soak graph
 * comes from here; the suite keeps a short version (test/soak.test.ts) that fails on a slope.
 *
 *   node bench/soak.mjs [--seconds 120] [--every 10]
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRuntime, tasks } from '@routine/runtime';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const seconds = Number(args.seconds ?? 120);
const every = Number(args.every ?? 10);
const heap = tasks(new URL('../test/fixtures/heap.mjs', import.meta.url));
const runtime = createRuntime({ workers: 2 });

// The mix the leak was found with: async sleeps, sync work, objects, errors, typed arrays.
const mix = [
  () => runtime.go(heap.sleep, 1),
  () => runtime.go((n) => n * 2, 21),
  () => runtime.go((o) => ({ ...o, seen: true }), { id: 1, tags: ['a', 'b'] }),
  () => runtime.go(() => { throw new RangeError('expected'); }).result(),
  () => runtime.go((values) => values.length, new Float64Array(512)),
];

const started = performance.now();
let tasksDone = 0;
let nextReport = 0;
console.log('| seconds | tasks | RSS MB | main heap after gc, MB | worker heaps after gc, MB |');
console.log('|---:|---:|---:|---:|---|');
while (performance.now() - started < seconds * 1000) {
  await Promise.all(Array.from({ length: 2000 }, (_, i) => mix[i % mix.length]()));
  tasksDone += 2000;
  const elapsed = (performance.now() - started) / 1000;
  if (elapsed >= nextReport) {
    const heaps = await Promise.all([runtime.go(heap.heapAfterGc), runtime.go(heap.heapAfterGc)]);
    gc();
    const main = getHeapStatistics().used_heap_size / 2 ** 20;
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(`| ${elapsed.toFixed(0)} | ${tasksDone.toLocaleString('en-US')} | ${rss.toFixed(0)} | ${main.toFixed(1)} | ${heaps.map((b) => (b / 2 ** 20).toFixed(1)).join(', ')} |`);
    nextReport += every;
  }
}
await runtime.close();
