// A WaitGroup lives in shared memory: pass it to tasks, which call done() when they finish.
import { go, waitGroup } from '@routine/runtime';

const wg = waitGroup();
const results = new Int32Array(new SharedArrayBuffer(4 * 3));
for (let i = 0; i < 3; i++) {
  wg.add(1);
  go((wg, results, i) => {
    results[i] = (i + 1) * 10;
    wg.done();
  }, wg, results, i);
}
await wg.wait();
console.log('results:', Array.from(results).join(' '));

// Output:
// results: 10 20 30
