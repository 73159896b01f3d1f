// A background worker is a long-lived loop on a thread of its own, outside the pool.
import { getBackgroundWorkerStatus, startBackgroundWorker, stopBackgroundWorker } from '@routine/runtime';

const ticks = new Int32Array(new SharedArrayBuffer(4)); // shared with the worker, not copied

startBackgroundWorker(
  'ticker',
  async (ticks) => {
    const { current } = await import('@routine/runtime');
    while (!current().signal.aborted) {
      Atomics.add(ticks, 0, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  },
  { args: [ticks], restart: 'on-failure', maxRestarts: 3 },
);
console.log('state:', getBackgroundWorkerStatus('ticker').state);

while (Atomics.load(ticks, 0) < 3) await new Promise((resolve) => setTimeout(resolve, 10));
await stopBackgroundWorker('ticker', { graceMs: 1000 });
console.log('state:', getBackgroundWorkerStatus('ticker').state, '| ticked at least 3 times:', Atomics.load(ticks, 0) >= 3);

// Output:
// state: running
// state: stopped | ticked at least 3 times: true
