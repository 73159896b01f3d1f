import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonl, lines, routine } from './fixtures/cli-run.js';

const TASK = new URL('./fixtures/cli-task.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'routine-cli-records-'));
const summaryOf = (stderr: string) => /^routine map: .*$/m.exec(stderr)?.[0];

describe('routine map, record by record', () => {
  it('fails a record whose result JSON cannot write (a BigInt, a cycle) and writes the others', async () => {
    const out = join(dir, 'unwritable.jsonl');
    const input = jsonl([{ kind: 'plain', n: 1 }, { kind: 'bigint' }, { kind: 'cycle' }, { kind: 'plain', n: 4 }]);
    const run = await routine(['map', TASK, '--export', 'unwritable', '--out', out], { stdin: input });
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('{"kind":"plain","n":1}\n{"kind":"plain","n":4}\n');
    expect(run.stderr).toMatch(/^line 2: cannot write the result as JSON: TypeError: Do not know how to serialize a BigInt$/m);
    expect(run.stderr).toMatch(/^line 3: cannot write the result as JSON: TypeError: Converting circular structure to JSON .*'self' closes the circle$/m);
    expect(summaryOf(run.stderr)).toMatch(/^routine map: 4 records, 2 failed, 2 written, /);
  });

  it('--error-records writes an error record for each failed record and blank line, so output line k answers input line k', async () => {
    const input = ['{"x":1}', 'not json', '', '{"x":-4}', '   ', '{"x":6}'].join('\n');
    for (const order of ['--ordered', '--unordered']) {
      const run = await routine(['map', TASK, '--error-records', order], { stdin: input });
      expect(run.code).toBe(1);
      const out = lines(run.stdout).map((line) => JSON.parse(line));
      if (order === '--unordered') out.sort((a, b) => (a.line ?? a.x) - (b.line ?? b.x));
      expect(out).toEqual([
        { x: 1, square: 1 },
        { error: expect.stringMatching(/^invalid JSON: /), line: 2 },
        { error: 'blank line', line: 3 },
        { error: 'RangeError: negative: -4', line: 4 },
        { error: 'blank line', line: 5 },
        { x: 6, square: 36 },
      ]);
      expect(run.stderr).toMatch(/^line 2: invalid JSON: /m);
      expect(run.stderr).toMatch(/^line 4: RangeError: negative: -4$/m);
      expect(run.stderr).not.toMatch(/^line [35]:/m);
      expect(summaryOf(run.stderr)).toMatch(/^routine map: 4 records, 2 failed, 6 written, /);
    }
  });

  it('--error-records writes the unwritable result as an error record too', async () => {
    const run = await routine(['map', TASK, '--export', 'unwritable', '--error-records'], { stdin: jsonl([{ kind: 'bigint' }, { kind: 'plain' }]) });
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual(['{"error":"cannot write the result as JSON: TypeError: Do not know how to serialize a BigInt","line":1}', '{"kind":"plain"}']);
  });

  it('--timeout fails a record that runs too long, stopping it, and the records after it still run', async () => {
    const input = jsonl([{ x: 1 }, { spin: true }, { x: 3 }, { x: 4 }]);
    // Two workers: the later records run on the one that is not spinning, without waiting for
    // the stopped one to be replaced (a wait that would count against their own deadlines).
    const run = await routine(['map', TASK, '--export', 'spin', '--timeout', '1000', '--workers', '2', '--error-records'], { stdin: input });
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual(['{"x":1}', '{"error":"TimeoutError: took longer than --timeout 1000 ms","line":2}', '{"x":3}', '{"x":4}']);
    expect(run.stderr).toMatch(/^line 2: TimeoutError: took longer than --timeout 1000 ms$/m);
    expect(summaryOf(run.stderr)).toMatch(/^routine map: 4 records, 1 failed, 4 written, /);
  });

  it('--retries runs a failed record again, and reports the last error once they run out', async () => {
    const healed = join(dir, 'healed.count');
    const broken = join(dir, 'broken.count');
    const input = jsonl([{ id: 'healed', file: healed, failures: 2 }, { id: 'broken', file: broken, failures: 5 }]);
    const run = await routine(['map', TASK, '--export', 'flaky', '--retries', '2'], { stdin: input });
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toEqual(['{"id":"healed","attempt":3}']);
    expect(run.stderr).toMatch(/^line 2: Error: attempt 3 failed \(after 3 attempts\)$/m);
    expect(readFileSync(broken, 'utf8')).toBe('xxx');
    expect(summaryOf(run.stderr)).toMatch(/^routine map: 2 records, 1 failed, 1 written, /);
  });

  it('--halt-on-error reads no more records after the first failure, writes those in flight, and exits 1', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({ x: i === 9 ? -9 : i }));
    const run = await routine(['map', TASK, '--halt-on-error', '--concurrency', '4', '--workers', '1'], { stdin: jsonl(records) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^line 10: RangeError: negative: -9$/m);
    const summary = /^routine map: stopped at the first failure after (\d+) records, 1 failed, (\d+) written, /m.exec(run.stderr);
    expect(summary).not.toBeNull();
    const [done, written] = [Number(summary![1]), Number(summary![2])];
    // Line 10 and up to three after it were in flight when it failed.
    expect(done).toBeGreaterThanOrEqual(10);
    expect(done).toBeLessThanOrEqual(13);
    expect(written).toBe(done - 1);
    const xs = lines(run.stdout).map((line) => JSON.parse(line).x);
    expect(xs).toEqual([...Array.from({ length: 9 }, (_, x) => x), ...Array.from({ length: done - 10 }, (_, i) => 10 + i)]);
  });

  it('--halt-on-error stops at a bad JSON line too', async () => {
    const input = ['{"x":1}', 'oops', ...Array.from({ length: 2000 }, (_, x) => `{"x":${x}}`)].join('\n');
    const run = await routine(['map', TASK, '--halt-on-error', '--concurrency', '4'], { stdin: input });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^line 2: invalid JSON: /m);
    expect(summaryOf(run.stderr)).toMatch(/^routine map: stopped at the first failure after [2-5] records, 1 failed, /);
    expect(lines(run.stdout).length).toBeLessThanOrEqual(4);
    expect(lines(run.stdout)[0]).toBe('{"x":1,"square":1}');
  });
});
