import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, jsonl, lines, routine, type Run } from './fixtures/cli-run.js';

const TASK = new URL('./fixtures/cli-task.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'routine-cli-'));

describe('routine map', () => {
  it('writes 10,000 results in input order, though they finish out of order, and sums up', async () => {
    const input = join(dir, 'ten-thousand.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 10_000 }, (_, x) => ({ x }))));
    const run = await routine(['map', TASK, input, '--workers', '2']);
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map((line) => JSON.parse(line));
    expect(out).toHaveLength(10_000);
    out.forEach((result, x) => expect(result).toEqual({ x, square: x * x }));
    expect(run.stderr).toMatch(/routine map: 10,000 records, 0 failed, 10,000 written, [\d.]+ s, [\d,]+ records\/s, 2 workers at \d+% utilization, peak RSS \d+ MB/);
  });

  it('--unordered writes every result, as they finish', async () => {
    const run = await routine(['map', TASK, '-', '--unordered'], { stdin: jsonl(Array.from({ length: 500 }, (_, x) => ({ x }))) });
    expect(run.code).toBe(0);
    const xs = lines(run.stdout).map((line) => JSON.parse(line).x).sort((a, b) => a - b);
    expect(xs).toEqual(Array.from({ length: 500 }, (_, x) => x));
  });

  it('reports bad JSON lines and failed records with their line numbers, keeps going, and exits 1', async () => {
    const text = ['{"x":1}', '{"x":2}', 'not json', '{"x":-4}', '', '{"x":5}', '{"x":', '{"x":7}'].join('\n');
    const run = await routine(['map', TASK], { stdin: text });
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((line) => JSON.parse(line).x)).toEqual([1, 2, 5, 7]);
    expect(run.stderr).toMatch(/^line 3: invalid JSON: /m);
    expect(run.stderr).toMatch(/^line 4: RangeError: negative: -4$/m);
    expect(run.stderr).toMatch(/^line 7: invalid JSON: /m);
    expect(run.stderr).toMatch(/7 records, 3 failed, 4 written/);
  });

  it('reads stdin and writes --out', async () => {
    const out = join(dir, 'out.jsonl');
    const run = await routine(['map', TASK, '--out', out, '--export', 'measure'], { stdin: jsonl([{ id: 'a', payload: 'xyz' }, { id: 'b', payload: '' }]) });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('{"id":"a","length":3}\n{"id":"b","length":0}\n');
  });

  it('stops cleanly on SIGINT, writing whole lines, and says how far it got', async () => {
    const input = join(dir, 'slow.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 5000 }, (_, x) => ({ x }))));
    const run = await routine(['map', TASK, input, '--export', 'slow', '--workers', '2', '--concurrency', '4'], {
      whileRunning: (child, out) => {
        const poll = setInterval(() => {
          if (lines(out()).length >= 20) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 10);
      },
    });
    expect(run.code).toBe(130);
    const written = lines(run.stdout).map((line) => JSON.parse(line).x);
    expect(written.length).toBeGreaterThanOrEqual(20);
    expect(written.length).toBeLessThan(5000);
    expect(written).toEqual(Array.from({ length: written.length }, (_, x) => x)); // a prefix, in order
    const summary = /interrupted after ([\d,]+) records, 0 failed, ([\d,]+) written/.exec(run.stderr);
    expect(summary).not.toBeNull();
    expect(Number(summary![2].replaceAll(',', ''))).toBe(written.length);
  });

  it('streams a piped input with flat memory: a 48 MB heap is enough for any number of records', async () => {
    // 200,000 records (20 MB) fed through a pipe; holding them would need far more than 48 MB.
    const payload = 'x'.repeat(80);
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ['--max-old-space-size=48', BIN, 'map', TASK, '--export', 'measure'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let count = 0;
      let stderr = '';
      let tail = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString();
        const parts = text.split('\n');
        tail = parts.pop()!;
        count += parts.length;
      });
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout: String(count), stderr }));
      let id = 0;
      const feed = (): void => {
        while (id < 200_000) {
          let batch = '';
          for (let i = 0; i < 1000 && id < 200_000; i++, id++) batch += `{"id":${id},"payload":"${payload}"}\n`;
          if (!child.stdin.write(batch)) {
            child.stdin.once('drain', feed);
            return;
          }
        }
        child.stdin.end();
      };
      feed();
    });
    expect(run.stderr).toMatch(/200,000 records, 0 failed, 200,000 written/);
    expect(run.code).toBe(0);
    expect(Number(run.stdout)).toBe(200_000);
  }, 120_000);

  it('refuses bad usage with a reason and the usage text', async () => {
    const missing = await routine(['map', TASK, '/no/such/file.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read input \/no\/such\/file.jsonl: no such file/);
    const noExport = await routine(['map', TASK, '--export', 'nope']);
    expect(noExport.code).toBe(2);
    expect(noExport.stderr).toMatch(/has no function export 'nope'\. Its function exports: default, echo, flaky, longRecord, measure, slow, spin, unwritable; pick one with --export <name>/);
    const badWorkers = await routine(['map', TASK, '--workers', '0']);
    expect(badWorkers.stderr).toMatch(/--workers needs a whole number >= 1, got '0'/);
    expect(badWorkers.stderr).toMatch(/usage: routine map/);
    const unknown = await routine(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const help = await routine(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/map <task-module> \[input\]/);
  });
});
