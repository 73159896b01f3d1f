import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { chan, createRuntime, tasks, type Task } from '@routine/runtime';
import { pickSeed } from './support/random.js';

type Channels = typeof import('./fixtures/channels.mjs');
const work = tasks<Channels>(new URL('./fixtures/channels.mjs', import.meta.url));
const { countingConsume, chaosProduce } = await import('./fixtures/channels.mjs');

const rt = createRuntime({ workers: 4, logger: pino({ level: 'silent' }) });
afterAll(() => rt.terminate());

const producer = fc.record({
  onWorker: fc.boolean(),
  count: fc.integer({ min: 0, max: 40 }),
  fault: fc.constantFrom('none', 'none', 'crash', 'spin', 'block'),
  faultAfter: fc.integer({ min: 0, max: 10 }),
});
const scenario = fc.record({
  capacity: fc.constantFrom(0, 1, 3, 16),
  kind: fc.constantFrom('number', 'string', 'floats'),
  size: fc.integer({ min: 1, max: 3000 }),
  producers: fc.array(producer, { minLength: 1, maxLength: 4 }),
  workerConsumers: fc.integer({ min: 0, max: 2 }),
  // Synchronous and async worker tasks are not mixed in one run: a task blocked in synchronous
  // code holds its worker, and an async task beside it there would wait for it (see the README).
  sync: fc.boolean(),
});

describe('channels under faults (property)', () => {
  it('every value sent is received exactly once, or its send reports failure', async () => {
    const seed = pickSeed();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ capacity, kind, size, producers, workerConsumers, sync }) => {
        const n = producers.reduce((sum, p) => sum + p.count, 0);
        const ch = chan(capacity, { maxValueBytes: 2 * size + 64 });
        const flags = new Int32Array(new SharedArrayBuffer(8 * (n + 1)));
        const received = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
        const consumers = [
          countingConsume(ch, received, n, size, kind, false),
          ...Array.from({ length: workerConsumers }, () => rt.go(work.countingConsume, ch, received, n, size, kind, sync)),
        ];
        let next = 0;
        const sending = producers.map((p): Promise<unknown> | Task<unknown> => {
          const ids = Array.from({ length: p.count }, () => next++);
          if (!p.onWorker) return chaosProduce(ch, ids, size, kind, false, 'none', 0, flags, n);
          if (p.fault === 'none' || p.fault === 'crash') return rt.go(work.chaosProduce, ch, ids, size, kind, sync, p.fault, p.faultAfter, flags, n);
          // A deadline far past what the sends need: only the fault's spin or block outlasts it.
          return rt.timeout(300 + 20 * p.count, work.chaosProduce, ch, ids, size, kind, sync, p.fault, p.faultAfter, flags, n);
        });
        await Promise.allSettled(sending);
        ch.close();
        // A worker consumer may die with a faulty neighbour on its worker; the main thread's drains the rest.
        await Promise.allSettled(consumers);
        expect(received[n]).toBe(0); // no value arrived damaged
        for (let id = 0; id < n; id++) {
          const sent = flags[n + id] === 1;
          if (received[id] > 1) throw new Error(`value ${id} was received ${received[id]} times`);
          if (sent && received[id] !== 1) throw new Error(`value ${id} was sent but never received`);
          if (received[id] === 1 && flags[id] !== 1) throw new Error(`value ${id} was received but never sent`);
        }
        // No slot stuck: the channel is empty and a fresh round trip still works.
        expect(ch.length).toBe(0);
      }),
      { numRuns: 12, seed, endOnFailure: true },
    );
  }, 240_000);
});
