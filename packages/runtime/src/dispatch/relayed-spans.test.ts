import fc from 'fast-check';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { reporterId, type RelayedSpan } from '@routine/core';
import { giveUpWaitingSpans, makeRelayedSpans } from './relayed-spans.js';
import { tracingActive } from './task-tracing.js';

const exporter = new InMemorySpanExporter();
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TOP = '00f067aa0ba902b7';
let nextGid = 1_000;

/** A report of nested task `gid`, a child of `parent` (a gid reported by worker `reporter`) or, without one, of TOP. */
function report(gid: number, parent?: { gid: number; reporter: number }): RelayedSpan {
  return {
    gid, runtime: 'rt', parentGid: parent?.gid ?? 1, parentReporter: parent?.reporter ?? -1, traceId: TRACE, parentSpanId: TOP, name: undefined,
    worker: 0, submittedMs: performance.now(), ranFrom: performance.now(), ranTo: performance.now(), settledMs: performance.now(), outcome: 'ok',
  };
}

const made = () => new Map(exporter.getFinishedSpans().map((span) => [span.attributes['routine.gid'] as number, span]));

/**
 * A tree of nested tasks: node i is a child of a task started on the main thread, or of an
 * earlier node, whose report worker `reporter` sends. Each node's report, in a random order and
 * random batches.
 */
const trees = fc.array(fc.record({ parent: fc.option(fc.nat(), { nil: undefined }), reporter: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 40 }).chain((nodes) =>
  fc.record({ nodes: fc.constant(nodes), order: fc.shuffledSubarray(nodes.map((_, i) => i), { minLength: nodes.length }), cuts: fc.array(fc.nat(), { maxLength: 5 }) }),
);

/** Each run's workers are lives of their own: a death in one run says nothing of the next. */
let generation = 0;

/** The reports of `nodes`, and the reporterId of each of the run's four workers. */
function reportsOf(nodes: { parent?: number; reporter: number }[]): { reports: RelayedSpan[]; lives: number[] } {
  const base = (nextGid += 100);
  generation++;
  const lives = [0, 1, 2, 3].map((worker) => reporterId(worker, generation));
  const reports = nodes.map((node, i) => {
    const parent = node.parent === undefined || i === 0 ? undefined : node.parent % i;
    return report(base + i, parent === undefined ? undefined : { gid: base + parent, reporter: lives[nodes[parent].reporter] });
  });
  return { reports, lives };
}

function deliver(reports: RelayedSpan[], order: number[], cuts: number[]): void {
  const bounds = [...new Set(cuts.map((cut) => cut % (order.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...bounds, order.length]) {
    makeRelayedSpans(order.slice(from, to).map((i) => reports[i]));
    from = Math.max(from, to);
  }
}

describe('relayed spans', () => {
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    tracingActive(); // looks at the provider: spans are made from here on
  });

  afterAll(() => trace.disable());
  beforeEach(() => exporter.reset());

  it('makes one span per report, each a child of its parent task, whatever order the reports come in', () => {
    fc.assert(
      fc.property(trees, ({ nodes, order, cuts }) => {
        exporter.reset();
        const { reports } = reportsOf(nodes);
        deliver(reports, order, cuts);
        const spans = made();
        expect(exporter.getFinishedSpans()).toHaveLength(reports.length);
        for (const report of reports) {
          const span = spans.get(report.gid)!;
          const parentId = report.parentReporter < 0 ? TOP : spans.get(report.parentGid)!.spanContext().spanId;
          expect(span.parentSpanContext?.spanId).toBe(parentId);
          expect(span.spanContext().traceId).toBe(TRACE);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("gives up, at its worker's death, the reports waiting for a report it would have sent, and only those", () => {
    fc.assert(
      fc.property(trees, fc.nat({ max: 3 }), ({ nodes, order, cuts }, dead) => {
        exporter.reset();
        const { reports, lives } = reportsOf(nodes);
        // The dead worker's reports never come; the others come as they like, some after its death.
        const lost = new Set(reports.filter((_, i) => nodes[i].reporter === dead).map((r) => r.gid));
        const arriving = order.filter((i) => !lost.has(reports[i].gid));
        const split = cuts.length > 0 ? cuts[0] % (arriving.length + 1) : arriving.length;
        deliver(reports, arriving.slice(0, split), cuts);
        giveUpWaitingSpans('rt', lives[dead]);
        deliver(reports, arriving.slice(split), cuts);
        const spans = made();
        for (const report of reports) {
          if (lost.has(report.gid)) {
            expect(spans.has(report.gid)).toBe(false);
            continue;
          }
          // Made, under its parent's span, or under the span its trace names when that parent's report was lost.
          const span = spans.get(report.gid)!;
          const parent = spans.get(report.parentGid);
          expect(span.parentSpanContext?.spanId).toBe(report.parentReporter < 0 || !parent ? TOP : parent.spanContext().spanId);
        }
        expect(spans.size).toBe(reports.length - lost.size);
      }),
      { numRuns: 150 },
    );
  });

  it("makes at once a report naming a dead worker's task, though it comes after the death", () => {
    const base = (nextGid += 100);
    giveUpWaitingSpans('rt', 7);
    makeRelayedSpans([report(base, { gid: base - 1, reporter: 7 })]);
    expect(made().get(base)?.parentSpanContext?.spanId).toBe(TOP);
    // The worker's replacement is another life: a report naming it waits for its parent's.
    makeRelayedSpans([report(base + 1, { gid: base - 2, reporter: 7 + 1024 })]);
    expect(made().has(base + 1)).toBe(false);
    giveUpWaitingSpans('rt');
    expect(made().has(base + 1)).toBe(true);
  });

  it('stops waiting for a parent after ten minutes', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const base = (nextGid += 100);
      makeRelayedSpans([report(base, { gid: base - 1, reporter: 0 })]);
      vi.advanceTimersByTime(9 * 60_000);
      makeRelayedSpans([report(base + 1, { gid: base - 2, reporter: 0 })]);
      expect(made().size).toBe(0);
      vi.advanceTimersByTime(2 * 60_000);
      makeRelayedSpans([]);
      expect([...made().keys()]).toEqual([base]);
      giveUpWaitingSpans('rt');
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds at most 10,000 waiting reports, and makes the oldest when more come; close gives up the rest', () => {
    const base = (nextGid += 20_000);
    const waiting = Array.from({ length: 10_001 }, (_, i) => report(base + i, { gid: base + 10_001 + i, reporter: 0 }));
    makeRelayedSpans(waiting);
    expect(exporter.getFinishedSpans().map((span) => span.attributes['routine.gid'])).toEqual([base]);
    giveUpWaitingSpans('other-runtime');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    giveUpWaitingSpans('rt');
    expect(exporter.getFinishedSpans()).toHaveLength(10_001);
    expect(exporter.getFinishedSpans().every((span) => span.parentSpanContext?.spanId === TOP)).toBe(true);
  });
});
