// A named pool with its own workers and a bounded queue.
import { createPool, getPool, QueueFullError } from '@routine/runtime';

const pool = createPool({ name: 'thumbnails', workers: 2, queue: 4 });
const sizes = await Promise.all([100, 200, 300].map((px) => pool.submit((px) => `${px}x${px}`, px)));
console.log('made:', sizes.join(' '));

// Beyond workers + queue, submit refuses at once; submitWait waits for room instead.
const busy = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const running = Array.from({ length: 6 }, () => pool.submit(busy, 50));
try {
  pool.submit(busy, 50);
} catch (error) {
  console.log('seventh task:', error instanceof QueueFullError ? 'QueueFullError' : error);
}
const patient = getPool('thumbnails').submitWait((x) => x + 1, 41);
console.log('waited for room:', await patient);
await Promise.all(running);
console.log('completed:', pool.stats().completed);
await pool.close();

// Output:
// made: 100x100 200x200 300x300
// seventh task: QueueFullError
// waited for room: 42
// completed: 10
