/**
 * /debug/routines: what every runtime of the process runs now, read from shared memory (dump.ts),
 * so it answers while every worker is stuck in a synchronous loop. As JSON, or as text laid out
 * like Go's goroutine dump (`/debug/pprof/goroutine?debug=2`), one block per task.
 */
import { registered } from '../dispatch/registry.js';
import type { RunningTask } from '../dispatch/dump.js';

/** One runtime or pool in /debug/routines. */
export interface RuntimeRoutines {
  /** The runtime's name, or the pool's. */
  name: string;
  /** Its Prometheus labels in /metrics (`runtime` or `pool`). */
  labels: Record<string, string>;
  /** Worker threads it has now. */
  workers: number;
  /** Tasks accepted and not yet started (in the ring or waiting behind it); null with metrics off. */
  queued: number | null;
  /** Tasks in the runtime's own line: held by pause(), or behind higher priorities. */
  held: number;
  /** Whether pause() holds its new tasks. */
  paused: boolean;
  /** A pool's submitWait calls waiting for room. */
  waitingForRoom?: number;
  /** Its tasks running now (as dump() gives them), with the name of the runtime they run on. */
  running: (RunningTask & {
    /** The runtime's name. */
    runtime: string;
  })[];
}

/** What /debug/routines answers in JSON. */
export interface RoutinesDump {
  /** Tasks running now, over every runtime. */
  running: number;
  /** Every runtime and pool of the process. */
  runtimes: RuntimeRoutines[];
}

export function readRoutines(): RoutinesDump {
  const runtimes = registered().map(({ runtime, labels, pool }): RuntimeRoutines => {
    const name = pool?.name ?? runtime.name;
    let queued: number | null = null;
    try {
      queued = runtime.stats().queued;
    } catch {
      // metrics: false
    }
    return {
      name,
      labels,
      workers: runtime.workers,
      queued,
      held: runtime.heldCount,
      paused: runtime.paused,
      ...(pool ? { waitingForRoom: pool.poolGauges().waiting } : {}),
      running: runtime.dump().map((task) => ({ ...task, runtime: name })),
    };
  });
  return { running: runtimes.reduce((sum, r) => sum + r.running.length, 0), runtimes };
}

/** The dump as text, Go's way: a header, then one block per task, longest-running first. */
export function routinesText(dump: RoutinesDump): string {
  const lines = [`routine dump: ${dump.running} task(s) running in ${dump.runtimes.length} runtime(s)`];
  for (const r of dump.runtimes) {
    const kind = r.labels.pool === undefined ? 'runtime' : 'pool';
    const queued = r.queued === null ? 'queue unknown (metrics off)' : `${r.queued} queued`;
    const room = r.waitingForRoom === undefined ? '' : `, ${r.waitingForRoom} waiting for room`;
    const held = r.held > 0 || r.paused ? `, ${r.held} held${r.paused ? ' (paused)' : ''}` : '';
    lines.push('', `${kind} ${JSON.stringify(r.name)}: ${r.workers} worker(s), ${r.running.length} running, ${queued}${held}${room}`);
    for (const task of r.running) {
      lines.push(
        '',
        `goroutine ${task.gid} [running, ${formatDuration(task.runningForMs)}]${task.name === undefined ? '' : ` ${JSON.stringify(task.name)}`}:`,
        `\t${task.function}`,
        `\tworker ${task.worker}, created by goroutine ${task.parentGid}, trace ${task.traceId}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Go prints "5 minutes"; a task dump wants the finer grain too. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} minutes`;
}
