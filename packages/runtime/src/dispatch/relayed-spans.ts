/**
 * The main thread's side of the spans of nested tasks (core's span-relay.ts): each report becomes a
 * span with the times it carries, a child of its parent task's span.
 *
 * A task started on the main thread has its span already, and its trace names it, so a report
 * whose parent is such a task is parented from the trace it carries. A report whose parent is a
 * nested task itself needs that task's span, made from a report of its own, which usually comes
 * later (a parent settles after the children it awaits) and from another worker. So such a report
 * waits for its parent's; the span ids of the spans made are kept for children that report later.
 *
 * A parent's report can fail to come: the worker that would send it died (its life is named in
 * the report, reporterId), or the runtime closed. A report is then made at once, parented to the
 * nearest span its trace names. So it is, too, once it has waited WAIT_MS (for a parent that runs
 * that long, or one whose span was made so long ago, MAX_MADE spans since, that its id is no
 * longer kept), and when more than MAX_WAITING wait (the oldest first).
 */
import { otelApi, type OtelApi, type RelayedSpan, relayingSpans, relaySpan } from '@routine/core';
import { describeRun, endTaskSpan, parentContext, startTaskSpan } from './span-shape.js';
import { makingSpans } from './task-tracing.js';

/** Reports waiting for their parent's, across every parent. */
const MAX_WAITING = 10_000;
/** How long a report waits for its parent's. */
const WAIT_MS = 10 * 60_000;
/** Span ids of spans made from reports, kept for children that report after their parent did. */
const MAX_MADE = 50_000;
/** Dead workers' lives remembered per runtime: reports naming one of them do not wait. */
const MAX_DEAD = 1024;

interface Waiting {
  span: RelayedSpan;
  /** performance.now() when it began to wait. */
  since: number;
}

/** Reports by the gid of the parent they wait for, in order of the first to wait (a Map keeps it). */
const waiting = new Map<number, Waiting[]>();
let waitingCount = 0;
/** gid of a task whose span was made from a report -> that span's id. */
const made = new Map<number, string>();
/** Per runtime, the reporterIds of its workers that died. */
const dead = new Map<string, Set<number>>();

/**
 * A worker reported these nested tasks. On a thread that makes no spans but relays its own (a
 * runtime created inside a task), they go on to its main thread.
 */
export function makeRelayedSpans(spans: readonly RelayedSpan[]): void {
  const api = makingSpans() ? otelApi() : null;
  if (!api && relayingSpans()) {
    for (const span of spans) relaySpan(span);
    return;
  }
  if (!api) {
    // Spans are off now: nothing waiting will be made either.
    waiting.clear();
    waitingCount = 0;
    return;
  }
  const now = performance.now();
  for (const span of spans) {
    if (span.parentReporter < 0) {
      make(api, span, span.parentSpanId);
      continue;
    }
    const parent = made.get(span.parentGid);
    if (parent) make(api, span, parent);
    else if (dead.get(span.runtime)?.has(span.parentReporter)) make(api, span, span.parentSpanId);
    else wait(api, { span, since: now });
  }
  giveUpOlderThan(api, now - WAIT_MS);
}

/**
 * Makes now the spans waiting for a report that worker life `reporter` of `runtime` would have
 * sent (it died), and makes those that come later at once; without `reporter`, those waiting on
 * any of that runtime's workers (it closed).
 */
export function giveUpWaitingSpans(runtime: string, reporter?: number): void {
  if (reporter !== undefined) {
    let lives = dead.get(runtime);
    if (!lives) dead.set(runtime, (lives = new Set()));
    lives.add(reporter);
    if (lives.size > MAX_DEAD) lives.delete(lives.values().next().value!);
  } else {
    dead.delete(runtime);
  }
  if (waitingCount === 0) return;
  const api = otelApi();
  for (const [parentGid, list] of [...waiting]) {
    const { span } = list[0]; // its siblings wait for the same parent, reported by the same worker
    if (span.runtime === runtime && (reporter === undefined || span.parentReporter === reporter)) giveUp(api, parentGid);
  }
}

function wait(api: OtelApi, report: Waiting): void {
  let list = waiting.get(report.span.parentGid);
  if (!list) waiting.set(report.span.parentGid, (list = []));
  list.push(report);
  if (++waitingCount > MAX_WAITING) giveUp(api, waiting.keys().next().value!);
}

/** Parents are in the order their first child began to wait: the old ones are at the front. */
function giveUpOlderThan(api: OtelApi, before: number): void {
  for (const [parentGid, list] of waiting) {
    if (list[0].since >= before) return;
    giveUp(api, parentGid);
  }
}

function giveUp(api: OtelApi | null, parentGid: number): void {
  const list = waiting.get(parentGid)!;
  waiting.delete(parentGid);
  waitingCount -= list.length;
  if (api) for (const { span } of list) make(api, span, span.parentSpanId);
}

function make(api: OtelApi, report: RelayedSpan, parentSpanId: string): void {
  const span = startTaskSpan(api, report.name, report.runtime, parentContext(api, report.traceId, parentSpanId, true), report.submittedMs);
  describeRun(span, report);
  endTaskSpan(span, report.outcome, report.error, report.settledMs);
  const { spanId } = span.spanContext();
  made.set(report.gid, spanId);
  if (made.size > MAX_MADE) made.delete(made.keys().next().value!);
  const children = waiting.get(report.gid);
  if (!children) return;
  waiting.delete(report.gid);
  waitingCount -= children.length;
  for (const child of children) make(api, child.span, spanId);
}
