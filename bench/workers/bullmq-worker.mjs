// A plain BullMQ Worker running the benchmark's work in its own process, on its main thread: the
// baseline routine's cluster is measured against.  node bullmq-worker.mjs <redis-url> <queue> <concurrency>
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { add, fib } from './workloads.mjs';

const [url, queue, concurrency] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async (job) => (job.name === 'fib' ? fib(job.data.n) : add(job.data.a, job.data.b)), {
  connection,
  concurrency: Number(concurrency),
});
await worker.waitUntilReady();
process.stderr.write('ready:\n');
process.once('SIGTERM', async () => {
  await worker.close();
  connection.disconnect();
});
