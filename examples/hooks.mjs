// Hooks see every task start and settle; each add returns its own remover.
import { addAfterRoutine, addBeforeRoutine, go } from '@routine/runtime';

const seen = [];
const removeBefore = addBeforeRoutine(() => seen.push('start'));
const removeAfter = addAfterRoutine((gid, result) => seen.push(result.ok ? `ok ${result.value}` : `failed: ${result.error.message}`));

await go(() => 7);
await go(() => {
  throw new Error('nope');
}).result();
removeBefore();
removeAfter();
await go(() => 'unseen');
console.log(seen.join(', '));

// Output:
// start, ok 7, start, failed: nope
