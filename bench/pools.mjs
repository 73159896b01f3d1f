/**
 * Each pool behind the same three calls (add, fib, sum), in its own calling convention, with the
 * same number of threads. `open` waits until every worker is up, so start-up is not measured.
 */
import { availableParallelism } from 'node:os';

const here = (file) => new URL(file, import.meta.url);

/** piscina and tinypool share one API: run(argument, { name }) and destroy(). */
function singleArgumentPool(pool) {
  return {
    add: (a, b) => pool.run({ a, b }, { name: 'add' }),
    fib: (n) => pool.run(n, { name: 'fib' }),
    sum: (values) => pool.run(values, { name: 'sum' }),
    close: () => pool.destroy(),
  };
}

async function warm(pool, threads) {
  await Promise.all(Array.from({ length: threads * 8 }, (_, i) => pool.add(i, 1)));
}

export const POOLS = {
  async routine(threads) {
    const { createRuntime, tasks } = await import('@routine/runtime');
    const runtime = createRuntime({ workers: threads });
    const work = tasks(here('./workers/workloads.mjs'));
    return {
      add: (a, b) => runtime.go(work.add, a, b),
      fib: (n) => runtime.go(work.fib, n),
      sum: (values) => runtime.go(work.sum, values),
      close: () => runtime.close(),
    };
  },
  async 'routine (inline fn)'(threads) {
    const { createRuntime } = await import('@routine/runtime');
    const runtime = createRuntime({ workers: threads });
    const add = (a, b) => a + b;
    const fib = function fib(n) {
      return n < 2 ? n : fib(n - 1) + fib(n - 2);
    };
    const sum = (values) => {
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[i];
      return total;
    };
    return {
      add: (a, b) => runtime.go(add, a, b),
      fib: (n) => runtime.go(fib, n),
      sum: (values) => runtime.go(sum, values),
      close: () => runtime.close(),
    };
  },
  async piscina(threads) {
    const { Piscina } = await import('piscina');
    return singleArgumentPool(new Piscina({ filename: here('./workers/single-arg.mjs').href, minThreads: threads, maxThreads: threads }));
  },
  async tinypool(threads) {
    const { Tinypool } = await import('tinypool');
    return singleArgumentPool(new Tinypool({ filename: here('./workers/single-arg.mjs').href, minThreads: threads, maxThreads: threads }));
  },
  async workerpool(threads) {
    const { default: workerpool } = await import('workerpool');
    const pool = workerpool.pool(here('./workers/workerpool.mjs').pathname, {
      minWorkers: threads,
      maxWorkers: threads,
      workerType: 'thread',
    });
    return {
      add: (a, b) => pool.exec('add', [a, b]),
      fib: (n) => pool.exec('fib', [n]),
      sum: (values) => pool.exec('sum', [values]),
      close: () => pool.terminate(),
    };
  },
  async poolifier(threads) {
    const { FixedThreadPool } = await import('poolifier');
    const pool = new FixedThreadPool(threads, here('./workers/poolifier.mjs').pathname, { errorHandler: (e) => console.error(e) });
    return {
      add: (a, b) => pool.execute({ a, b }, 'add'),
      fib: (n) => pool.execute(n, 'fib'),
      sum: (values) => pool.execute(values, 'sum'),
      close: () => pool.destroy(),
    };
  },
  async 'bare SAB floor'(threads) {
    const { Floor } = await import('./floor.mjs');
    const floor = new Floor(threads);
    return { add: (a, b) => floor.add(a, b), close: () => floor.close() };
  },
};

export async function open(name, threads = availableParallelism()) {
  const pool = await POOLS[name](threads);
  await warm(pool, threads);
  return pool;
}
