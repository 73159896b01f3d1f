/**
 * control/: what goes by message rather than shared memory, because it is rare or cannot be shared:
 * this file (comlink calls between a worker and the main thread), parcels.ts (payloads sent by
 * port), worker-boot.ts (what a worker is started with).
 *
 * The control plane: what is rare enough to go by message rather than shared memory. The parcel
 * store (parcels.ts): a worker puts parcels one-way on a plain port, so a value that cannot be
 * cloned fails at once in `put`, and takes (results), borrows (arguments) or drops them through
 * comlink calls on the control port. And stopping a task past its deadline, which only the main thread can do (it holds the
 * Worker handles).
 */
import type { MessagePort } from 'node:worker_threads';
import { expose, transfer, wrap, type Remote } from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Parcel, ParcelClient, ParcelStore } from './parcels.js';
import type { RelayedSpan } from '../task/span-relay.js';

export interface ControlApi {
  takeParcel(key: string): Promise<Parcel>;
  lendParcel(key: string): Promise<Parcel>;
  dropParcel(key: string): void;
  watchDeadline(gid: number, timeoutMs: number): void;
  abortTask(gid: number): void;
}

export interface ControlService {
  store: ParcelStore;
  /** False once the worker's exit has been seen. */
  alive(): boolean;
  /** Stop task `gid` if it is still running `timeoutMs` from now. */
  watchDeadline(gid: number, timeoutMs: number): void;
  /** Abort the signal of task `gid`, which some worker is running. */
  abort(gid: number): void;
  /** Task `gid`, at `ticket` in inbox `reply`'s thread, reported progress (task/progress.ts). */
  progress?(gid: number, ticket: number, reply: number, value: unknown): void;
  /** The worker reports nested tasks it traced (task/span-relay.ts). */
  spans?(spans: RelayedSpan[]): void;
}

interface ParcelMessage {
  key: string;
  parcel: Parcel;
  transferList: ArrayBuffer[];
}

/**
 * Progress rides the parcel port too: one-way, in order with nothing else that matters. The main
 * thread sends a nested task's values on to the worker that started it the same way back.
 */
export interface ProgressMessage {
  progress: number;
  ticket: number;
  reply: number;
  value: unknown;
}

interface SpansMessage {
  spans: RelayedSpan[];
}

/**
 * Main thread: answers one worker's control calls and receives its parcels. `alive` turns false
 * once the worker's exit has been seen: its requests still in flight then get nothing, because a
 * parcel handed to a dead worker would be lost, while the task it belongs to may have been put back
 * in the ring for another worker to take.
 */
export function serveControl(control: MessagePort, parcels: MessagePort, service: ControlService): void {
  const { store, alive } = service;
  const api: ControlApi = {
    async takeParcel(key) {
      if (!alive()) return new Promise<never>(() => {});
      const { parcel, transferList } = await store.takeWithTransfers(key);
      if (!alive()) {
        store.receive(key, parcel, transferList); // it died while we waited for the parcel to arrive
        return new Promise<never>(() => {});
      }
      return transfer(parcel, [...transferList]);
    },
    async lendParcel(key) {
      if (!alive()) return new Promise<never>(() => {});
      const parcel = await store.lend(key);
      if (!alive()) {
        store.reclaim(key); // it died while we waited for the parcel to arrive
        return new Promise<never>(() => {});
      }
      return parcel; // cloned, not moved: the store keeps it until the task runs
    },
    dropParcel(key) {
      if (alive()) store.drop(key);
    },
    watchDeadline(gid, timeoutMs) {
      service.watchDeadline(gid, timeoutMs);
    },
    abortTask(gid) {
      service.abort(gid);
    },
  };
  expose(api, nodeEndpoint(control));
  parcels.on('message', (message: ParcelMessage | ProgressMessage | SpansMessage) => {
    if ('progress' in message) service.progress?.(message.progress, message.ticket, message.reply, message.value);
    else if ('spans' in message) service.spans?.(message.spans);
    else store.receive(message.key, message.parcel, message.transferList);
  });
  // Idle workers must never keep the process alive, and neither may their ports.
  control.unref();
  parcels.unref();
}

/** Worker: its side of the control plane. */
export class ControlClient implements ParcelClient {
  readonly #control: Remote<ControlApi>;
  readonly #parcels: MessagePort;

  constructor(control: MessagePort, parcels: MessagePort) {
    this.#control = wrap<ControlApi>(nodeEndpoint(control));
    this.#parcels = parcels;
  }

  put(key: string, parcel: Parcel, transferList: readonly ArrayBuffer[]): void {
    const message: ParcelMessage = { key, parcel, transferList: [...transferList] };
    this.#parcels.postMessage(message, message.transferList);
  }

  take(key: string): Promise<Parcel> {
    return this.#control.takeParcel(key) as Promise<Parcel>;
  }

  lend(key: string): Promise<Parcel> {
    return this.#control.lendParcel(key) as Promise<Parcel>;
  }

  drop(key: string): void {
    void this.#control.dropParcel(key);
  }

  watchDeadline(gid: number, timeoutMs: number): void {
    void this.#control.watchDeadline(gid, timeoutMs);
  }

  abortTask(gid: number): void {
    void this.#control.abortTask(gid);
  }

  progress(gid: number, ticket: number, reply: number, value: unknown): void {
    const message: ProgressMessage = { progress: gid, ticket, reply, value };
    this.#parcels.postMessage(message);
  }

  /** Takes the progress of the nested tasks this worker started, sent on by the main thread. */
  receiveProgress(deliver: (gid: number, ticket: number, value: unknown) => void): void {
    this.#parcels.on('message', (message: ProgressMessage) => deliver(message.progress, message.ticket, message.value));
    this.#parcels.unref(); // a worker's loop keeps it alive, never its port
  }

  spans(spans: RelayedSpan[]): void {
    const message: SpansMessage = { spans };
    this.#parcels.postMessage(message);
  }
}
