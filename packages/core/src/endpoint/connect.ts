/**
 * Builds one thread's handles on a runtime's buffer: rings, arena, code table, counters and the
 * endpoint it submits through. The main thread and each worker call this with the same layout,
 * so they agree on every offset.
 */
import { CounterBlock } from '@routine/stats';
import { Arena } from '../memory/arena.js';
import { CodeTable } from '../memory/code-table.js';
import { Endpoint } from './endpoint.js';
import { type GidSource } from '../memory/gid.js';
import { type Layout } from '../memory/layout.js';
import { type ParcelClient } from '../control/parcels.js';
import { Ring } from '../memory/ring.js';
import { viewsOf, type Views } from '../memory/views.js';
import { type TaskHandle } from './task-handle.js';

export interface Connection {
  views: Views;
  submissions: Ring;
  inboxes: Ring[];
  arena: Arena;
  code: CodeTable;
  endpoint: Endpoint;
  counters: CounterBlock;
}

export interface ConnectOptions {
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** 0 for the main thread, 1 + w for worker w. */
  thread: number;
  generation: number;
  gids: GidSource;
  parcels: ParcelClient;
  maxQueue: number;
  /** Counters, timing and histograms on (the default), or off for the last few percent. */
  metrics: boolean;
  onUnobserved(error: Error, task: TaskHandle<unknown>): void;
  onExpired?(gid: number): void;
  onDeadline?(gid: number, timeoutMs: number): void;
  onAbort?(gid: number): void;
  safePoint?: { enter(): void; leave(): void };
}

export function connect(options: ConnectOptions): Connection {
  const { layout } = options;
  const views = viewsOf(options.buffer);
  const submissions = new Ring(views, layout.submissionRing, layout.queueCapacity);
  const inboxes = layout.inboxes.map((offset, i) => new Ring(views, offset, layout.inboxCapacities[i]));
  const arena = new Arena(views, layout.arena, layout.arenaBytes);
  const code = new CodeTable(views, layout.codeTable, layout.codeEntries, layout.codeTextBytes);
  const counters = new CounterBlock(options.buffer, layout.statsBlocks[options.thread], options.metrics);
  const endpoint = new Endpoint({
    views,
    submissions,
    inbox: inboxes[options.thread],
    inboxIndex: options.thread,
    generation: options.generation,
    arena,
    code,
    counters,
    timing: options.metrics,
    launchHooks: options.thread === 0,
    gids: options.gids,
    parcels: options.parcels,
    maxQueue: options.maxQueue,
    onUnobserved: options.onUnobserved,
    onExpired: options.onExpired,
    onDeadline: options.onDeadline,
    onAbort: options.onAbort,
    safePoint: options.safePoint,
  });
  return { views, submissions, inboxes, arena, code, endpoint, counters };
}
