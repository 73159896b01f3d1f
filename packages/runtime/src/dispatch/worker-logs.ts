/**
 * What workers log, written through the runtime's logger: each worker has a port of its own for
 * its log lines (routine-logger.ts posts them there), and each line is logged here at its level,
 * with its fields and the worker's index, so the logger given to createRuntime (its level, its
 * destination, its bindings) hears the workers as it hears the main thread.
 *
 * A line is posted before the task that logged it completes, so it is already queued when the
 * task settles here; the ports are drained synchronously when a worker exits, when the runtime
 * stops and before the process exits, so a short script loses none of them.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Logger } from 'pino';

type LogFn = (fields: object, message?: string) => void;

const open = new Set<WorkerLogs>();
let exitHooked = false;

export class WorkerLogs {
  readonly #log: () => Logger;
  readonly #ports = new Map<number, MessagePort>();

  constructor(log: () => Logger) {
    this.#log = log;
  }

  /** A fresh port for worker `index`'s lines (its previous one, if any, drained and closed). */
  portFor(index: number): MessagePort {
    this.close(index);
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (line: string) => this.#write(index, line));
    port1.unref();
    this.#ports.set(index, port1);
    open.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('beforeExit', () => {
        for (const logs of open) logs.drain();
      });
    }
    return port2;
  }

  /** Writes every line already posted. */
  drain(): void {
    for (const [index, port] of this.#ports) this.#drain(index, port);
  }

  /** Drains and closes worker `index`'s port. */
  close(index: number): void {
    const port = this.#ports.get(index);
    if (!port) return;
    this.#drain(index, port);
    port.close();
    this.#ports.delete(index);
  }

  closeAll(): void {
    for (const index of [...this.#ports.keys()]) this.close(index);
    open.delete(this);
  }

  #drain(index: number, port: MessagePort): void {
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) this.#write(index, message.message as string);
  }

  #write(worker: number, line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    // What the logger adds itself (time, pid, hostname, its name) is its own, not the worker's.
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, ...fields } = record;
    const log = this.#log();
    const label = log.levels?.labels?.[level as number] ?? 'info';
    const write = (log as unknown as Record<string, LogFn | undefined>)[label];
    if (typeof write === 'function') write.call(log, { ...fields, worker }, typeof msg === 'string' ? msg : undefined);
  }
}
