/**
 * `routine worker`: a process that takes a cluster queue's jobs and runs them on its local
 * runtime, reports what it is doing on stderr, and on SIGTERM or SIGINT stops fetching, finishes
 * what it holds within --grace, and leaves the rest to be run again elsewhere. A second signal
 * stops at once.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './args.js';

export const WORKER_USAGE = `usage: routine worker --redis <url> --queue <name> [options]

Takes the jobs of a cluster queue (see createClusterRuntime in @routine/cluster) and runs each on
a pool of worker threads in this process.

options:
  --redis <url>        Redis to connect to, e.g. redis://127.0.0.1:6379
  --queue <name>       the queue the callers send to
  --workers <n>        worker threads (default: one per core)
  --concurrency <n>    jobs held at once (default: twice the threads)
  --grace <ms>         on SIGTERM/SIGINT, how long held jobs may finish (default 30000)
  --lock <ms>          how soon a job held by a process that died runs elsewhere (default 30000)
  -h, --help           this text`;

/** How often the status line is written while something changes. */
const STATUS_MS = 2000;

export async function runWorker(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' }, queue: { type: 'string' }, workers: { type: 'string' }, concurrency: { type: 'string' },
        grace: { type: 'string' }, lock: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  if (!values.redis) throw new UsageError('routine worker needs --redis <url>, e.g. --redis redis://127.0.0.1:6379');
  if (!values.queue) throw new UsageError('routine worker needs --queue <name>: the queue the callers send to');
  // Loaded only here: BullMQ and ioredis cost every other command their start-up time.
  const { startClusterWorker } = await import('@routine/cluster');
  const worker = await startClusterWorker({
    connection: values.redis,
    queue: values.queue,
    workers: whole(values.workers, '--workers', 1),
    concurrency: whole(values.concurrency, '--concurrency', 1),
    graceMs: whole(values.grace, '--grace', 0),
    lockMs: whole(values.lock, '--lock', 100),
  });
  const say = (line: string): void => void process.stderr.write(`routine worker [node ${worker.node}]: ${line}\n`);
  say(`ready: queue ${values.queue}, ${worker.runtime.workers} threads, up to ${worker.concurrency} jobs at once`);
  let last = '';
  const status = setInterval(() => {
    const { active, completed, failed } = worker.jobs;
    const line = `${active} running, ${completed} done, ${failed} failed`;
    if (line !== last) say(line);
    last = line;
  }, STATUS_MS);
  status.unref();

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(status);
  const again = (): void => {
    say('stopping now');
    process.exit(130);
  };
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  say(`${signal}: taking no more jobs; finishing the ${worker.jobs.active} held`);
  const outcome = await worker.close();
  const { completed, failed } = worker.jobs;
  say(outcome === 'drained'
    ? `stopped: every held job finished (${completed} done, ${failed} failed)`
    : 'stopped: the grace period ended; the jobs still held will run again on another worker');
  return 0;
}

function whole(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`${flag} needs a whole number >= ${min}, got '${text}'`);
  return Number(text);
}
