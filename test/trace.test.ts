import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, current, InvalidArgumentError, tasks, withTrace } from '@routine/runtime';
import { EVENTUALLY } from './support/until.js';

type Fixture = typeof import('./fixtures/trace.mjs');
const fixture = tasks<Fixture>(new URL('./fixtures/trace.mjs', import.meta.url));
const rt = createRuntime({ workers: 2 });
afterAll(() => rt.close());

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE}-${SPAN}-01`;

describe('trace context', () => {
  it('carries one trace id through three levels of nesting, with each parent gid', async () => {
    const top = rt.go(fixture.nest, 3);
    const levels = await top;
    expect(levels).toHaveLength(3);
    expect(levels[0].gid).toBe(top.gid);
    expect(levels[0].parentGid).toBe(0);
    expect(levels[1].parentGid).toBe(levels[0].gid);
    expect(levels[2].parentGid).toBe(levels[1].gid);
    expect(levels[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const level of levels) {
      expect(level.traceId).toBe(levels[0].traceId);
      expect(level.traceparent).toBe(levels[0].traceparent);
    }
    // Two unrelated tasks root two different traces.
    const [a, b] = await Promise.all([rt.go(fixture.describe), rt.go(fixture.describe)]);
    expect(a.traceId).not.toBe(b.traceId);
  });

  it('withTrace(traceparent) hands the trace and its span to every task started inside, nested ones too', async () => {
    const levels = await withTrace(TRACEPARENT, () => {
      expect(current()).toMatchObject({ gid: 0, traceId: TRACE, traceparent: TRACEPARENT });
      return rt.go(fixture.nest, 3);
    });
    for (const level of levels) expect(level).toMatchObject({ traceId: TRACE, traceparent: TRACEPARENT });
    expect(current().traceId).toBe('');
  });

  it('follows awaits, and reaches every member of a group, those that start later included', async () => {
    const seen = await withTrace(TRACE, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      // limit 2: four of the six start from a completion callback, outside this scope.
      const g = rt.group({ limit: 2 });
      const members = Array.from({ length: 6 }, () => g.go(fixture.describe));
      await g.wait();
      return Promise.all(members);
    });
    expect(seen).toHaveLength(6);
    for (const member of seen as { traceId: string; traceparent: string }[]) {
      expect(member.traceId).toBe(TRACE);
      // A bare trace id gets one span id for the scope, shared by everything in it.
      expect(member.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
      expect(member.traceparent).toBe((seen as { traceparent: string }[])[0].traceparent);
    }
  });

  it('accepts a 16-digit id (padded) and upper case; a scope inside a task overrides the task\'s trace', async () => {
    const short = await withTrace('A3CE929D0E0E4736', () => rt.go(fixture.describe));
    expect(short.traceId).toBe('0000000000000000a3ce929d0e0e4736');
    const other = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-00`;
    const inner = await withTrace(TRACEPARENT, () => rt.go(fixture.retrace, other));
    expect(inner).toMatchObject({ traceId: 'ab'.repeat(16), traceparent: other });
  });

  it('rejects what is not a trace, saying what it expected', () => {
    for (const bad of ['nope', '0'.repeat(32), `00-${TRACE}-${'0'.repeat(16)}-01`, `ff-${TRACE}-${SPAN}-01`, 42]) {
      expect(() => withTrace(bad as string, () => 1)).toThrow(InvalidArgumentError);
    }
    expect(() => withTrace('nope', () => 1)).toThrow(/32 hex digits.*traceparent/);
    expect(() => withTrace(TRACE, 'not a function' as never)).toThrow(/takes a function/);
  });

  it('uses the active OpenTelemetry span, and propagates it as the parent span', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const span: Span = trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1 });
      const levels = await context.with(trace.setSpan(context.active(), span), () => rt.go(fixture.nest, 2));
      for (const level of levels) expect(level).toMatchObject({ traceId: TRACE, traceparent: TRACEPARENT });
      // withTrace is more specific than an ambient span.
      const other = 'ef'.repeat(16);
      const scoped = await context.with(trace.setSpan(context.active(), span), () => withTrace(other, () => rt.go(fixture.describe)));
      expect(scoped.traceId).toBe(other);
      // Without an active span, tasks root their own traces again.
      const plain = await rt.go(fixture.describe);
      expect(plain.traceId).not.toBe(TRACE);
    } finally {
      context.disable();
    }
  });

  it("binds a task's logger to its gid, parent gid and trace id", async () => {
    const task = withTrace(TRACEPARENT, () => rt.goWith({ name: 'logs' })(fixture.bindings));
    expect(await task).toMatchObject({ gid: task.gid, parentGid: 0, traceId: TRACE, name: 'logs' });
  });

  it('shows in dump() for a running task', async () => {
    const spinning = withTrace(TRACEPARENT, () => rt.timeout(5000, fixture.spin));
    await expect.poll(() => rt.dump().find((task) => task.gid === spinning.gid)?.traceId, EVENTUALLY).toBe(TRACE);
    spinning.cancel();
    await rt.terminate();
  });
});
