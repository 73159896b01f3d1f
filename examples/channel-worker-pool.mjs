// Go by Example's worker pool: three workers read jobs from one channel and send results to another.
import { chan, go } from '@routine/runtime';

const jobs = chan(5);
const results = chan(5);

for (let w = 1; w <= 3; w++) {
  go(async (id, jobs, results) => {
    for await (const j of jobs) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // "work"
      await results.send(j * 2);
    }
  }, w, jobs, results);
}

for (let j = 1; j <= 5; j++) await jobs.send(j);
jobs.close();

const got = [];
for (let a = 1; a <= 5; a++) got.push((await results.recv()).value);
console.log('results:', got.sort((a, b) => a - b).join(' '));

// Output:
// results: 2 4 6 8 10
