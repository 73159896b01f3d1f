#!/usr/bin/env node
/**
 * What the Go-style wrappers cost over plain `go`: the same burst of tiny tasks through go,
 * group().go, pool.submit and timeout(), median of several bursts. All run on the default runtime
 * (one worker per core) except the pool, which gets as many workers of its own.
 *
 *   node bench/overhead.mjs [--reps 7]
 */
import { availableParallelism } from 'node:os';
import { createPool, defaultRuntime, go, group, tasks, timeout } from '@routine/runtime';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const threads = availableParallelism();
const reps = Number(args.reps ?? 7);
const burst = 20_000;
const work = tasks(new URL('./workers/workloads.mjs', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function rate(run) {
  await run(); // warm-up
  const rates = [];
  for (let rep = 0; rep < reps; rep++) {
    const start = performance.now();
    await run();
    rates.push(burst / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

const pool = createPool({ name: 'overhead', workers: threads, queue: burst });
const rows = [
  ['go', () => Promise.all(Array.from({ length: burst }, (_, i) => go(work.add, i, 1)))],
  [
    'group().go + wait',
    async () => {
      const g = group();
      for (let i = 0; i < burst; i++) g.go(work.add, i, 1);
      await g.wait();
    },
  ],
  ['pool.submit', () => Promise.all(Array.from({ length: burst }, (_, i) => pool.submit(work.add, i, 1)))],
  ['timeout(60s, ...)', () => Promise.all(Array.from({ length: burst }, (_, i) => timeout(60_000, work.add, i, 1)))],
];
const results = [];
for (const [label, run] of rows) results.push([label, await rate(run)]);
const base = results[0][1];
console.log(`\n## overhead of the Go-style wrappers: ${threads} threads, ${burst.toLocaleString('en-US')}-task bursts, median of ${reps}\n`);
console.log('| call | tasks/s | vs go |\n|---|---:|---:|');
for (const [label, perSecond] of results) console.log(`| ${label} | ${Math.round(perSecond).toLocaleString('en-US')} | ${(perSecond / base).toFixed(2)}x |`);
await Promise.all([defaultRuntime().close(), pool.close()]);
process.exit(0);
