/** Command-line arguments of `routine map`, checked, with errors that say how to fix them. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export const MAP_USAGE = `usage: routine map <task-module> [input.jsonl | -] [options]

Runs an export of <task-module> on every record of a JSON Lines input (a file, or stdin when
it is left out or '-') on a pool of worker threads, and writes one JSON line per result.

options:
  --export <name>      the export to run (default: default)
  --workers <n>        worker threads (default: one per core)
  --concurrency <n>    records in flight at once (default: 64 per worker)
  --out <file>         write results there instead of stdout
  --ordered            results in input order (default)
  --unordered          results as they finish
  -h, --help           this text`;

export interface MapArgs {
  module: string;
  input: string | undefined;
  exportName: string;
  workers: number | undefined;
  concurrency: number | undefined;
  out: string | undefined;
  ordered: boolean;
}

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
  return {
    module: positionals[0],
    input: positionals[1],
    exportName: values.export ?? 'default',
    workers: positiveInt(values.workers, '--workers'),
    concurrency: positiveInt(values.concurrency, '--concurrency'),
    out: values.out,
    ordered: !values.unordered,
  };
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} needs a whole number >= 1, got '${text}'`);
  return value;
}
