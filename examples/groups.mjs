// group() is Go's errgroup: start members, wait for all, fail as one.
import { group } from '@routine/runtime';

const g = group({ limit: 2 }); // at most two members run at once
const lengths = ['go', 'node', 'routine'].map((word) => g.go((w) => w.length, word));
await g.wait();
console.log('lengths:', (await Promise.all(lengths)).join(','));

// The first error cancels the rest: members not started never start, running ones see their
// current().signal abort.
const failing = group();
failing.go(() => {
  throw new Error('first failure');
});
failing.go(async () => {
  const { current } = await import('@routine/runtime');
  const { signal } = current();
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
});
try {
  await failing.wait();
} catch (error) {
  console.log('group failed:', error.message);
}

// Output:
// lengths: 2,4,7
// group failed: first failure
