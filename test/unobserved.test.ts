import { describe, expect, it } from 'vitest';
import { createRuntime } from '@routine/runtime';
import { capturingLogger } from './support/capturing-logger.js';
import { EVENTUALLY } from './support/until.js';

describe('failures nobody observes', () => {
  it('are logged with gid, trace id and stack, counted, and never become unhandled rejections', async () => {
    const { logger, lines } = capturingLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const rt = createRuntime({ workers: 1, logger });
    const ignored = rt.go(() => {
      throw new Error('nobody listens');
    });
    await expect.poll(() => lines.length, EVENTUALLY).toBe(1);
    expect(lines[0]).toMatchObject({ gid: ignored.gid, msg: expect.stringMatching(/nobody awaited/) });
    expect(lines[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    expect((lines[0].err as { stack: string }).stack).toContain('nobody listens');
    expect(rt.stats().errors).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    process.off('unhandledRejection', onUnhandled);
    await rt.close();
  });

  it('awaited, caught or read through result(), a failure is not logged', async () => {
    const { logger, lines } = capturingLogger();
    const rt = createRuntime({ workers: 2, logger });
    const fail = () => {
      throw new Error('seen');
    };
    await rt.go(fail).then(undefined, () => undefined);
    await rt.go(fail).result();
    try {
      await rt.go(fail);
    } catch {
      // observed
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toEqual([]);
    await rt.close();
  });
});
