/** Command-line arguments of `routine map`, checked, with errors that say how to fix them. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export const MAP_USAGE = `usage: routine map <task-module> [input.jsonl | -] [options]

Runs an export of <task-module> on every record of a JSON Lines input (a file, or stdin when
it is left out or '-') on a pool of worker threads, and writes one JSON line per result.
On a terminal a progress line shows on stderr; a task on a long record can move it with
current().progress(percent), 0 to 100, or current().progress({ done, of }).

options:
  --export <name>      the export to run (default: default)
  --workers <n>        worker threads (default: one per core)
  --concurrency <n>    records in flight at once (default: 64 per worker)
  --out <file>         write results there instead of stdout
  --ordered            results in input order (default)
  --unordered          results as they finish
  --timeout <ms>       fail a record whose task runs longer than this (the task is stopped)
  --retries <n>        run a failed record's task again, up to n more times (default 0)
  --error-records      write {"error": "<message>", "line": N} in place of each failed record's
                       result, and of each blank line, so output line k answers input line k
  --halt-on-error      after the first failure read no more records; those already running
                       finish and are written, then the run exits 1
  --redis <url>        run the records on a cluster: the 'routine worker' processes taking
  --queue <name>       queue <name> on this Redis (both options together)
  -h, --help           this text`;

export interface MapArgs {
  module: string;
  input: string | undefined;
  exportName: string;
  workers: number | undefined;
  concurrency: number | undefined;
  out: string | undefined;
  ordered: boolean;
  timeoutMs: number | undefined;
  retries: number;
  errorRecords: boolean;
  haltOnError: boolean;
  /** Both or neither: the cluster queue to run on instead of local threads. */
  redis: string | undefined;
  queue: string | undefined;
}

/** setTimeout's ceiling (about 24.8 days): a longer deadline would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function parseMapArgs(argv: string[]): MapArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        export: { type: 'string' },
        workers: { type: 'string' },
        concurrency: { type: 'string' },
        out: { type: 'string' },
        ordered: { type: 'boolean' },
        unordered: { type: 'boolean' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        'error-records': { type: 'boolean' },
        'halt-on-error': { type: 'boolean' },
        redis: { type: 'string' },
        queue: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('routine map needs a task module: routine map ./task.mjs input.jsonl');
  if (positionals.length > 2) throw new UsageError(`routine map takes a module and at most one input, got ${positionals.length} arguments`);
  if (values.ordered && values.unordered) throw new UsageError('--ordered and --unordered contradict each other: pick one');
  if ((values.redis === undefined) !== (values.queue === undefined)) throw new UsageError('--redis and --queue go together: routine map task.mjs in.jsonl --redis redis://127.0.0.1:6379 --queue NAME');
  if (values.redis !== undefined && values.workers !== undefined) throw new UsageError("--workers sets local threads; on a cluster each 'routine worker' sets its own");
  return {
    module: positionals[0],
    input: positionals[1],
    exportName: values.export ?? 'default',
    workers: wholeNumber(values.workers, '--workers', 1),
    concurrency: wholeNumber(values.concurrency, '--concurrency', 1),
    out: values.out,
    ordered: !values.unordered,
    timeoutMs: wholeNumber(values.timeout, '--timeout', 1, MAX_TIMEOUT_MS, ' of milliseconds'),
    retries: wholeNumber(values.retries, '--retries', 0) ?? 0,
    errorRecords: values['error-records'] ?? false,
    haltOnError: values['halt-on-error'] ?? false,
    redis: values.redis,
    queue: values.queue,
  };
}

function wholeNumber(text: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} needs a whole number${unit} ${range}, got '${text}'`);
  }
  return value;
}
