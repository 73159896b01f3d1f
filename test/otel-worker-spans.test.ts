import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, type Runtime } from '@routine/runtime';

type Fixture = typeof import('./fixtures/trace.mjs');
const fixture = tasks<Fixture>(new URL('./fixtures/trace.mjs', import.meta.url));

// The main thread has no SDK here: only the workers do, through their workerSetup.
describe('spans made by a worker with an OpenTelemetry SDK of its own', () => {
  let rt: Runtime;

  beforeAll(() => {
    rt = createRuntime({ workers: 1, name: 'worker-sdk', workerSetup: new URL('./fixtures/otel-worker-setup.mjs', import.meta.url) });
  });

  afterAll(() => rt.close());

  it("makes each nested task's span in the worker, and the nested task's traceparent names it", async () => {
    const levels = await rt.go(fixture.nest, 3);
    const made: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: Record<string, unknown> }[] = await rt.go(fixture.workerSpans);
    const spanOf = (gid: number) => made.find((span) => span.attributes['routine.gid'] === gid);
    // The task started on the main thread has no span (nothing records there); its children do.
    expect(spanOf(levels[0].gid)).toBeUndefined();
    const child = spanOf(levels[1].gid)!;
    const grandchild = spanOf(levels[2].gid)!;
    const spanIdIn = (traceparent: string) => traceparent.split('-')[2];
    expect(child).toMatchObject({ name: 'routine.task', traceId: levels[0].traceId, parentSpanId: spanIdIn(levels[0].traceparent) });
    expect(child.attributes).toMatchObject({ 'routine.parent_gid': levels[0].gid, 'routine.runtime': 'worker-sdk', 'routine.outcome': 'ok', 'routine.worker': 0 });
    expect(spanIdIn(levels[1].traceparent)).toBe(child.spanId);
    expect(grandchild.parentSpanId).toBe(child.spanId);
    expect(spanIdIn(levels[2].traceparent)).toBe(grandchild.spanId);
  });
});
