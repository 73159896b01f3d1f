import diagnostics from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { context, trace, type Context, type Span, type SpanContext, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, tasks, TASK_END_CHANNEL, TASK_START_CHANNEL, type Runtime } from '@routine/runtime';

type Fixture = typeof import('./fixtures/trace.mjs');
const fixture = tasks<Fixture>(new URL('./fixtures/trace.mjs', import.meta.url));
type Failures = typeof import('./fixtures/failures.mjs');
const failures = tasks<Failures>(new URL('./fixtures/failures.mjs', import.meta.url));

/** A span kept in memory: what an SDK's in-memory exporter would hold. */
class MemorySpan implements Span {
  readonly attributes: Record<string, unknown> = {};
  status: { code: number; message?: string } = { code: 0 };
  exceptions: unknown[] = [];
  ended = false;
  readonly #context: SpanContext;

  constructor(
    public name: string,
    readonly parentSpanId: string | undefined,
    traceId: string,
  ) {
    this.#context = { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: 1 };
  }

  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(key: string, value: unknown): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Record<string, unknown>): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: { code: number; message?: string }): this {
    this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: unknown): void {
    this.exceptions.push(exception);
  }
}

const spans: MemorySpan[] = [];

class MemoryTracer implements Tracer {
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const span = new MemorySpan(name, parent?.spanId, parent?.traceId ?? randomBytes(16).toString('hex'));
    span.setAttributes(options.attributes ?? {});
    spans.push(span);
    return span;
  }
  startActiveSpan(): never {
    throw new Error('not used');
  }
}

class MemoryProvider implements TracerProvider {
  readonly #tracer = new MemoryTracer();
  getTracer(): Tracer {
    return this.#tracer;
  }
}

const spanOf = (gid: number) => spans.find((span) => span.attributes['routine.gid'] === gid);

describe('OpenTelemetry spans and diagnostics_channel', () => {
  let rt: Runtime;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new MemoryProvider());
    rt = createRuntime({ workers: 2, name: 'traced' });
  });

  afterAll(async () => {
    await rt.close();
    trace.disable();
    context.disable();
  });

  it("makes a span per task, a child of the caller's span, whose id the task and its nested tasks carry", async () => {
    const caller = new MemoryTracer().startSpan('handle-request');
    const task = context.with(trace.setSpan(context.active(), caller), () => rt.goWith({ name: 'resize' })(fixture.nest, 3));
    const levels = await task;
    const span = spanOf(task.gid)!;
    expect(span).toBeDefined();
    expect(span.name).toBe('resize');
    expect(span.parentSpanId).toBe(caller.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(span.attributes).toMatchObject({ 'routine.gid': task.gid, 'routine.parent_gid': 0, 'routine.runtime': 'traced', 'routine.outcome': 'ok' });
    expect(span.ended).toBe(true);
    // Inside the task and two levels of nested tasks on the workers: the same trace, with the
    // task's span as the parent of everything started under it.
    const expected = `00-${caller.spanContext().traceId}-${span.spanContext().spanId}-01`;
    expect(levels.map((level: { traceparent: string }) => level.traceparent)).toEqual([expected, expected, expected]);
  });

  it('records the outcome: an error with its status and exception, a timeout', async () => {
    const failed = rt.go(failures.fail, 1);
    await failed.result();
    expect(spanOf(failed.gid)).toMatchObject({ name: 'routine.task', attributes: { 'routine.outcome': 'error' }, status: { code: 2, message: 'sync 1' }, ended: true });
    expect(spanOf(failed.gid)!.exceptions).toHaveLength(1);
    const late = rt.timeout(5, fixture.spin);
    await late.result();
    expect(spanOf(late.gid)).toMatchObject({ attributes: { 'routine.outcome': 'timeout' }, ended: true });
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
      expect(ends.find((e) => e.gid === ok.gid)).toMatchObject({ ok: true, durationMs: expect.any(Number) });
      expect(ends.find((e) => e.gid === bad.gid)).toMatchObject({ ok: false, error: { message: 'async 2' } });
    } finally {
      diagnostics.unsubscribe(TASK_START_CHANNEL, onStart);
      diagnostics.unsubscribe(TASK_END_CHANNEL, onEnd);
    }
  });
});
