import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, fractionOf, Progress } from '../packages/cli/dist/progress.js';
import { BIN, jsonl } from './fixtures/cli-run.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream, writes };
}

describe("routine map's progress line", () => {
  it('shows records, rate, percent and ETA on a terminal, and clears itself', async () => {
    const { stream, writes } = fakeStream(true);
    const progress = new Progress(() => ({ done: 5000, failed: 2, total: 20_000 }), stream);
    await new Promise((resolve) => setTimeout(resolve, 450));
    progress.clear();
    const drawn = writes.filter((text) => text.includes('records'));
    expect(drawn.length).toBeGreaterThanOrEqual(1);
    expect(drawn.at(-1)).toMatch(/^\r\x1b\[K\[######\.{18}\]  25%  5,000 records  [\d,]+\/s  2 failed  ETA \d+:\d\d$/);
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('stays quiet when stderr is not a terminal', async () => {
    const { stream, writes } = fakeStream(false);
    const progress = new Progress(() => ({ done: 1, failed: 0, total: undefined }), stream);
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.clear();
    expect(writes).toEqual([]);
  });

  it('counts the part of each record in flight its task says is done, and shows how far along they are', async () => {
    const { stream, writes } = fakeStream(true);
    const progress = new Progress(() => ({ done: 1, failed: 0, total: 4, partial: [0.5, 0.25], inFlight: 3 }), stream);
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.clear();
    // (1 + 0.5 + 0.25) of 4 records: 44%.
    expect(writes.find((text) => text.includes('record'))).toMatch(/\] {2}44% {2}1 record {2}[\d,]+\/s {2}3 in flight \(2 report, 37% along\) {2}ETA/);
  });

  it('reads a progress value as a percent or a { done, of } count', () => {
    expect(fractionOf(40)).toBe(0.4);
    expect(fractionOf(250)).toBe(1);
    expect(fractionOf({ done: 3, of: 4 })).toBe(0.75);
    expect(fractionOf({ done: 1, total: 8 })).toBe(0.125);
    for (const nothing of ['half', null, { done: 1 }, { done: 1, of: 0 }, Number.NaN, { done: Number.NaN, of: 2 }]) expect(fractionOf(nothing)).toBeUndefined();
  });

  it('moves with the progress long records report, on a real terminal', async () => {
    if (!existsSync('/usr/bin/script')) throw new Error('this test needs util-linux script(1) for a pseudo-terminal');
    const dir = mkdtempSync(join(tmpdir(), 'routine-progress-'));
    const input = join(dir, 'long.jsonl');
    const out = join(dir, 'out.jsonl');
    writeFileSync(input, jsonl([{ id: 1 }, { id: 2 }]));
    const task = new URL('./fixtures/cli-task.mjs', import.meta.url).pathname;
    // stderr is the pseudo-terminal script(1) makes; stdout goes to a file.
    const command = `${process.execPath} ${BIN} map ${task} ${input} --export longRecord --workers 2 > ${out}`;
    const screen = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`routine map did not finish within 30 s:\n${text}`))), 30_000);
      child.stdout.on('data', (chunk) => (text += chunk));
      child.on('close', (code) => (clearTimeout(timer), code === 0 ? resolve(text) : reject(new Error(`exit ${code}:\n${text}`))));
    });
    expect(readFileSync(out, 'utf8')).toBe(jsonl([{ id: 1 }, { id: 2 }]));
    // Both records in flight, partway: the percent moves before either is done.
    const partway = [...screen.matchAll(/(\d+)%  0 records .* 2 in flight \(2 report, (\d+)% along\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(partway.length).toBeGreaterThan(0);
    expect(partway.some(([total, along]) => total > 0 && total < 100 && along > 0)).toBe(true);
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
