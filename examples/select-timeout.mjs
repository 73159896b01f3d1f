// select with after(): take whichever comes first, a result or the timeout; default for a poll.
import { after, chan, go, recv, select } from '@routine/runtime';

const slow = chan(1);
go(async (c) => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await c.send('result 1');
}, slow);
const first = await select([recv(slow), after(50)]);
console.log(first.index === 0 ? first.value : 'timeout 1');

const fast = chan(1);
go(async (c) => c.send('result 2'), fast);
const second = await select([recv(fast), after(5000)]);
console.log(second.index === 0 ? second.value : 'timeout 2');

const polled = await select([recv(chan())], { default: () => 'no message received' });
console.log(polled.value);

// Output:
// timeout 1
// result 2
// no message received
