#!/usr/bin/env node
/**
 * The cluster benchmark: a CPU-bound task (fib) and a tiny one (add) through `routine worker`
 * processes (one thread each), against plain BullMQ Workers running the same function on their
 * main thread with the same concurrency, and against a local runtime with as many threads. It
 * starts its own redis-server on a free loopback port. Prints a markdown table and the ratios the
 * design targets name: scaling (throughput per process against one process) and overhead against
 * plain BullMQ.
 *
 *   node bench/cluster.mjs [--processes 1,2] [--tasks 300] [--fib 27] [--tiny 3000] [--concurrency 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createClusterRuntime } from '@routine/cluster';
import { createRuntime, tasks } from '@routine/runtime';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const processes = (args.processes ?? '1,2').split(',').map(Number);
const TASKS = Number(args.tasks ?? 300);
const FIB = Number(args.fib ?? 27);
const TINY = Number(args.tiny ?? 3000);
/** Jobs each worker process holds at once (routine worker's default for one thread is 2), given to BullMQ too. */
const CONCURRENCY = Number(args.concurrency ?? 2);
const BIN = new URL('../packages/cli/dist/bin.js', import.meta.url).pathname;
const PLAIN = new URL('./workers/bullmq-worker.mjs', import.meta.url).pathname;
const work = tasks(new URL('./workers/workloads.mjs', import.meta.url));

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'routine-bench-redis-'));
const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const probe = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
probe.on('error', () => {});
const late = setTimeout(() => {
  console.error(`redis-server did not answer on port ${port} within 10 s`);
  process.exit(1);
}, 10_000);
await probe.ping();
clearTimeout(late);

async function startProcesses(count, argv) {
  const children = Array.from({ length: count }, () => spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(children.map((child) => new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
      if (err.includes('ready:')) resolve();
    });
    child.once('exit', () => reject(new Error(`a worker exited before it was ready: ${err}`)));
  })));
  return async () => {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    })));
  };
}

/** Tasks per second for `count` calls of `call(i)`, all in flight at once. */
async function rate(count, call) {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => call(i)));
  return count / ((performance.now() - started) / 1000);
}

async function routineCluster(count) {
  const queue = `routine-${count}`;
  const stop = await startProcesses(count, [BIN, 'worker', '--redis', url, '--queue', queue, '--workers', '1', '--concurrency', String(CONCURRENCY)]);
  const cluster = await createClusterRuntime({ connection: url, queue });
  try {
    await rate(20 * count, () => cluster.go(work.fib, 20)); // every thread has imported the module
    return { cpu: await rate(TASKS, () => cluster.go(work.fib, FIB)), tiny: await rate(TINY, (i) => cluster.go(work.add, i, 1)) };
  } finally {
    await cluster.close();
    await stop();
  }
}

async function plainBullmq(count) {
  const name = `plain-${count}`;
  const stop = await startProcesses(count, [PLAIN, url, name, String(CONCURRENCY)]);
  const connections = [new Redis(url, { maxRetriesPerRequest: null }), new Redis(url, { maxRetriesPerRequest: null })];
  const queue = new Queue(name, { connection: connections[0] });
  // From the stream's start (this Redis is the bench's own): events before the first read are not missed.
  const events = new QueueEvents(name, { connection: connections[1], lastEventId: '0-0' });
  await events.waitUntilReady();
  const waiting = new Map();
  events.on('completed', ({ jobId }) => waiting.get(jobId)?.());
  let next = 0;
  // Each call adds a job and waits for its completion event, as a caller of BullMQ would.
  const call = async (jobName, data) => {
    const id = `j${next++}`;
    const done = new Promise((resolve) => waiting.set(id, resolve));
    await queue.add(jobName, data, { jobId: id, removeOnComplete: true });
    await done;
    waiting.delete(id);
  };
  try {
    await rate(20 * count, () => call('fib', { n: 20 }));
    return { cpu: await rate(TASKS, () => call('fib', { n: FIB })), tiny: await rate(TINY, (i) => call('add', { a: i, b: 1 })) };
  } finally {
    await events.close();
    await queue.close();
    for (const connection of connections) connection.disconnect();
    await stop();
  }
}

async function local(count) {
  const runtime = createRuntime({ workers: count });
  try {
    await rate(20 * count, () => runtime.go(work.fib, 20));
    return { cpu: await rate(TASKS, () => runtime.go(work.fib, FIB)), tiny: await rate(TINY, (i) => runtime.go(work.add, i, 1)) };
  } finally {
    await runtime.close();
  }
}

const rows = [];
try {
  for (const count of processes) {
    process.stderr.write(`\r${count} process(es)...`);
    rows.push({ count, routine: await routineCluster(count), plain: await plainBullmq(count), local: await local(count) });
  }
} finally {
  probe.disconnect();
  redisServer.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.stderr.write('\r'.padEnd(40) + '\r');

const f = (n) => Math.round(n).toLocaleString('en-US');
const r = (n) => n.toFixed(2);
console.log(`fib(${FIB}) x ${TASKS} and add x ${TINY}; tasks/s; one thread per worker process; ${CONCURRENCY} jobs held per process\n`);
console.log('| processes | routine cluster fib/s | plain BullMQ fib/s | cluster / BullMQ | local runtime fib/s | routine cluster add/s | plain BullMQ add/s | cluster / BullMQ | local runtime add/s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { count, routine, plain, local: here } of rows) {
  console.log(`| ${count} | ${f(routine.cpu)} | ${f(plain.cpu)} | ${r(routine.cpu / plain.cpu)} | ${f(here.cpu)} | ${f(routine.tiny)} | ${f(plain.tiny)} | ${r(routine.tiny / plain.tiny)} | ${f(here.tiny)} |`);
}
const one = rows.find((row) => row.count === 1);
if (one) {
  for (const row of rows.filter((x) => x.count > 1)) {
    console.log(`\nscaling at ${row.count} processes: ${r(row.routine.cpu / (row.count * one.routine.cpu))}x linear (target >= 0.8x up to the cores available; plain BullMQ: ${r(row.plain.cpu / (row.count * one.plain.cpu))}x)`);
  }
}
for (const row of rows) {
  const perTask = (tps) => 1e6 / tps;
  console.log(`per-task cost at ${row.count} process(es), tiny task: routine cluster ${f(perTask(row.routine.tiny))} µs, plain BullMQ ${f(perTask(row.plain.tiny))} µs, local runtime ${f(perTask(row.local.tiny))} µs`);
}
