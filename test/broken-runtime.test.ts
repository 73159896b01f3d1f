import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRuntime, tasks, WorkerCrashError } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Faults = typeof import('./fixtures/faults.mjs');
const faults = tasks<Faults>(new URL('./fixtures/faults.mjs', import.meta.url));
const setup = new URL('./fixtures/faults-setup.mjs', import.meta.url);

describe('a runtime none of whose workers can start again', () => {
  it('counts the nested tasks a dead worker left in the ring as never started, so queued comes back to 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routine-broken-'));
    // The first boot succeeds, every later one fails: once the worker dies, the runtime is broken.
    const rt = createRuntime({
      workers: 1,
      logger: pino({ level: 'silent' }),
      workerSetup: setup,
      env: { ROUTINE_FAULTS_DIR: dir, ROUTINE_FAULTS_PLAN: '0', ROUTINE_FAULTS_TAIL: 'fail' },
    });
    try {
      const counters = new Int32Array(new SharedArrayBuffer(64 * 4));
      const leaf = (id: number) => ({ id, kind: 'leaf', leaf: 'ok', value: id });
      const parent = rt.go(faults.parent, { id: 0, kind: 'parent', children: [leaf(1), leaf(2)] }, counters);
      const crash = rt.go(() => globalThis.process.exit(1));
      const [parentOutcome, crashOutcome] = await Promise.all([parent.result(), crash.result()]);
      for (const outcome of [parentOutcome, crashOutcome]) {
        if (!outcome.ok) expect(['WorkerCrashError', 'WorkerStartError']).toContain(outcome.error.name);
      }
      expect(crashOutcome.ok === false && crashOutcome.error).toBeInstanceOf(WorkerCrashError);
      await expect.poll(() => rt.stats().queued, EVENTUALLY).toBe(0);
      const stats = rt.stats();
      expect(stats.active).toBe(0);
      expect(stats.launched).toBe(stats.completed + stats.errors + stats.panics + stats.timeouts + stats.cancelled);
    } finally {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(rt.stats().queued).toBe(0);
  }, 30_000);
});
