/**
 * Entry point of every routine worker thread. It attaches to the runtime's shared buffer,
 * imports the setup module if there is one, and runs the executor until the runtime stops.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  adoptGidCounter, connect, GidSource, logTo, routineLogger, ControlClient, SafePoint, setWorkerEndpoint,
  reportUnobserved, WORKER_LEFT, WORKER_READY, WorkerWord, BootState, type WorkerBoot, setProgressSink, watchRunState, Header, BlockedBoard, setSpanSink,
} from '@routine/core';
import { TaskTimer } from '@routine/stats';
import { Executor } from './executor.js';

installToolchainHelpers();

const boot = workerData as WorkerBoot;
logTo((line) => boot.log.postMessage(line), boot.logLevel);
adoptGidCounter(boot.gidCounter);
const thread = 1 + boot.index;
const control = new ControlClient(boot.control, boot.parcels);
const block = boot.layout.workerBlocks[boot.index];
const words = new Int32Array(boot.buffer);
const safePoint = new SafePoint(words, block / 4 + WorkerWord.SAFETY);
const connection = connect({
  buffer: boot.buffer,
  layout: boot.layout,
  thread,
  generation: boot.generation,
  gids: new GidSource(boot.gidCounter),
  parcels: control,
  maxQueue: Infinity,
  metrics: boot.metrics,
  onDeadline: (gid, timeoutMs) => control.watchDeadline(gid, timeoutMs),
  onAbort: (gid) => control.abortTask(gid),
  safePoint,
  onUnobserved: (error, gid, traceId) => reportUnobserved(routineLogger(), error, gid, traceId),
});
setWorkerEndpoint(connection.endpoint, boot.runtime);
setProgressSink((gid, ticket, reply, value) => control.progress(gid, ticket, reply, value));
control.receiveProgress((gid, ticket, value) => connection.endpoint.deliverProgress(ticket, gid, value));
setSpanSink((spans) => control.spans(spans), words);
watchRunState(words, Header.STATE, new BlockedBoard(boot.buffer, block / 4 + WorkerWord.BLOCKED));
if (boot.setup) await import(boot.setup);
// The runtime may have stopped while this worker booted, and ended it: then it takes nothing.
if (Atomics.compareExchange(words, block / 4 + WorkerWord.BOOT, BootState.booting, BootState.claiming) !== BootState.booting) {
  process.exit(0);
}
parentPort!.postMessage(WORKER_READY);

const ownInbox = connection.inboxes[thread];
await new Executor({
  ...connection,
  ownInbox,
  parcels: control,
  worker: boot.index,
  layout: boot.layout,
  spill: boot.spill,
  timer: boot.metrics ? new TaskTimer(boot.buffer, boot.layout.statsBlocks[thread]) : undefined,
  safePoint,
}).run();
connection.endpoint.reportUnobserved();
boot.control.close();
boot.parcels.close();
boot.log.close();
parentPort!.postMessage(WORKER_LEFT);
// A task may have left timers or sockets open; they must not keep a stopped worker from leaving
// (its runtime's close() waits for it). What it posted is delivered before its exit.
process.exit(0);

/**
 * esbuild-based toolchains (tsx, vitest, esbuild's keepNames) wrap named functions in `__name`
 * calls; an inline task compiled by one of them carries those calls to the worker.
 */
function installToolchainHelpers(): void {
  const scope = globalThis as { __name?: unknown };
  scope.__name ??= (target: object, value: string) => {
    try {
      Object.defineProperty(target, 'name', { value, configurable: true });
    } catch {
      // a frozen function keeps its name
    }
    return target;
  };
}
