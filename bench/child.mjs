/**
 * Measures one pool in a process of its own (so pools never share a heap or a core with each
 * other's idle threads) and prints one JSON line. Run by run.mjs.
 */
import { open } from './pools.mjs';
import { fib } from './workers/workloads.mjs';

const [name, threadsText, scaleText] = process.argv.slice(2);
const threads = Number(threadsText);
const scale = Number(scaleText);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const pool = await open(name, threads);
const out = { name };

// Tiny tasks: a burst submitted at once, every result awaited.
{
  const burst = 20000 * scale;
  const rates = [];
  // Rep 0 is a warm-up for every pool (JIT tiers, first-touch of buffers); it is not counted.
  for (let rep = 0; rep < 4; rep++) {
    const start = performance.now();
    const results = [];
    for (let i = 0; i < burst; i++) results.push(pool.add(i, 1));
    const values = await Promise.all(results);
    const seconds = (performance.now() - start) / 1000;
    if (values[burst - 1] !== burst) throw new Error(`${name}: wrong result`);
    if (rep > 0) rates.push(burst / seconds);
  }
  out.tinyPerSecond = median(rates);
}

// Tiny tasks with one object argument, the shape most code passes.
if (pool.addObject) {
  const burst = 20000 * scale;
  const rates = [];
  for (let rep = 0; rep < 4; rep++) {
    const start = performance.now();
    const results = [];
    for (let i = 0; i < burst; i++) results.push(pool.addObject({ op: 'add', a: i, b: 1 }));
    const values = await Promise.all(results);
    if (values[burst - 1] !== burst) throw new Error(`${name}: wrong object result`);
    if (rep > 0) rates.push(burst / ((performance.now() - start) / 1000));
  }
  out.objectPerSecond = median(rates);
}

/** Round trips one task at a time: p50 and p99 in microseconds. */
async function oneAtATime(call) {
  const samples = [];
  for (let i = 0; i < 2000 * scale + 200; i++) {
    const start = process.hrtime.bigint();
    await call(i);
    if (i >= 200) samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return [quantile(samples, 0.5), quantile(samples, 0.99)];
}
[out.latencyP50, out.latencyP99] = await oneAtATime((i) => pool.add(i, 1));
if (pool.addObject) [out.latencyObjectP50, out.latencyObjectP99] = await oneAtATime((i) => pool.addObject({ op: 'add', a: i, b: 1 }));

if (pool.fib) {
  // CPU-bound speedup: the same fib calls on this thread alone, then through the pool, alternated
  // three times, median of the ratios. Both sides are warmed first so JIT tier-up is not measured.
  const n = 30;
  const count = 8 * threads * scale;
  for (let i = 0; i < 3; i++) fib(27);
  await Promise.all(Array.from({ length: threads * 3 }, () => pool.fib(27)));
  const ratios = [];
  let start;
  for (let rep = 0; rep < 3; rep++) {
    start = performance.now();
    for (let i = 0; i < count; i++) fib(n);
    const alone = performance.now() - start;
    start = performance.now();
    await Promise.all(Array.from({ length: count }, () => pool.fib(n)));
    ratios.push(alone / (performance.now() - start));
  }
  out.speedup = median(ratios);

  // 64 KiB payloads: a Float64Array argument, its sum back.
  const values = new Float64Array(8192).map((_, i) => i);
  const expected = (8191 * 8192) / 2;
  const tasks = 2000 * scale;
  const rates = [];
  for (let rep = 0; rep < 4; rep++) {
    start = performance.now();
    const results = await Promise.all(Array.from({ length: tasks }, () => pool.sum(values)));
    if (results[0] !== expected) throw new Error(`${name}: wrong sum`);
    if (rep > 0) rates.push(tasks / ((performance.now() - start) / 1000));
  }
  out.payloadPerSecond = median(rates);

  // The same array inside an object argument.
  if (pool.sumObject) {
    const objectRates = [];
    for (let rep = 0; rep < 4; rep++) {
      start = performance.now();
      const results = await Promise.all(Array.from({ length: tasks }, () => pool.sumObject({ values, scale: 2 })));
      if (results[0] !== 2 * expected) throw new Error(`${name}: wrong object sum`);
      if (rep > 0) objectRates.push(tasks / ((performance.now() - start) / 1000));
    }
    out.payloadObjectPerSecond = median(objectRates);
  }
}

// Memory with every worker up and warm, after the work above.
out.rssMB = process.memoryUsage().rss / 2 ** 20;

await pool.close();
console.log(JSON.stringify(out));
process.exit(0);
