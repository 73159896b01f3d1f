#!/usr/bin/env node
/** The `routine` command. */
import { readFileSync } from 'node:fs';
import { MAP_USAGE, parseMapArgs, UsageError } from './args.js';
import { runBench } from './bench.js';
import { ExitCode, runMap } from './map.js';
import { runWorker, WORKER_USAGE } from './worker.js';

const USAGE = `usage: routine <command> [options]

commands:
  map <task-module> [input]   run a task module's export on every JSON Lines record, on every core
  bench [--rounds n] [--threads n] [--only a,b]
                              the side-by-side benchmark against piscina, tinypool, workerpool, poolifier
  worker --redis <url> --queue <name>
                              take a cluster queue's tasks and run them on every core
  help                        this text
  --version                   the version of routine

'routine map --help' explains map's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'map': {
      const args = parseMapArgs(rest);
      if (args === 'help') {
        process.stdout.write(`${MAP_USAGE}\n`);
        return ExitCode.ok;
      }
      return runMap(args);
    }
    case 'worker':
      return runWorker(rest);
    case 'bench':
      return runBench(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${version()}\n`);
      return ExitCode.ok;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`routine: ${error.message}\n\n${process.argv[2] === 'map' ? MAP_USAGE : process.argv[2] === 'worker' ? WORKER_USAGE : USAGE}\n`);
  } else {
    process.stderr.write(`routine: ${(error as Error).message}\n`);
  }
  process.exitCode = ExitCode.usage;
}
