import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRuntime, InvalidArgumentError } from '@routine/runtime';
import { capturingLogger } from './support/capturing-logger.js';

const run = promisify(execFile);
const CHILD = new URL('./fixtures/logging.mjs', import.meta.url).pathname;

interface Line { level: number; msg: string; worker?: number; gid?: number; step?: string }

async function child(mode: string, env: Record<string, string | undefined> = {}): Promise<{ lines: Line[]; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [CHILD, mode], { timeout: 30_000, env: { ...process.env, ROUTINE_LOG_LEVEL: undefined, ...env } });
  return { lines: JSON.parse(stdout) as Line[], stderr };
}

describe('what workers log', () => {
  it('goes to the logger given to createRuntime, at its level, with the worker and the task, and nothing to stderr', async () => {
    const { lines, stderr } = await child('given');
    expect(stderr).toBe('');
    const hello = lines.find((line) => line.msg === 'a task says hello');
    expect(hello).toMatchObject({ level: 30, step: 'inside', worker: expect.any(Number), gid: expect.any(Number) });
    expect(lines.find((line) => line.msg === 'a task warns')).toMatchObject({ level: 40, worker: hello!.worker });
    expect(lines.filter((line) => /nobody awaited/.test(line.msg))).toHaveLength(1);
  });

  it('follows logLevel: below it nothing is logged', async () => {
    const { lines, stderr } = await child('given-warn');
    expect(stderr).toBe('');
    expect(lines.map((line) => line.msg).sort()).toEqual(['a task warns', 'routine: a task failed and nobody awaited it']);
  });

  it('with no logger given, goes to stderr as JSON lines, unless ROUTINE_LOG_LEVEL says otherwise', async () => {
    const loud = await child('default');
    const json = loud.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line);
    expect(json.map((line) => line.msg).sort()).toEqual(['a task says hello', 'a task warns', 'routine: a task failed and nobody awaited it']);
    expect(json.every((line) => typeof line.worker === 'number')).toBe(true);
    expect((await child('default', { ROUTINE_LOG_LEVEL: 'silent' })).stderr).toBe('');
    const warnOnly = await child('default', { ROUTINE_LOG_LEVEL: 'error' });
    expect(warnOnly.stderr.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as Line).msg)).toEqual(['routine: a task failed and nobody awaited it']);
  });

  it('refuses a level that is not one, naming the levels', async () => {
    expect(() => createRuntime({ logLevel: 'loud' as never })).toThrow(InvalidArgumentError);
    expect(() => createRuntime({ logLevel: 'loud' as never })).toThrow(/fatal, error, warn, info, debug, trace, silent/);
    await expect(run(process.execPath, ['--input-type=module', '-e', "import { createRuntime } from '@routine/runtime'; createRuntime();"], {
      env: { ...process.env, ROUTINE_LOG_LEVEL: 'verbose' },
    })).rejects.toMatchObject({ stderr: expect.stringMatching(/ROUTINE_LOG_LEVEL must be one of fatal, error, .*; it is "verbose"/) });
  });
});

describe('a worker that dies under a task', () => {
  it('is logged at warn when the caller handles the failure (goWithRecover), at error when nobody does', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 1, logger });
    const recovered = await rt.goWithRecover(() => globalThis.process.exit(3));
    expect(recovered.ok).toBe(false);
    await expect.poll(() => lines.length, { timeout: 30_000, interval: 5 }).toBe(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/worker 0 died/) });
    const ignored = rt.go(() => globalThis.process.exit(4));
    await expect.poll(() => lines.length, { timeout: 30_000, interval: 5 }).toBe(2);
    expect(lines[1]).toMatchObject({ level: 50, msg: expect.stringMatching(/worker 0 died/) });
    await expect(ignored).rejects.toThrow(/exited with code 4/);
    await rt.close();
  });
});
