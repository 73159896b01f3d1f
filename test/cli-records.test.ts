import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonl, routine } from './fixtures/cli-run.js';

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
});
