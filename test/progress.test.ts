import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../packages/cli/dist/progress.js';

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

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
