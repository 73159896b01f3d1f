// Go's sync.Mutex, semaphore and Once across threads.
import { go, mutex, once, semaphore } from '@routine/runtime';

const mu = mutex();
const counter = new Int32Array(new SharedArrayBuffer(4));
await Promise.all(Array.from({ length: 4 }, () => go((mu, counter) => {
  for (let i = 0; i < 1000; i++) {
    mu.lockSync(); // returns a disposer too: `using _ = mu.lockSync()` where `using` is supported
    counter[0] = counter[0] + 1; // a plain read-modify-write, safe under the lock
    mu.unlock();
  }
}, mu, counter)));
console.log('counter:', counter[0]);

const sem = semaphore(2);
const running = new Int32Array(new SharedArrayBuffer(8));
await Promise.all(Array.from({ length: 6 }, () => go(async (sem, running) => {
  await sem.acquire();
  const now = Atomics.add(running, 0, 1) + 1;
  Atomics.store(running, 1, Math.max(Atomics.load(running, 1), now));
  await new Promise((resolve) => setTimeout(resolve, 20));
  Atomics.sub(running, 0, 1);
  sem.release();
}, sem, running)));
console.log('at most at once:', running[1] <= 2);

const setup = once(() => console.log('setup ran once'));
await Promise.all([setup.do(), setup.do(), setup.do()]);

// Output:
// counter: 4000
// at most at once: true
// setup ran once
