import { describe, expect, it } from 'vitest';
import { createPool, createRuntime, rateLimiter, type Runtime } from '@routine/runtime';

const startedAt = () => performance.timeOrigin + performance.now();

/**
 * A token bucket made full at `created` grants its k-th token (from 0) no sooner than
 * (k + 1 - burst) / rate after it. A task starts after its grant, and the k-th start after the
 * k-th grant, however late a loaded machine runs them: only a limit that leaks can fail this.
 */
function expectWithinRate(times: number[], created: number, perSecond: number, burst: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let k = 0; k < sorted.length; k++) expect(sorted[k] - created).toBeGreaterThanOrEqual(((k + 1 - burst) * 1000) / perSecond - 1);
}

describe('the limiter option', () => {
  const perSecond = 100;
  const burst = 3;
  const n = 15;

  it('go.with, group and a pipeline stage share one limiter: together they keep its rate', async () => {
    const rt: Runtime = createRuntime({ workers: 2 });
    const created = startedAt();
    const limiter = rateLimiter({ perSecond, burst });
    const g = rt.group({ limiter });
    const viaGo = Array.from({ length: n }, () => rt.goWith({ limiter })(startedAt));
    const viaGroup = Array.from({ length: n }, () => g.go(startedAt));
    const viaPipeline = rt.pipeline<number>().stage('stamp', (_: number) => performance.timeOrigin + performance.now(), { limiter }).process(Array.from({ length: n }, (_, i) => i));
    const times = [...(await Promise.all(viaGo)), ...(await Promise.all(viaGroup)), ...(await viaPipeline)];
    await g.wait();
    expect(times.length).toBe(3 * n);
    expectWithinRate(times, created, perSecond, burst);
    await rt.close();
  });

  it('a pool with a limiter', async () => {
    const created = startedAt();
    const pool = createPool({ name: 'limited', workers: 2, queue: 100, limiter: rateLimiter({ perSecond, burst }) });
    const times = await Promise.all(Array.from({ length: n }, () => pool.submit(startedAt)));
    expectWithinRate(times, created, perSecond, burst);
    await pool.close();
  });

  it('rejects what is not a limiter', () => {
    const rt = createRuntime({ workers: 1 });
    expect(() => rt.goWith({ limiter: { take() {} } as never })).toThrow(/go.with\(\{ limiter \}\) takes a rateLimiter/);
    void rt.close();
  });
});
