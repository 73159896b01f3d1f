import { describe, expect, it } from 'vitest';
import { createRuntime, tasks } from '@routine/runtime';

type Heap = typeof import('./fixtures/heap.mjs');
const heap = tasks<Heap>(new URL('./fixtures/heap.mjs', import.meta.url));

/** Least-squares slope of ys against 0, 1, 2, ... */
function slope(ys: number[]): number {
  const n = ys.length;
  const meanX = (n - 1) / 2;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

describe('soak', () => {
  it("a worker's heap stays flat under a long run of async tasks", async () => {
    await using rt = createRuntime({ workers: 1 });
    const round = 20_000;
    const run = async (): Promise<void> => {
      for (let done = 0; done < round; done += 2000) await Promise.all(Array.from({ length: 2000 }, () => rt.go(heap.sleep, 0)));
    };
    await run(); // warm up: code compiled, tables grown
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      await run();
      samples.push(await rt.go(heap.heapAfterGc));
    }
    // A leak of a few dozen bytes per task shows as a megabyte per round; noise after a full
    // collection is far below the bound of 10 bytes per task.
    const perTask = slope(samples) / round;
    expect(perTask, `heap after gc by round: ${samples.map((b) => (b / 1e6).toFixed(2)).join(', ')} MB`).toBeLessThan(10);
  }, 60_000);
});
