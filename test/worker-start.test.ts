import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError, WorkerStartError } from '@routine/runtime';
import { capturingLogger } from './support/capturing-logger.js';

const run = promisify(execFile);
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
/** Failed starts a slot may have before it is given up (worker-pool.ts's START_ATTEMPTS). */
const START_ATTEMPTS = 5;

const startFailures = (lines: Record<string, unknown>[]) => lines.filter((line) => /failed to start/.test(String(line.msg)));

/**
 * A runtime whose workers can never start: the task pending at the time and every later one fail
 * with WorkerStartError, each slot is retried a bounded number of times, and close() completes.
 */
async function expectBroken(options: Parameters<typeof createRuntime>[0], reason: RegExp) {
  const { logger, lines } = capturingLogger();
  const runtime = createRuntime({ workers: 2, logger, ...options });
  const pending = runtime.go(() => 1);
  const error = await pending.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(WorkerStartError);
  expect((error as WorkerStartError).code).toBe('ERR_ROUTINE_WORKER_START');
  expect((error as Error).message).toMatch(reason);
  expect((error as Error).message).toMatch(/could not start/);
  // Every slot used its attempts, and no more: one line per failed start.
  expect(startFailures(lines)).toHaveLength(2 * START_ATTEMPTS);
  expect(() => runtime.go(() => 2)).toThrow(WorkerStartError);
  await runtime.close();
  expect(startFailures(lines)).toHaveLength(2 * START_ATTEMPTS);
}

describe('workers that cannot start', () => {
  it('a workerSetup module that throws fails the tasks with WorkerStartError, after bounded restarts', async () => {
    await expectBroken({ workerSetup: fixture('setup-throws.mjs') }, /setup exploded/);
  });

  it('a workerSetup module that does not exist', async () => {
    await expectBroken({ workerSetup: fixture('no-such-setup.mjs') }, /no-such-setup\.mjs/);
  });

  it('a workerSetup module that exits its worker', async () => {
    const { logger } = capturingLogger();
    const runtime = createRuntime({ workers: 1, logger, workerSetup: fixture('setup-exits.mjs') });
    const error = await runtime.go(() => 1).then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(WorkerStartError);
    expect((error as WorkerStartError).exitCode).toBe(7);
    await runtime.close();
  });

  it('resourceLimits too small to boot', async () => {
    await expectBroken({ resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } }, /memory limit/);
  });

  it('execArgv that Node refuses in a worker is an InvalidArgumentError from createRuntime', () => {
    expect(() => createRuntime({ workers: 1, execArgv: ['--title=nope'] })).toThrow(InvalidArgumentError);
    expect(() => createRuntime({ workers: 1, execArgv: ['--title=nope'] })).toThrow(/Node refused to start a worker.*--title/);
  });

  it('a worker that boots after one failed start serves the task that waited and later ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routine-start-'));
    try {
      const { logger, lines } = capturingLogger();
      const marker = join(dir, 'failed');
      const runtime = createRuntime({ workers: 1, logger, workerSetup: fixture('setup-fails-once.mjs'), env: { ROUTINE_TEST_MARKER: marker } });
      // The env option reached the worker: setup read the marker's path from it.
      expect(await runtime.go(() => (globalThis as { setupEnv?: string }).setupEnv)).toBe(marker);
      expect(await runtime.go((a: number, b: number) => a + b, 2, 3)).toBe(5);
      expect(startFailures(lines)).toHaveLength(1);
      expect(String(startFailures(lines)[0].msg)).toMatch(/attempt 2 of 5 in 50 ms: transient setup failure/);
      await runtime.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a parent started with --input-type=module runs tasks: its workers do not inherit the flag', async () => {
    const runtimeUrl = pathToFileURL(join(import.meta.dirname, '../packages/runtime/dist/index.js')).href;
    const script = [
      `import { createRuntime } from ${JSON.stringify(runtimeUrl)};`,
      'const runtime = createRuntime({ workers: 1 });',
      'console.log(await runtime.go((a, b) => a * b, 6, 7));',
      'await runtime.close();',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '--stack-trace-limit=20', '-e', script], { timeout: 30_000 });
    expect(stdout.trim()).toBe('42');
  });

  it('rejects execArgv and env that are not what Node takes', () => {
    expect(() => createRuntime({ execArgv: '--inspect' as never })).toThrow(InvalidArgumentError);
    expect(() => createRuntime({ execArgv: [1] as never })).toThrow(/execArgv must be an array of strings/);
    expect(() => createRuntime({ env: { A: 1 } as never })).toThrow(/env must be an object of strings or SHARE_ENV/);
  });
});
