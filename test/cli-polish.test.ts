import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInput } from '../packages/cli/dist/lines.js';
import { Progress } from '../packages/cli/dist/progress.js';
import { BIN, jsonl, routine } from './fixtures/cli-run.js';

const TASK = new URL('./fixtures/cli-task.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'routine-cli-polish-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('routine, the command', () => {
  it('--version prints the version of the package', async () => {
    const run = await routine(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.parse(readFileSync(new URL('../packages/cli/package.json', import.meta.url), 'utf8')).version}\n`);
  });

  it('says "1 record", not "1 records", in its summary and on its progress line', async () => {
    const run = await routine(['map', TASK, '-', '--workers', '1'], { stdin: jsonl([{ x: 3 }]) });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^routine map: 1 record, 0 failed, 1 written, .* 1 worker at /m);
    const writes: string[] = [];
    const stream = { isTTY: true, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(() => ({ done: 1, failed: 0, total: undefined }), stream);
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.clear();
    expect(writes.find((text) => text.includes('record'))).toMatch(/\[K1 record  \d/);
  });

  it('`routine map ... | head` stops quietly with exit 0 once the reader has gone', async () => {
    const input = join(dir, 'many.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 200_000 }, (_, x) => ({ x }))));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      // pipefail: the pipeline's status is routine's, head's being 0.
      const shell = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" map "${TASK}" "${input}" --workers 2 | head -n 3`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        shell.kill('SIGKILL');
        reject(new Error(`the pipeline did not finish; stderr so far:\n${stderr}`));
      }, 60_000);
      shell.stdout.on('data', (chunk) => (stdout += chunk));
      shell.stderr.on('data', (chunk) => (stderr += chunk));
      shell.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line).x)).toEqual([0, 1, 2]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('exits 0 when the reader of its output goes away', async () => {
    const input = join(dir, 'many-again.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 200_000 }, (_, x) => ({ x }))));
    const run = await routine(['map', TASK, input, '--workers', '2'], {
      whileRunning: (child, out) => {
        const check = setInterval(() => {
          if (out().length > 0) {
            clearInterval(check);
            child.stdout!.destroy();
          }
        }, 5);
      },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('the progress of a file', () => {
  it('follows records done, so a small file does not start at 100%', async () => {
    const file = join(dir, 'small.jsonl');
    writeFileSync(file, jsonl(Array.from({ length: 1000 }, (_, x) => ({ x, pad: 'x'.repeat(x % 50) }))));
    const input = await openInput(file);
    expect(input.estimatedLines()).toBeUndefined();
    const estimates: number[] = [];
    let taken = 0;
    for await (const _line of input.lines) {
      taken++;
      if (taken % 100 === 0) estimates.push(input.estimatedLines()!);
    }
    // The whole file sits in one read chunk, yet the estimate comes from the lines taken.
    for (const estimate of estimates) expect(Math.abs(estimate - 1000)).toBeLessThan(150);
    expect(input.estimatedLines()).toBe(1000);
    const writes: string[] = [];
    const stream = { isTTY: true, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(() => ({ done: 100, failed: 0, total: input.estimatedLines() }), stream);
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.clear();
    expect(writes.find((text) => text.includes('%'))).toMatch(/\s10%  100 records/);
  });
});
