#!/usr/bin/env node
/**
 * Many tiny items: `map(x => x * 2, items)` over a million numbers, against a plain loop on this
 * thread and against one go() per item, median of five runs each. Prints items per second and
 * the ratios. Shipping a number to a worker costs more than doubling it, so the loop wins this
 * row on any pool; what map() buys is that a million items cost chunks, not tasks.
 *
 *   node bench/map.mjs [--workers 2] [--items 1000000]
 */
import { createRuntime } from '@routine/runtime';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const workers = Number(args.workers ?? 2);
const count = Number(args.items ?? 1_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runtime = createRuntime({ workers });
const items = Array.from({ length: count }, (_, i) => i);
const typed = Float64Array.from(items);

async function rate(run, reps = 5) {
  const rates = [];
  for (let rep = 0; rep <= reps; rep++) {
    const start = performance.now();
    const out = await run();
    if (out.length !== count && out.length !== undefined) throw new Error('wrong length');
    if (rep > 0) rates.push(count / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

const rows = {
  'plain loop, one thread': await rate(async () => items.map((x) => x * 2)),
  'map(), array of numbers': await rate(() => runtime.map((x) => x * 2, items)),
  'map(), Float64Array': await rate(() => runtime.map((x) => x * 2, typed)),
};
const perTask = Math.min(count, 100_000);
const oneEach = await (async () => {
  const rates = [];
  for (let rep = 0; rep < 3; rep++) {
    const start = performance.now();
    await Promise.all(items.slice(0, perTask).map((x) => runtime.go((v) => v * 2, x)));
    rates.push(perTask / ((performance.now() - start) / 1000));
  }
  return median(rates);
})();
rows['one go() per item'] = oneEach;
await runtime.close();

const loop = rows['plain loop, one thread'];
console.log(`\n## many tiny items: x => x * 2 over ${count.toLocaleString('en-US')} numbers, ${workers} workers, node ${process.version}\n`);
console.log('| way | items/s | ÷ plain loop |');
console.log('|---|---:|---:|');
for (const [label, perSecond] of Object.entries(rows)) console.log(`| ${label} | ${Math.round(perSecond).toLocaleString('en-US')} | ${(perSecond / loop).toFixed(3)}x |`);
const target = rows['map(), array of numbers'];
console.log(`\ntarget map() >= 2,000,000 items/s: ${target >= 2e6 ? 'met' : 'not met'} (${Math.round(target).toLocaleString('en-US')})`);
