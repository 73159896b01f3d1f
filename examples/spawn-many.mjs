// spawnMany starts n copies of a task, each with its id; awaitAll gives every outcome.
import { awaitAll, spawnMany } from '@routine/runtime';

const tasks = spawnMany(5, (id) => {
  if (id === 3) throw new Error(`worker ${id} failed`);
  return id * 10;
});
const outcomes = await awaitAll(tasks);
console.log(outcomes.map((r) => (r.ok ? r.value : r.error.message)).join(' | '));

// Output:
// 0 | 10 | 20 | worker 3 failed | 40
