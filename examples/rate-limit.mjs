// Rate limiting shared by every thread: one token bucket in shared memory. Tasks on any worker
// take from it, and go.with({ limiter }) starts tasks no faster than it allows.
import { go, rateLimiter } from '@routine/runtime';

const limiter = rateLimiter({ perSecond: 20, burst: 2 });
const started = Date.now();

// Five "requests" made from inside tasks, on whatever workers they land.
const requests = Array.from({ length: 5 }, (_, i) =>
  go(async (limiter, i) => {
    await limiter.take();
    return `request ${i}`;
  }, limiter, i),
);
// Five more tasks, each started only when the same limiter gives it a token.
const limited = Array.from({ length: 5 }, (_, i) => go.with({ limiter })((i) => `task ${i}`, i));

const done = await Promise.all([...requests, ...limited]);
// Ten tokens at 20 a second after a burst of 2 cannot take less than 400 ms.
console.log(`${done.length} done, at least 400 ms: ${Date.now() - started >= 395}`);

// Output:
// 10 done, at least 400 ms: true
