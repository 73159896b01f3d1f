// A task may be async: it awaits timers, I/O and imports on its worker, and several async tasks
// overlap on one worker without blocking it.
import { go } from '@routine/runtime';

const digest = await go(async (text) => {
  const { createHash } = await import('node:crypto');
  await new Promise((resolve) => setTimeout(resolve, 10));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}, 'hello');
console.log('sha256(hello):', digest);

const started = Date.now();
await Promise.all(Array.from({ length: 20 }, () => go(() => new Promise((resolve) => setTimeout(resolve, 100)))));
console.log('20 x 100 ms sleeps overlapped:', Date.now() - started < 1000);

// Output:
// sha256(hello): 2cf24dba5fb0a30e
// 20 x 100 ms sleeps overlapped: true
