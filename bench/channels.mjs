#!/usr/bin/env node
/**
 * Channels side by side: routine's chan, multithreading's channel and a bare MessageChannel
 * (postMessage: the baseline every pool is built on), same shapes, each in a fresh process per
 * round, rounds interleaved so drift in the machine hits every one alike; medians printed.
 *
 *   buffered m->w / w->w   numbers through a 1024-deep channel, main -> worker and worker -> worker
 *   unbuffered m->w        capacity 0 (routine only: the others have no rendezvous)
 *   ping-pong m->w / w->w  one value there and one back, round trip p50/p99 in microseconds
 *
 * The receiving side of a worker uses each library's blocking receive (recvSync, blockingRecv),
 * the main thread the async one (it must not block); MessageChannel has only the one form.
 *
 *   node bench/channels.mjs [--rounds 3] [--n 100000] [--pings 3000]
 */
import { execFileSync } from 'node:child_process';
import { MessageChannel, Worker } from 'node:worker_threads';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const N = Number(args.n ?? 100_000);
const PINGS = Number(args.pings ?? 3000);
const CAPACITY = 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const now = () => performance.now();

/** Each implementation: cases it supports, each resolving to { perSecond } or { p50, p99 }. */
const IMPLS = {
  async routine() {
    const { createRuntime, chan } = await import('@routine/runtime');
    const rt = createRuntime({ workers: 2 });
    await Promise.all([rt.go(() => 0), rt.go(() => 0)]);
    const consume = (ch) => {
      let n = 0;
      while (ch.recvSync().ok) n++;
      return n;
    };
    const produce = (ch, n) => {
      for (let i = 0; i < n; i++) ch.sendSync(i);
      ch.close();
    };
    const throughput = async (capacity) => {
      const ch = chan(capacity);
      const started = now();
      const counting = rt.go(consume, ch);
      for (let i = 0; i < N; i++) await ch.send(i);
      ch.close();
      if ((await counting) !== N) throw new Error('lost values');
      return { perSecond: N / ((now() - started) / 1000) };
    };
    const echo = (ping, pong) => {
      for (let r = ping.recvSync(); r.ok; r = ping.recvSync()) pong.sendSync(r.value);
    };
    return {
      'buffered m->w': () => throughput(CAPACITY),
      'unbuffered m->w': () => throughput(0),
      'buffered w->w': async () => {
        const ch = chan(CAPACITY);
        const started = now();
        const counting = rt.go(consume, ch);
        await rt.go(produce, ch, N);
        if ((await counting) !== N) throw new Error('lost values');
        return { perSecond: N / ((now() - started) / 1000) };
      },
      'ping-pong m->w': async () => {
        const ping = chan(1);
        const pong = chan(1);
        const echoing = rt.go(echo, ping, pong);
        const samples = [];
        for (let i = 0; i < PINGS; i++) {
          const t = now();
          await ping.send(i);
          await pong.recv();
          samples.push((now() - t) * 1000);
        }
        ping.close();
        await echoing;
        return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
      },
      'ping-pong w->w': async () => {
        const ping = chan(1);
        const pong = chan(1);
        const echoing = rt.go(echo, ping, pong);
        const samples = await rt.go((ping, pong, pings) => {
          const out = [];
          for (let i = 0; i < pings; i++) {
            const t = performance.now();
            ping.sendSync(i);
            pong.recvSync();
            out.push((performance.now() - t) * 1000);
          }
          ping.close();
          return out;
        }, ping, pong, PINGS);
        await echoing;
        return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
      },
      close: () => rt.terminate(),
    };
  },

  async multithreading() {
    // On Node 20 it needs two globals that Node 22 has (as in pools.mjs).
    globalThis.navigator ??= { hardwareConcurrency: 2 };
    Promise.withResolvers ??= function withResolvers() {
      let resolve, reject;
      const promise = new Promise((yes, no) => ((resolve = yes), (reject = no)));
      return { promise, resolve, reject };
    };
    const { initRuntime, spawn, move, channel, shutdown } = await import('multithreading');
    initRuntime({ maxWorkers: 2 });
    const join = async (handle) => {
      const result = await handle.join();
      if (!result.ok) throw result.error;
      return result.value;
    };
    await Promise.all([join(spawn(() => 0)), join(spawn(() => 0))]);
    const consume = (rx) => {
      let n = 0;
      while (rx.blockingRecv().ok) n++;
      return n;
    };
    return {
      'buffered m->w': async () => {
        const [tx, rx] = channel(CAPACITY);
        const started = now();
        const counting = join(spawn(move(rx), consume));
        for (let i = 0; i < N; i++) await tx.send(i);
        tx.close();
        if ((await counting) !== N) throw new Error('lost values');
        return { perSecond: N / ((now() - started) / 1000) };
      },
      'buffered w->w': async () => {
        const [tx, rx] = channel(CAPACITY);
        const started = now();
        const counting = join(spawn(move(rx), consume));
        await join(spawn(move(tx, N), (tx, n) => {
          for (let i = 0; i < n; i++) tx.blockingSend(i);
          tx.close();
        }));
        if ((await counting) !== N) throw new Error('lost values');
        return { perSecond: N / ((now() - started) / 1000) };
      },
      'ping-pong m->w': async () => {
        const [pingTx, pingRx] = channel(1);
        const [pongTx, pongRx] = channel(1);
        const echoing = join(spawn(move(pingRx, pongTx), (ping, pong) => {
          for (let r = ping.blockingRecv(); r.ok; r = ping.blockingRecv()) pong.blockingSend(r.value);
        }));
        const samples = [];
        for (let i = 0; i < PINGS; i++) {
          const t = now();
          await pingTx.send(i);
          await pongRx.recv();
          samples.push((now() - t) * 1000);
        }
        pingTx.close();
        await echoing;
        return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
      },
      close: () => shutdown?.(),
    };
  },

  async MessageChannel() {
    const source = `
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', ({ mode, port, other, report }) => {
        if (mode === 'count') {
          let n = 0;
          port.on('message', (v) => { if (v === -1) { (report ?? port).postMessage(n); port.close(); report?.close(); } else n++; });
        } else if (mode === 'echo') {
          port.on('message', (v) => { if (v === -1) port.close(); else port.postMessage(v); });
        } else if (mode === 'produce') {
          for (let i = 0; i < other; i++) port.postMessage(i);
          port.postMessage(-1);
          port.close();
        } else if (mode === 'ping') {
          const samples = []; let i = 0; let t = performance.now();
          port.on('message', () => {
            samples.push((performance.now() - t) * 1000);
            if (++i === other) { port.postMessage(-1); parentPort.postMessage(samples); port.close(); return; }
            t = performance.now(); port.postMessage(i);
          });
          port.postMessage(0);
        }
      });`;
    const workers = [new Worker(source, { eval: true }), new Worker(source, { eval: true })];
    const start = (w, message, transfer) => w.postMessage(message, transfer);
    const reply = (port) => new Promise((resolve) => port.once('message', resolve));
    return {
      'buffered m->w': async () => {
        const { port1, port2 } = new MessageChannel();
        start(workers[0], { mode: 'count', port: port2 }, [port2]);
        const started = now();
        for (let i = 0; i < N; i++) port1.postMessage(i);
        port1.postMessage(-1);
        if ((await reply(port1)) !== N) throw new Error('lost values');
        port1.close();
        return { perSecond: N / ((now() - started) / 1000) };
      },
      'buffered w->w': async () => {
        const { port1, port2 } = new MessageChannel();
        const report = new MessageChannel();
        start(workers[0], { mode: 'count', port: port2, report: report.port2 }, [port2, report.port2]);
        const started = now();
        start(workers[1], { mode: 'produce', port: port1, other: N }, [port1]);
        if ((await reply(report.port1)) !== N) throw new Error('lost values');
        report.port1.close();
        return { perSecond: N / ((now() - started) / 1000) };
      },
      'ping-pong m->w': async () => {
        const { port1, port2 } = new MessageChannel();
        start(workers[0], { mode: 'echo', port: port2 }, [port2]);
        const samples = [];
        for (let i = 0; i < PINGS; i++) {
          const t = now();
          port1.postMessage(i);
          await reply(port1);
          samples.push((now() - t) * 1000);
        }
        port1.postMessage(-1);
        port1.close();
        return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
      },
      'ping-pong w->w': async () => {
        const { port1, port2 } = new MessageChannel();
        start(workers[1], { mode: 'echo', port: port2 }, [port2]);
        start(workers[0], { mode: 'ping', port: port1, other: PINGS }, [port1]);
        const samples = await new Promise((resolve) => workers[0].once('message', resolve));
        return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
      },
      close: () => Promise.all(workers.map((w) => w.terminate())),
    };
  },
};

const CASES = ['buffered m->w', 'buffered w->w', 'unbuffered m->w', 'ping-pong m->w', 'ping-pong w->w'];

if (args.child) {
  // One implementation, every case it has, in this fresh process.
  const impl = await IMPLS[args.child]();
  const out = {};
  for (const name of CASES) if (impl[name]) out[name] = await impl[name]();
  await impl.close();
  console.log(JSON.stringify(out));
  process.exit(0);
}

const rounds = Number(args.rounds ?? 3);
const names = Object.keys(IMPLS);
const samples = Object.fromEntries(names.map((name) => [name, []]));
const self = new URL(import.meta.url).pathname;
for (let round = 1; round <= rounds; round++) {
  for (const name of names) {
    process.stderr.write(`\rround ${round}/${rounds}: ${name.padEnd(16)}`);
    const out = execFileSync(process.execPath, [self, '--child', name, '--n', String(N), '--pings', String(PINGS)], { encoding: 'utf8', timeout: 300_000 });
    samples[name].push(JSON.parse(out.trim().split('\n').pop()));
  }
}
process.stderr.write('\r'.padEnd(40) + '\r');

const cell = (name, test, key) => {
  const xs = samples[name].map((s) => s[test]?.[key]).filter((x) => x !== undefined);
  return xs.length ? median(xs) : undefined;
};
const fmt = (x, digits = 0) => (x === undefined ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits }));
console.log(`channels, ${rounds} rounds, medians (N=${N}, ${PINGS} pings)\n`);
console.log(`| case | ${names.join(' | ')} | routine / MessageChannel | routine / multithreading |`);
console.log(`|---|${names.map(() => '---:').join('|')}|---:|---:|`);
for (const test of CASES) {
  const key = test.startsWith('ping') ? 'p50' : 'perSecond';
  const values = names.map((name) => cell(name, test, key));
  const [r, m, mc] = [values[0], values[1], values[2]];
  // Throughput: higher is better, ratio routine / other; latency: lower is better, other / routine.
  const ratio = (other) => (r === undefined || other === undefined ? 'n/a' : `${fmt(key === 'p50' ? other / r : r / other, 2)}x`);
  console.log(`| ${test} ${key === 'p50' ? 'p50 µs' : 'values/s'} | ${values.map((v) => fmt(v, key === 'p50' ? 1 : 0)).join(' | ')} | ${ratio(mc)} | ${ratio(m)} |`);
  if (key === 'p50') {
    const p99 = names.map((name) => cell(name, test, 'p99'));
    console.log(`| ${test} p99 µs | ${p99.map((v) => fmt(v, 1)).join(' | ')} | | |`);
  }
}
const target = (test, what, name, want) => {
  const key = test.startsWith('ping') ? 'p50' : 'perSecond';
  const r = cell('routine', test, key);
  const o = cell(name, test, key);
  if (r === undefined || o === undefined) return `- ${test} ${what}: n/a`;
  const got = key === 'p50' ? o / r : r / o;
  return `- ${test} ${what}: ${fmt(got, 2)}x (target ${want}x) ${got >= want ? 'met' : 'NOT met'}`;
};
console.log('\ntargets (ratios are better-is-higher):');
for (const test of ['buffered m->w', 'buffered w->w']) {
  console.log(target(test, 'vs MessageChannel', 'MessageChannel', 5));
  console.log(target(test, 'vs multithreading', 'multithreading', 2));
}
for (const test of ['ping-pong m->w', 'ping-pong w->w']) console.log(target(test, 'p50 vs MessageChannel (its p50 / ours)', 'MessageChannel', 2));
