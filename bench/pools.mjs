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
    addObject: (spec) => pool.run(spec, { name: 'addObject' }),
    sumObject: (spec) => pool.run(spec, { name: 'sumObject' }),
    close: () => pool.destroy(),
  };
}

/** The work as self-contained inline functions, for the pools that ship a task by its source. */
const inline = {
  add: (a, b) => a + b,
  fib: function fib(n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  },
  sum: (values) => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    return total;
  },
  addObject: ({ op, a, b }) => (op === 'add' ? a + b : a - b),
  sumObject: ({ values, scale }) => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    return total * scale;
  },
};

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
      addObject: (spec) => runtime.go(work.addObject, spec),
      sumObject: (spec) => runtime.go(work.sumObject, spec),
      close: () => runtime.close(),
    };
  },
  async 'routine (inline fn)'(threads) {
    const { createRuntime } = await import('@routine/runtime');
    const runtime = createRuntime({ workers: threads });
    return {
      add: (a, b) => runtime.go(inline.add, a, b),
      fib: (n) => runtime.go(inline.fib, n),
      sum: (values) => runtime.go(inline.sum, values),
      addObject: (spec) => runtime.go(inline.addObject, spec),
      sumObject: (spec) => runtime.go(inline.sumObject, spec),
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
      addObject: (spec) => pool.exec('addObject', [spec]),
      sumObject: (spec) => pool.exec('sumObject', [spec]),
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
      addObject: (spec) => pool.execute(spec, 'addObject'),
      sumObject: (spec) => pool.execute(spec, 'sumObject'),
      close: () => pool.destroy(),
    };
  },
  async multithreading(threads) {
    // On Node 20 it needs two globals that Node 22 has: navigator and Promise.withResolvers.
    globalThis.navigator ??= { hardwareConcurrency: threads };
    Promise.withResolvers ??= function withResolvers() {
      let resolve, reject;
      const promise = new Promise((yes, no) => ((resolve = yes), (reject = no)));
      return { promise, resolve, reject };
    };
    const { initRuntime, spawn, move } = await import('multithreading');
    initRuntime({ maxWorkers: threads });
    const value = async (handle) => {
      const result = await handle.join();
      if (!result.ok) throw result.error;
      return result.value;
    };
    return {
      add: (a, b) => value(spawn(move(a, b), inline.add)),
      fib: (n) => value(spawn(move(n), inline.fib)),
      // move() transfers a typed array: the caller keeps a copy, as it must to send it again.
      sum: (values) => value(spawn(move(values.slice()), inline.sum)),
      addObject: (spec) => value(spawn(move(spec), inline.addObject)),
      sumObject: (spec) => value(spawn(move(spec), inline.sumObject)),
      close: () => {},
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
