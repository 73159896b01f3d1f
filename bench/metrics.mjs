#!/usr/bin/env node
/**
 * What stats cost per task: counters, wait/run-time histograms and busy time (metrics on, the
 * default) against a runtime created with metrics: false. Each measurement is a fresh process
 * running bursts of tiny tasks; processes alternate between the two modes, so drift in the
 * machine hits both alike. Reports medians.
 *
 *   node bench/metrics.mjs [--rounds 7]
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const threads = availableParallelism();
const burst = 50_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  const { createRuntime, tasks } = await import('@routine/runtime');
  const work = tasks(new URL('./workers/workloads.mjs', import.meta.url));
  const runtime = createRuntime({ workers: threads, metrics: process.argv[3] === 'on' });
  const rates = [];
  for (let rep = -1; rep < 5; rep++) {
    const start = performance.now();
    await Promise.all(Array.from({ length: burst }, (_, i) => runtime.go(work.add, i, 1)));
    if (rep >= 0) rates.push(burst / ((performance.now() - start) / 1000)); // rep -1 warms up
  }
  await runtime.close();
  console.log(median(rates));
  process.exit(0);
}

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const rounds = Number(args.rounds ?? 7);
const rates = { on: [], off: [] };
for (let round = 0; round < rounds; round++) {
  for (const mode of round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
    const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', mode], { encoding: 'utf8', timeout: 120_000 });
    rates[mode].push(Number(out.trim()));
  }
}
const on = median(rates.on);
const off = median(rates.off);
console.log(`\n## cost of stats per tiny task: ${threads} threads, ${burst.toLocaleString('en-US')}-task bursts, median of ${rounds} processes each\n`);
console.log('| metrics | tasks/s | ns per task | vs off |\n|---|---:|---:|---:|');
for (const [label, rate] of [['off (metrics: false)', off], ['on (counters + histograms)', on]]) {
  console.log(`| ${label} | ${Math.round(rate).toLocaleString('en-US')} | ${(1e9 / rate).toFixed(0)} | ${(rate / off).toFixed(3)}x |`);
}
console.log(`\nStats cost ${((off / on - 1) * 100).toFixed(1)}% per tiny task (goal: under 5%).`);
