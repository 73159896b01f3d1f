/**
 * Builds one thread's handles on a runtime's buffer: rings, arena, code table, counters and the
 * endpoint it submits through. The main thread and each worker call this with the same layout,
 * so they agree on every offset.
 */
import { CounterBlock } from '@routine/stats';
import { Arena } from '../memory/arena.js';
import { CodeTable } from '../memory/code-table.js';
import { Endpoint, type EndpointParts } from './endpoint.js';
import type { Layout } from '../memory/layout.js';
import { Ring } from '../memory/ring.js';
import { viewsOf, type Views } from '../memory/views.js';

export interface Connection {
  views: Views;
  submissions: Ring;
  inboxes: Ring[];
  arena: Arena;
  code: CodeTable;
  endpoint: Endpoint;
  counters: CounterBlock;
}

/** What the thread brings to its endpoint; the rest of EndpointParts is built here. */
type EndpointHooks = Pick<
  EndpointParts,
  'generation' | 'gids' | 'parcels' | 'maxQueue' | 'onUnobserved' | 'onExpired' | 'onDeadline' | 'onAbort' | 'safePoint'
>;

export interface ConnectOptions extends EndpointHooks {
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** 0 for the main thread, 1 + w for worker w. */
  thread: number;
  /** Counters, timing and histograms on (the default), or off for the last few percent. */
  metrics: boolean;
}

export function connect(options: ConnectOptions): Connection {
  const { buffer, layout, thread, metrics, ...hooks } = options;
  const views = viewsOf(buffer);
  const submissions = new Ring(views, layout.submissionRing, layout.queueCapacity);
  const inboxes = layout.inboxes.map((offset, i) => new Ring(views, offset, layout.inboxCapacities[i]));
  const arena = new Arena(views, layout.arena, layout.arenaBytes);
  const code = new CodeTable(views, layout.codeTable, layout.codeEntries, layout.codeTextBytes);
  const counters = new CounterBlock(buffer, layout.statsBlocks[thread], metrics);
  const endpoint = new Endpoint({
    ...hooks,
    views,
    submissions,
    inbox: inboxes[thread],
    workers: layout.workers,
    inboxIndex: thread,
    arena,
    code,
    counters,
    timing: metrics,
    launchHooks: thread === 0,
  });
  return { views, submissions, inboxes, arena, code, endpoint, counters };
}
