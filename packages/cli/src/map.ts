/**
 * `routine map`: runs a task module's export on every record of a JSON Lines input, on a pool of
 * worker threads, writing one JSON line per result.
 *
 * Records are read only as fast as results are written: at most `concurrency` are between the
 * input and the output, so memory stays flat however large the input. In ordered mode (the
 * default) a result waits for the ones before it; unordered, it is written as soon as it is ready.
 * A record that fails (bad JSON, the task threw or ran out of time, a result JSON cannot write) is
 * reported on stderr with its line number, and in the output too with `--error-records`; the run
 * goes on, unless `--halt-on-error` says to stop reading. The exit code says whether any failed.
 * Ctrl-C stops reading, lets the records in flight finish and be written, and reports how far it
 * got; a second one stops at once.
 */
import { createRuntime, type TaskFn } from '@routine/runtime';
import { clusterMapRuntime, type MapRuntime } from './cluster-map.js';
import { Fifo } from '@routine/core';
import type { MapArgs } from './args.js';
import { attempt, type Attempted } from './attempts.js';
import { describe } from './describe.js';
import { errorRecord, parseRecord, resultLine } from './json-lines.js';
import { openInput } from './lines.js';
import { Output } from './output.js';
import { fractionOf, Progress } from './progress.js';
import { summary } from './summary.js';
import { loadTaskModule } from './task-module.js';

export const ExitCode = { ok: 0, recordsFailed: 1, usage: 2, interrupted: 130 } as const;

/** Records in flight per worker by default: enough to hide the hand-off for small records. */
const PER_WORKER = 64;

interface Entry {
  line: number;
  /** 'blank': a blank line, which is no record but holds its place with --error-records. */
  outcome?: Attempted | 'blank';
}

export async function runMap(args: MapArgs): Promise<number> {
  const input = await openInput(args.input);
  const runtime: MapRuntime = args.redis
    ? await clusterMapRuntime(args.redis, args.queue!).catch((error: unknown) => {
      input.close();
      throw error;
    })
    : createRuntime({ workers: args.workers });
  const started = performance.now();
  const [fn, output] = await opened(runtime, args).catch(async (error: unknown) => {
    input.close();
    await runtime.close();
    throw error;
  });
  // A deadline runs from the hand-over, so a record that queued behind others would spend its
  // --timeout waiting: with one in flight per worker, a record is handed over only to a free one.
  const window = args.concurrency ?? (args.timeoutMs === undefined ? PER_WORKER : 1) * runtime.workers;

  let records = 0;
  let failed = 0;
  let interrupted = false;
  let halted = false;
  const waiting = new Fifo<Entry>(); // ordered: in input order; unordered: in finishing order
  let inFlight = 0;
  let settled: (() => void) | undefined;

  /**
   * How far along each record not yet written says it is (0 to 1), for those that report progress:
   * a finished record counts whole until its line is written (in input order, it may wait).
   */
  const partial = new Map<Entry, number>();
  const progress = new Progress(() => ({
    done: records,
    failed,
    total: input.estimatedLines(),
    partial: [...partial].filter(([entry]) => entry.outcome === undefined).map(([, fraction]) => fraction),
    finished: [...partial.keys()].filter((entry) => entry.outcome !== undefined).length,
    inFlight,
  }));
  const fail = (line: number, message: string): void => {
    failed++;
    if (args.haltOnError) halted = true;
    progress.clear();
    process.stderr.write(`line ${line}: ${message}\n`);
  };
  const onInterrupt = (): void => {
    if (interrupted) {
      process.stderr.write('\nroutine map: stopping now\n');
      void runtime.terminate().finally(() => process.exit(ExitCode.interrupted));
      return;
    }
    interrupted = true;
    input.close();
  };
  process.on('SIGINT', onInterrupt);

  /** Takes a line's place in the queue: at once in ordered mode, once it settles otherwise. */
  const admit = (line: number): Entry => {
    const entry: Entry = { line };
    if (args.ordered) waiting.push(entry);
    return entry;
  };
  const settle = (entry: Entry, outcome: Attempted | 'blank'): void => {
    entry.outcome = outcome;
    if (!args.ordered) waiting.push(entry);
    // Halting as soon as a failure is known, not when its turn to be written comes.
    if (outcome !== 'blank' && !outcome.ok && args.haltOnError) halted = true;
    settled?.();
  };

  /**
   * Resolves once a result can be written. A settle that happened before this call is not lost:
   * its entry is already there to write (callbacks run between any two awaits of ours). Before
   * waiting, what is buffered goes out, so a slow run still shows its results as they come.
   */
  const resultReady = async (): Promise<void> => {
    if (waiting.peek()?.outcome) return;
    await output.flush();
    if (waiting.peek()?.outcome) return;
    await new Promise<void>((wake) => (settled = wake));
  };

  /** The output line for a settled entry, if it has one; failures are reported as they pass. */
  const lineFor = (entry: Entry): string | undefined => {
    const { line, outcome } = entry;
    partial.delete(entry);
    if (outcome === 'blank') return errorRecord(line, 'blank line');
    records++;
    const written = outcome!.ok ? resultLine(outcome!.value) : outcome!;
    if (written.ok) return written.text;
    fail(line, written.message);
    return args.errorRecords ? errorRecord(line, written.message) : undefined;
  };

  /** Writes every result that may be written now, in the mode's order. */
  const writeReady = async (): Promise<void> => {
    while (waiting.peek()?.outcome) {
      const text = lineFor(waiting.shift()!);
      const wait = text === undefined ? undefined : output.add(text);
      if (wait) await wait;
    }
  };

  try {
    for await (const { number, text } of input.lines) {
      if (interrupted || halted || output.error) break;
      if (text.trim() === '') {
        if (args.errorRecords) settle(admit(number), 'blank');
        continue;
      }
      const entry = admit(number);
      const record = parseRecord(text);
      if (!record.ok) settle(entry, record);
      else {
        inFlight++;
        const done = (outcome: Attempted): void => {
          inFlight--;
          settle(entry, outcome);
        };
        const reported = (value: unknown): void => {
          const fraction = fractionOf(value);
          if (fraction !== undefined && entry.outcome === undefined) partial.set(entry, fraction);
        };
        void attempt(runtime, fn, record.value, args, reported).then(done, (error: Error) => done({ ok: false, message: describe(error) }));
      }
      while (inFlight >= window || waiting.length >= window) {
        await resultReady();
        await writeReady();
      }
      await writeReady();
    }
  } catch (error) {
    if (!interrupted) throw error; // reading was cut short on purpose; anything else is fatal
  } finally {
    while (inFlight > 0) {
      await resultReady();
      await writeReady();
    }
    await writeReady();
    await output.end();
    const stats = runtime.stats();
    await runtime.close();
    process.off('SIGINT', onInterrupt);
    progress.clear();
    const seconds = (performance.now() - started) / 1000;
    const stoppedBy = interrupted ? 'interrupt' : halted ? 'failure' : undefined;
    if (!readerLeft(output)) process.stderr.write(`${summary({ records, failed, written: output.written, seconds, stoppedBy }, stats)}\n`);
  }
  // `routine map ... | head`: the reader has what it wanted, so stop as quietly as cat would.
  if (readerLeft(output)) return ExitCode.ok;
  if (output.error) throw new Error(`cannot write results: ${output.error.message}`);
  if (interrupted) return ExitCode.interrupted;
  return failed > 0 ? ExitCode.recordsFailed : ExitCode.ok;
}

function readerLeft(output: Output): boolean {
  return (output.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** The module before the output, so a refused module leaves an existing --out file as it was. */
async function opened(runtime: MapRuntime, args: MapArgs): Promise<[TaskFn<[record: unknown]>, Output]> {
  const fn = await loadTaskModule(runtime, args.module, args.exportName);
  return [fn, await Output.open(args.out)];
}
