/**
 * Every runtime of this process that has not finished closing, in creation order, with the
 * labels it is exported under: what serveDebug's /metrics and /debug/routines walk. A pool's
 * runtime is listed under the pool (`pool="images"`), any other under its name (`runtime="default"`).
 */
import type { Runtime } from './runtime.js';

/** What a pool adds to its runtime's entry: its own gauges and its line of waiting submits. */
export interface PoolView {
  readonly name: string;
  /** Tasks waiting in submitWait for room, and how many the pool holds at once. */
  poolGauges(): { waiting: number; capacity: number; unsettled: number };
}

export interface Registered {
  runtime: Runtime;
  labels: Record<string, string>;
  pool?: PoolView;
}

const live = new Map<Runtime, Registered>();
let unnamed = 0;

/** A name for a runtime created without one: runtime-1, runtime-2, ... */
export function nextRuntimeName(): string {
  return `runtime-${++unnamed}`;
}

export function register(runtime: Runtime): void {
  live.set(runtime, { runtime, labels: { runtime: runtime.name } });
}

export function unregister(runtime: Runtime): void {
  live.delete(runtime);
}

/** Lists `runtime` under `pool` instead of its own name. */
export function registerPool(runtime: Runtime, pool: PoolView): void {
  live.set(runtime, { runtime, labels: { pool: pool.name }, pool });
}

export function registered(): Registered[] {
  return [...live.values()];
}

export function registrationOf(runtime: Runtime): Registered | undefined {
  return live.get(runtime);
}
