// Deadlines: a task past its timeout rejects with TimeoutError; one stuck in a loop is stopped.
import { go, timeout, TimeoutError } from '@routine/runtime';

console.log('fast enough:', await timeout(1000, (x) => x + 1, 1));

try {
  await timeout(50, () => {
    for (;;); // never returns: its worker is terminated and replaced
  });
} catch (error) {
  console.log('stuck task:', error instanceof TimeoutError ? 'TimeoutError' : error);
}

const slow = go.with({ timeoutMs: 20, name: 'slow-call' });
const result = await slow(() => new Promise((resolve) => setTimeout(resolve, 500))).result();
console.log('slow call:', result.error.name);
console.log('the pool still works:', await go(() => 'yes'));

// Output:
// fast enough: 2
// stuck task: TimeoutError
// slow call: TimeoutError
// the pool still works: yes
