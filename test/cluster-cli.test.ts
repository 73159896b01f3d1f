/** `routine map --redis` and `routine worker` on the command line, against a real redis-server. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { routine } from './fixtures/cli-run.js';
import { RedisServer } from './support/redis.js';
import { startWorkers, type WorkerProcess } from './support/cluster-worker.js';

const TASK = fileURLToPath(new URL('./fixtures/cli-task.mjs', import.meta.url));
const QUEUE = 'cli-map';
let redis: RedisServer;
let workers: WorkerProcess[];

beforeAll(async () => {
  redis = await new RedisServer().start();
  workers = await startWorkers(2, redis.url, QUEUE);
}, 40_000);

afterAll(async () => {
  await Promise.all((workers ?? []).map((worker) => worker.stop()));
  await redis?.destroy();
}, 30_000);

const input = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ x: i - 2 })).join('\n') + '\n';

test('map --redis writes the same ordered output and exit code as the local command', async () => {
  const stdin = input(200);
  const local = await routine(['map', TASK, '--workers', '1'], { stdin });
  const cluster = await routine(['map', TASK, '--redis', redis.url, '--queue', QUEUE], { stdin });
  expect(cluster.stdout).toBe(local.stdout);
  expect(cluster.code).toBe(local.code);
  expect(cluster.code).toBe(1); // the two negative records fail
  expect(cluster.stderr).toContain('line 1: RangeError: negative: -2');
  expect(cluster.stderr).toMatch(/routine map: 200 records, 2 failed, 198 written, .* 2 workers at/);
}, 60_000);

test('map --redis checks the module on a worker and names what is wrong', async () => {
  const missing = await routine(['map', TASK, '--export', 'nope', '--redis', redis.url, '--queue', QUEUE], { stdin: input(1) });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("has no function export 'nope'");
});

test('map --redis and worker refuse incomplete or contradictory options', async () => {
  const alone = await routine(['map', TASK, '--redis', redis.url], { stdin: '' });
  expect(alone.code).toBe(2);
  expect(alone.stderr).toContain('--redis and --queue go together');
  const workersToo = await routine(['map', TASK, '--redis', redis.url, '--queue', QUEUE, '--workers', '2'], { stdin: '' });
  expect(workersToo.stderr).toContain("each 'routine worker' sets its own");
  const noQueue = await routine(['worker', '--redis', redis.url]);
  expect(noQueue.code).toBe(2);
  expect(noQueue.stderr).toContain('routine worker needs --queue');
  const badUrl = await routine(['worker', '--redis', '127.0.0.1:6379', '--queue', QUEUE]);
  expect(badUrl.code).toBe(2);
  expect(badUrl.stderr).toContain('connection must be a redis:// (or rediss://) URL');
});
