// A queue consumer: take messages as they come, process up to four at once on the pool, ack each.
// The loop waits for room before taking the next message (g.ready()), so however fast the broker
// delivers, at most four messages are held in memory: the consumer applies backpressure.
import { group } from '@routine/runtime';

// Stand-in for a broker client: an async iterator of messages with ack().
async function* subscribe() {
  for (let id = 1; id <= 10; id++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    yield { id, body: `order-${id}`, ack: () => acked.push(id) };
  }
}
const acked = [];

const consumers = group({ limit: 4 });
for await (const message of subscribe()) {
  await consumers.ready();
  const task = consumers.go((body) => body.toUpperCase(), message.body);
  task.then(() => message.ack());
}
await consumers.wait();
await new Promise((resolve) => setImmediate(resolve));
console.log('acked:', acked.sort((a, b) => a - b).join(','));

// Output:
// acked: 1,2,3,4,5,6,7,8,9,10
