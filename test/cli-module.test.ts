import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonl, lines, routine } from './fixtures/cli-run.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const TASK = fixture('cli-task.mjs');
const dir = mkdtempSync(join(tmpdir(), 'routine-cli-module-'));

describe('routine map, checks before any record runs', () => {
  it("checks a module's export on a worker, never running its top-level code on the main thread", async () => {
    const run = await routine(['map', fixture('cli-worker-only.mjs')], { stdin: jsonl([{ id: 1 }, { id: 2 }]) });
    expect(run.stderr).not.toMatch(/main thread/);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(['{"id":1,"isMainThread":false,"onWorker":true}', '{"id":2,"isMainThread":false,"onWorker":true}']);
  });

  it('runs a TypeScript module, checked the same way', async () => {
    const run = await routine(['map', fixture('cli-task.ts'), '--export', 'norm'], { stdin: jsonl([{ x: 3, y: 4 }]) });
    expect(run.stderr).toMatch(/^routine map: 1 record, 0 failed, 1 written, /m);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{"norm":5}\n');
  });

  it('refuses a TypeScript module without the export, naming its function exports', async () => {
    const run = await routine(['map', fixture('cli-task.ts'), '--export', 'unit'], { stdin: jsonl([{ x: 3, y: 4 }]) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^routine: .*cli-task\.ts has no function export 'unit'\. Its function exports: norm; pick one with --export <name>$/m);
    expect(run.stderr).toMatch(/usage: routine map/);
  });

  it('refuses a missing module, and one that throws as it loads, before any record runs', async () => {
    for (const module of [join(dir, 'missing.mjs'), join(dir, 'missing.ts')]) {
      const run = await routine(['map', module], { stdin: jsonl([{ x: 1 }]) });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^routine: cannot load task module ${module}: no such file$`, 'm'));
    }
    const broken = await routine(['map', fixture('cli-broken.mjs')], { stdin: jsonl([{ x: 1 }]) });
    expect(broken.code).toBe(2);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/^routine: cannot load task module .*cli-broken\.mjs: Error: broken at load$/m);
    expect(broken.stderr).not.toMatch(/^routine map: /m);
  });

  it('refuses an --out it cannot write before any record runs, and leaves --out alone when the module is refused', async () => {
    const noDir = await routine(['map', TASK, '--out', join(dir, 'no', 'such', 'dir', 'out.jsonl')], { stdin: jsonl([{ x: 1 }]) });
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/^routine: cannot write --out .*out\.jsonl: its directory does not exist$/m);
    expect(noDir.stderr).not.toMatch(/^routine map: /m);
    const isDir = await routine(['map', TASK, '--out', dir], { stdin: jsonl([{ x: 1 }]) });
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toMatch(/^routine: cannot write --out .*: it is a directory$/m);
    const out = join(dir, 'untouched.jsonl');
    const badExport = await routine(['map', TASK, '--export', 'nope', '--out', out], { stdin: jsonl([{ x: 1 }]) });
    expect(badExport.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    const good = await routine(['map', TASK, '--out', out], { stdin: jsonl([{ x: 2 }]) });
    expect(good.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('{"x":2,"square":4}\n');
  });

  it('refuses bad values of --timeout, --retries and the switches, saying what to pass', async () => {
    const cases: [string[], RegExp][] = [
      [['--timeout', '0'], /--timeout needs a whole number of milliseconds from 1 to 2147483647, got '0'/],
      [['--timeout', '1.5'], /--timeout needs a whole number of milliseconds from 1 to 2147483647, got '1\.5'/],
      [['--timeout', '3000000000'], /--timeout needs a whole number of milliseconds from 1 to 2147483647, got '3000000000'/],
      [['--timeout', 'soon'], /--timeout needs a whole number of milliseconds from 1 to 2147483647, got 'soon'/],
      [['--retries=-1'], /--retries needs a whole number >= 0, got '-1'/],
      [['--retries', ''], /--retries needs a whole number >= 0, got ''/],
      [['--retries', 'two'], /--retries needs a whole number >= 0, got 'two'/],
      [['--timeout'], /Option '--timeout <value>' argument missing/],
      [['--halt-on-error=now'], /Option '--halt-on-error' does not take an argument/],
      [['--error-records=yes'], /Option '--error-records' does not take an argument/],
    ];
    for (const [flags, message] of cases) {
      const run = await routine(['map', TASK, ...flags], { stdin: jsonl([{ x: 1 }]) });
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/usage: routine map/);
      expect(run.stdout).toBe('');
    }
  });
});
