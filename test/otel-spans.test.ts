import diagnostics from 'node:diagnostics_channel';
import { context, trace, type HrTime } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, TASK_END_CHANNEL, TASK_START_CHANNEL, type Runtime } from '@routine/runtime';

type Fixture = typeof import('./fixtures/trace.mjs');
const fixture = tasks<Fixture>(new URL('./fixtures/trace.mjs', import.meta.url));
type Failures = typeof import('./fixtures/failures.mjs');
const failures = tasks<Failures>(new URL('./fixtures/failures.mjs', import.meta.url));

const exporter = new InMemorySpanExporter();
const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const spanOf = (gid: number) => spans().find((span) => span.attributes['routine.gid'] === gid);
const ms = (time: HrTime) => time[0] * 1e3 + time[1] / 1e6;
const parentIdOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Waits (bounded) for the spans of `gids`: a nested task's span is made once its worker's report arrives. */
async function spansOf(...gids: number[]): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = gids.map(spanOf);
    if (found.every(Boolean)) return found as ReadableSpan[];
    if (Date.now() > deadline) throw new Error(`no span for gids ${gids.filter((_, i) => !found[i]).join(', ')} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('OpenTelemetry spans and diagnostics_channel', () => {
  let rt: Runtime;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    rt = createRuntime({ workers: 2, name: 'traced' });
  });

  afterAll(async () => {
    await rt.close();
    trace.disable();
    context.disable();
  });

  it("makes a span per task, a child of the caller's span, whose id the task and its nested tasks carry", async () => {
    const caller = trace.getTracer('app').startSpan('handle-request');
    const task = context.with(trace.setSpan(context.active(), caller), () => rt.goWith({ name: 'resize' })(fixture.nest, 3));
    const levels = await task;
    caller.end();
    const [span] = await spansOf(task.gid);
    expect(span.name).toBe('resize');
    expect(parentIdOf(span)).toBe(caller.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(span.attributes).toMatchObject({ 'routine.gid': task.gid, 'routine.parent_gid': 0, 'routine.runtime': 'traced', 'routine.outcome': 'ok', 'routine.name': 'resize' });
    expect(span.instrumentationScope.name).toBe('@routine/runtime');
    // Inside the task its own span is the parent of what it calls: current().traceparent names it.
    expect(levels[0].traceparent).toBe(`00-${caller.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('says which worker ran a task, how long it waited and how long it ran, with a started event at the start', async () => {
    const task = rt.go(fixture.nap, 60);
    await task;
    const [span] = await spansOf(task.gid);
    expect(span.attributes['routine.worker']).toBeOneOf([0, 1]);
    const waitMs = span.attributes['routine.wait_ms'] as number;
    const runMs = span.attributes['routine.run_ms'] as number;
    expect(waitMs).toBeGreaterThanOrEqual(0);
    expect(runMs).toBeGreaterThanOrEqual(55);
    const duration = ms(span.endTime) - ms(span.startTime);
    expect(waitMs + runMs).toBeLessThanOrEqual(duration + 1);
    const started = span.events.find((event) => event.name === 'routine.task.started')!;
    expect(started.attributes).toEqual({ 'routine.worker': span.attributes['routine.worker'] });
    // The event lies where the wait ends, within the span (to a millisecond: clocks of two threads).
    expect(Math.abs(ms(started.time) - ms(span.startTime) - waitMs)).toBeLessThan(2);
  });

  it('gives each nested task a span of its own, a child of the task that started it, at every level', async () => {
    const task = rt.go(fixture.nest, 3);
    const levels = await task;
    const [top, child, grandchild] = await spansOf(task.gid, levels[1].gid, levels[2].gid);
    expect(parentIdOf(child)).toBe(top.spanContext().spanId);
    expect(parentIdOf(grandchild)).toBe(child.spanContext().spanId);
    for (const [span, level] of [[child, levels[1]], [grandchild, levels[2]]] as const) {
      expect(span.spanContext().traceId).toBe(top.spanContext().traceId);
      expect(span.name).toBe('routine.task');
      expect(span.attributes).toMatchObject({ 'routine.gid': level.gid, 'routine.parent_gid': level.parentGid, 'routine.runtime': 'traced', 'routine.outcome': 'ok' });
      expect(span.attributes['routine.worker']).toBeOneOf([0, 1]);
      expect(span.attributes['routine.run_ms']).toBeGreaterThanOrEqual(0);
    }
    // Awaited children lie within their parents (a millisecond for the two threads' clocks).
    expect(ms(child.startTime)).toBeGreaterThanOrEqual(ms(top.startTime) - 1);
    expect(ms(grandchild.endTime)).toBeLessThanOrEqual(ms(child.endTime) + 1);
    expect(ms(child.endTime)).toBeLessThanOrEqual(ms(top.endTime) + 1);
  });

  it('parents a nested task that outlives the task that started it', async () => {
    const task = rt.go(fixture.fanLate, 30);
    const { parent, child } = await task;
    const [top, middle, late] = await spansOf(task.gid, parent, child);
    expect(parentIdOf(middle)).toBe(top.spanContext().spanId);
    expect(parentIdOf(late)).toBe(middle.spanContext().spanId);
    expect(ms(late.endTime)).toBeGreaterThan(ms(middle.endTime));
  });

  it('gives spans to the tasks of a runtime created inside a task, under the task that created it', async () => {
    const task = rt.go(fixture.innerRuntime);
    const { gid, levels } = await task;
    const [outer, innerTop, innerChild] = await spansOf(task.gid, gid, levels[1].gid);
    expect(outer.attributes['routine.runtime']).toBe('traced');
    expect(innerTop.attributes['routine.runtime']).toBe('inner');
    expect(parentIdOf(innerTop)).toBe(outer.spanContext().spanId);
    expect(innerChild.attributes['routine.runtime']).toBe('inner');
    expect(parentIdOf(innerChild)).toBe(innerTop.spanContext().spanId);
  });

  it("records a nested task's failure on its span", async () => {
    const task = rt.go(fixture.failNested);
    await task.result();
    const [top] = await spansOf(task.gid);
    await expect.poll(() => spans().find((span) => span.attributes['routine.parent_gid'] === task.gid), { timeout: 10_000 }).toBeDefined();
    const nested = spans().find((span) => span.attributes['routine.parent_gid'] === task.gid)!;
    expect(parentIdOf(nested)).toBe(top.spanContext().spanId);
    expect(nested.attributes['routine.outcome']).toBe('error');
    expect(nested.status).toEqual({ code: 2, message: 'nested failure' });
    expect(nested.events.find((event) => event.name === 'exception')?.attributes).toMatchObject({ 'exception.type': 'RangeError', 'exception.message': 'nested failure' });
  });

  it('records the outcome: an error with its status and exception, a timeout', async () => {
    const failed = rt.go(failures.fail, 1);
    await failed.result();
    expect(spanOf(failed.gid)).toMatchObject({ name: 'routine.task', attributes: { 'routine.outcome': 'error' }, status: { code: 2, message: 'sync 1' } });
    expect(spanOf(failed.gid)!.events.filter((event) => event.name === 'exception')).toHaveLength(1);
    const late = rt.timeout(5, fixture.spin);
    await late.result();
    expect(spanOf(late.gid)).toMatchObject({ attributes: { 'routine.outcome': 'timeout' } });
  });

  it('keeps accepting tasks when the provider is unregistered, and traces again once one is back', async () => {
    trace.disable();
    const done = await Promise.all(Array.from({ length: 600 }, (_, i) => rt.go((x: number) => x + 1, i)));
    expect(done).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    await Promise.all(Array.from({ length: 600 }, (_, i) => rt.go((x: number) => x, i)));
    const task = rt.go(fixture.describe);
    await task;
    await spansOf(task.gid);
  });

  it('publishes task start and end on diagnostics_channel', async () => {
    const starts: { gid: number; runtime: string; name?: string; traceId: string }[] = [];
    const ends: { gid: number; ok: boolean; error?: Error; durationMs: number }[] = [];
    const onStart = (message: unknown) => starts.push(message as (typeof starts)[number]);
    const onEnd = (message: unknown) => ends.push(message as (typeof ends)[number]);
    diagnostics.subscribe(TASK_START_CHANNEL, onStart);
    diagnostics.subscribe(TASK_END_CHANNEL, onEnd);
    try {
      const ok = rt.goWith({ name: 'adds' })((a: number, b: number) => a + b, 1, 2);
      const bad = rt.go(failures.reject, 2);
      await Promise.all([ok, bad.result()]);
      expect(starts).toEqual([
        { gid: ok.gid, parentGid: 0, name: 'adds', runtime: 'traced', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) },
        { gid: bad.gid, parentGid: 0, name: undefined, runtime: 'traced', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      ]);
      expect(ends.find((e) => e.gid === ok.gid)).toMatchObject({ ok: true, durationMs: expect.any(Number), worker: expect.any(Number), waitMs: expect.any(Number), runMs: expect.any(Number) });
      expect(ends.find((e) => e.gid === bad.gid)).toMatchObject({ ok: false, error: { message: 'async 2' } });
    } finally {
      diagnostics.unsubscribe(TASK_START_CHANNEL, onStart);
      diagnostics.unsubscribe(TASK_END_CHANNEL, onEnd);
    }
  });
});
