// goWithCleanup runs a cleanup on this thread once the task settles, however it ends: Go's defer.
import { goWithCleanup } from '@routine/runtime';

const connection = { open: true };
const rows = await goWithCleanup(
  (query) => query.split(' ').length,
  () => {
    connection.open = false;
    console.log('cleanup ran');
  },
  'select 1 from dual',
);
console.log('rows:', rows, '| connection open:', connection.open);

await goWithCleanup(
  () => {
    throw new Error('query failed');
  },
  () => console.log('cleanup ran after a failure too'),
).result();

// Output:
// cleanup ran
// rows: 4 | connection open: false
// cleanup ran after a failure too
