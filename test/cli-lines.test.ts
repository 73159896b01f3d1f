import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInput } from '../packages/cli/dist/lines.js';
import { routine } from './fixtures/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'routine-cli-lines-'));

async function readAll(path: string): Promise<{ number: number; text: string }[]> {
  const input = await openInput(path);
  const lines = [];
  for await (const line of input.lines) lines.push(line);
  return lines;
}

describe("routine map's line splitting", () => {
  it('reads lines many chunks long whole, with multi-byte characters cut at chunk edges, and numbers every line', async () => {
    // 3-byte characters: the 256 KiB chunks (not a multiple of 3) cut through them.
    const euros = '€'.repeat(1_500_000);
    const mixed = 'aé€😀'.repeat(400_000);
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, ['first', euros, '', mixed + '\r', 'last'].join('\n'));
    const lines = await readAll(path);
    expect(lines.map((line) => line.number)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[0].text).toBe('first');
    expect(lines[1].text.length).toBe(euros.length);
    expect(lines[1].text === euros).toBe(true);
    expect(lines[2].text).toBe('');
    expect(lines[3].text === mixed).toBe(true);
    expect(lines[4].text).toBe('last');
  }, 20_000);

  it('reads one line of 40 MB as one line', async () => {
    const text = `{"s":"${'x'.repeat(40_000_000)}"}`;
    const path = join(dir, 'forty.jsonl');
    writeFileSync(path, `${text}\n{"x":1}\r\n`);
    const lines = await readAll(path);
    expect(lines.map((line) => line.number)).toEqual([1, 2]);
    expect(lines[0].text.length).toBe(text.length);
    expect(lines[0].text === text).toBe(true);
    expect(lines[1].text).toBe('{"x":1}');
  }, 20_000);

  it('drops the carriage return of a CRLF last line that has no newline', async () => {
    const path = join(dir, 'crlf.jsonl');
    writeFileSync(path, '{"x":1}\r\n{"x":2}\r');
    expect(await readAll(path)).toEqual([
      { number: 1, text: '{"x":1}' },
      { number: 2, text: '{"x":2}' },
    ]);
  });

  it('maps records many pipe chunks long, keeping the line numbers of the lines after them', async () => {
    const payload = 'é'.repeat(3_000_000);
    const input = [`{"id":"long","payload":"${payload}"}`, 'not json', `{"id":"short","payload":"abc"}`, `{"id":"again","payload":"${payload}x"}`].join('\n');
    const task = new URL('./fixtures/cli-task.mjs', import.meta.url).pathname;
    const run = await routine(['map', task, '--export', 'measure'], { stdin: input });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('{"id":"long","length":3000000}\n{"id":"short","length":3}\n{"id":"again","length":3000001}\n');
    expect(run.stderr).toMatch(/^line 2: invalid JSON: /m);
    expect(run.stderr).toMatch(/^routine map: 4 records, 1 failed, 3 written, /m);
  });
});
