// go(fn, ...args) runs fn on a worker thread and returns a Task at once; await it for the result.
import { go } from '@routine/runtime';

const sum = await go((a, b) => a + b, 2, 3);
console.log('sum:', sum);

// Start many, then wait for all: they run in parallel on the pool.
const squares = await Promise.all([1, 2, 3, 4].map((n) => go((x) => x * x, n)));
console.log('squares:', squares.join(' '));

// Output:
// sum: 5
// squares: 1 4 9 16
