#!/usr/bin/env node
/**
 * Side-by-side benchmark: routine against piscina, tinypool, workerpool, poolifier and a bare
 * SharedArrayBuffer hand-off, same thread count, rounds interleaved (pool A, B, C, ..., then
 * again) so drift in the machine hits every pool alike, each pool in a fresh process per round.
 * Prints medians over the rounds as markdown tables with ratios, then the design targets.
 *
 *   node bench/run.mjs [--rounds 5] [--threads 2] [--scale 1] [--only routine,piscina] [--json out.json]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { POOLS } from './pools.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const rounds = Number(args.rounds ?? 5);
const threads = Number(args.threads ?? 2);
const scale = Number(args.scale ?? 1);
const names = args.only ? args.only.split(',') : Object.keys(POOLS);
const child = new URL('./child.mjs', import.meta.url).pathname;
const cold = new URL('./cold.mjs', import.meta.url).pathname;
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined);

const samples = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const name of names) {
    process.stderr.write(`\rround ${round}/${rounds}: ${name.padEnd(22)}`);
    const out = execFileSync(process.execPath, [child, name, String(threads), String(scale)], { encoding: 'utf8', timeout: 300_000 });
    const started = execFileSync(process.execPath, [cold, name, String(threads)], { encoding: 'utf8', timeout: 60_000 });
    samples[name].push({ ...JSON.parse(out.trim().split('\n').pop()), ...JSON.parse(started.trim().split('\n').pop()) });
  }
}
process.stderr.write('\r'.padEnd(60) + '\r');

const metrics = [
  'tinyPerSecond', 'latencyP50', 'latencyP99', 'speedup', 'payloadPerSecond', 'objectPerSecond', 'latencyObjectP50',
  'latencyObjectP99', 'payloadObjectPerSecond', 'rssMB', 'firstResultMs', 'startupRssMB',
];
const results = Object.fromEntries(
  names.map((name) => [name, Object.fromEntries(metrics.map((m) => [m, median(samples[name].map((s) => s[m]).filter((v) => v !== undefined))]))]),
);

const ours = results.routine;
const peers = names.filter((n) => !n.startsWith('routine') && n !== 'bare SAB floor');
const fmt = (value, digits = 0) => (value === undefined ? 'n/a' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`);

console.log(`\n## routine vs peers: ${threads} threads, median of ${rounds} rounds, node ${process.version}\n`);
console.log('| pool | tiny tasks/s | routine ÷ pool | p50 µs | p99 µs | pool p50 ÷ routine p50 | CPU speedup | 64 KiB tasks/s | routine ÷ pool |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of names) {
  const r = results[name];
  console.log(
    `| ${name} | ${fmt(r.tinyPerSecond)} | ${ratio(ours?.tinyPerSecond, r.tinyPerSecond)} | ${fmt(r.latencyP50, 1)} | ${fmt(r.latencyP99, 1)} | ${ratio(r.latencyP50, ours?.latencyP50)} | ${fmt(r.speedup, 2)} | ${fmt(r.payloadPerSecond)} | ${ratio(ours?.payloadPerSecond, r.payloadPerSecond)} |`,
  );
}

console.log(`\n## the shapes users write: one object argument, a payload inside an object, cold start, memory\n`);
console.log('| pool | object tasks/s | routine ÷ pool | object p50 µs | object p99 µs | pool p50 ÷ routine p50 | 64 KiB in an object/s | routine ÷ pool | start to first result ms | pool ÷ routine | RSS MB | pool ÷ routine |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of names) {
  const r = results[name];
  console.log(
    `| ${name} | ${fmt(r.objectPerSecond)} | ${ratio(ours?.objectPerSecond, r.objectPerSecond)} | ${fmt(r.latencyObjectP50, 1)} | ${fmt(r.latencyObjectP99, 1)} | ${ratio(r.latencyObjectP50, ours?.latencyObjectP50)} | ` +
      `${fmt(r.payloadObjectPerSecond)} | ${ratio(ours?.payloadObjectPerSecond, r.payloadObjectPerSecond)} | ${fmt(r.firstResultMs)} | ${ratio(r.firstResultMs, ours?.firstResultMs)} | ${fmt(r.rssMB)} | ${ratio(r.rssMB, ours?.rssMB)} |`,
  );
}
console.log('\nRatios read "how many times better routine is": above 1.00x routine wins that row, below it loses.');

if (ours && peers.length > 0) {
  const best = (metric, better) => peers.map((n) => results[n][metric]).filter((v) => v !== undefined).reduce((a, b) => (better(a, b) ? a : b));
  const higher = (a, b) => a > b;
  const lower = (a, b) => a < b;
  const floor = results['bare SAB floor'];
  const piscina = results.piscina;
  const targets = [
    ['tiny tasks, positional numbers >= 5x best peer', ours.tinyPerSecond / best('tinyPerSecond', higher), 5],
    ['tiny tasks >= half the bare SAB floor', floor && ours.tinyPerSecond / floor.tinyPerSecond, 0.5],
    ['tiny tasks, one object argument >= 3x best peer', ours.objectPerSecond / best('objectPerSecond', higher), 3],
    ['one at a time: p50 <= half the best peer', best('latencyP50', lower) / ours.latencyP50, 2],
    ['one at a time: p99 <= half the best peer', best('latencyP99', lower) / ours.latencyP99, 2],
    ['one at a time with an object: p50 <= half the best peer', best('latencyObjectP50', lower) / ours.latencyObjectP50, 2],
    ['64 KiB argument >= 2x best peer', ours.payloadPerSecond / best('payloadPerSecond', higher), 2],
    ['64 KiB inside an object >= 2x best peer', ours.payloadObjectPerSecond / best('payloadObjectPerSecond', higher), 2],
    ['CPU speedup no worse than the best peer', ours.speedup / best('speedup', higher), 1],
    [`CPU speedup >= 0.95 x ${threads} workers`, ours.speedup / threads, 0.95],
    ['start to first result no slower than piscina', piscina && piscina.firstResultMs / ours.firstResultMs, 1],
    ['RSS no more than piscina', piscina && piscina.rssMB / ours.rssMB, 1],
  ];
  console.log('\n| target | measured | met |\n|---|---:|:---:|');
  for (const [label, value, goal] of targets) {
    if (value === undefined || Number.isNaN(value)) continue;
    console.log(`| ${label} | ${value.toFixed(2)} (goal ${goal}) | ${value >= goal ? 'yes' : 'no'} |`);
  }
}
if (args.json) writeFileSync(args.json, JSON.stringify({ threads, rounds, results, samples }, null, 2));

// What routine's own wrappers (group, pool, timeout) cost over plain go.
process.stdout.write(execFileSync(process.execPath, [new URL('./overhead.mjs', import.meta.url).pathname], { encoding: 'utf8', timeout: 300_000 }));

// What counters and histograms cost per task.
process.stdout.write(execFileSync(process.execPath, [new URL('./metrics.mjs', import.meta.url).pathname], { encoding: 'utf8', timeout: 300_000 }));

// The codec per shape against structured clone, and many tiny items through map().
process.stdout.write(execFileSync(process.execPath, [new URL('./codec.mjs', import.meta.url).pathname], { encoding: 'utf8', timeout: 300_000 }));
process.stdout.write(
  execFileSync(process.execPath, [new URL('./map.mjs', import.meta.url).pathname, '--workers', String(threads)], { encoding: 'utf8', timeout: 300_000 }),
);
