/**
 * `routine map`: runs a task module's export on every record of a JSON Lines input, on a pool of
 * worker threads, writing one JSON line per result.
 *
 * Records are read only as fast as results are written: at most `concurrency` are between the
 * input and the output, so memory stays flat however large the input. In ordered mode (the
 * default) a result waits for the ones before it; unordered, it is written as soon as it is ready.
 * A record that fails (bad JSON, the task threw, a result JSON cannot write) is reported on stderr with its line number
 * and the run goes on; the exit code says whether any failed. Ctrl-C stops reading, lets the
 * records in flight finish and be written, and reports how far it got; a second one stops at once.
 */
import { createRuntime, type Result } from '@routine/runtime';
import { Fifo } from '@routine/runtime/internal';
import { type MapArgs } from './args.js';
import { describe } from './describe.js';
import { resultLine } from './json-lines.js';
import { openInput } from './lines.js';
import { Output } from './output.js';
import { formatCount, Progress } from './progress.js';
import { loadTaskModule } from './task-module.js';

export const ExitCode = { ok: 0, recordsFailed: 1, usage: 2, interrupted: 130 } as const;

/** Records in flight per worker by default: enough to hide the hand-off for small records. */
const PER_WORKER = 64;

interface Entry {
  line: number;
  result?: Result<unknown>;
}

export async function runMap(args: MapArgs): Promise<number> {
  const input = await openInput(args.input);
  const runtime = createRuntime({ workers: args.workers });
  const started = performance.now();
  let fn;
  let output;
  try {
    fn = await loadTaskModule(runtime, args.module, args.exportName);
    output = await Output.open(args.out);
  } catch (error) {
    input.close();
    await runtime.close();
    throw error;
  }
  const window = args.concurrency ?? PER_WORKER * runtime.workers;

  let records = 0;
  let failed = 0;
  let interrupted = false;
  const waiting = new Fifo<Entry>(); // ordered: in input order; unordered: in finishing order
  let inFlight = 0;
  let settled: (() => void) | undefined;

  const progress = new Progress(() => ({
    done: records,
    failed,
    fraction: input.totalBytes ? input.bytesRead() / input.totalBytes : undefined,
  }));
  const fail = (line: number, message: string): void => {
    failed++;
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

  /**
   * Resolves once a result can be written. A settle that happened before this call is not lost:
   * its entry is already there to write (callbacks run between any two awaits of ours). Before
   * waiting, what is buffered goes out, so a slow run still shows its results as they come.
   */
  const resultReady = async (): Promise<void> => {
    if (waiting.peek()?.result) return;
    await output.flush();
    if (waiting.peek()?.result) return;
    await new Promise<void>((wake) => (settled = wake));
  };

  /** Writes every result that may be written now, in the mode's order. */
  const writeReady = async (): Promise<void> => {
    while (waiting.peek()?.result) {
      const { line, result } = waiting.shift()!;
      records++;
      if (!result!.ok) fail(line, describe(result!.error));
      else {
        const written = resultLine(result!.value);
        if (!written.ok) fail(line, written.message);
        else {
          const wait = output.add(written.text);
          if (wait) await wait;
        }
      }
    }
  };

  try {
    for await (const { number, text } of input.lines) {
      if (interrupted || output.error) break;
      if (text.trim() === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        records++;
        fail(number, `invalid JSON: ${(error as Error).message}`);
        continue;
      }
      const entry: Entry = { line: number };
      if (args.ordered) waiting.push(entry);
      inFlight++;
      void runtime.go(fn, record).result().then((result) => {
        entry.result = result;
        if (!args.ordered) waiting.push(entry);
        inFlight--;
        settled?.();
      });
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
    const busy = stats.workers.reduce((sum, worker) => sum + worker.busyMs, 0);
    const utilization = busy / Math.max(1, stats.uptimeMs * stats.workers.length);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stderr.write(
      `routine map: ${interrupted ? 'interrupted after ' : ''}${plural(records, 'record')}, ${formatCount(failed)} failed, ` +
        `${formatCount(output.written)} written, ${seconds.toFixed(2)} s, ${formatCount(Math.round(records / Math.max(seconds, 1e-3)))} records/s, ` +
        `${plural(stats.workers.length, 'worker')} at ${(utilization * 100).toFixed(0)}% utilization, peak RSS ${peakRssMb.toFixed(0)} MB\n`,
    );
  }
  if (output.error) throw new Error(`cannot write results: ${output.error.message}`);
  if (interrupted) return ExitCode.interrupted;
  return failed > 0 ? ExitCode.recordsFailed : ExitCode.ok;
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
