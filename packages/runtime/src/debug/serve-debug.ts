/**
 * serveDebug: Go's net/http/pprof for a routine process. An HTTP server, on loopback unless told
 * otherwise (it shows what the process runs: never expose it beyond the host without a proxy
 * that authenticates), with
 *
 *   GET /metrics                            every runtime and pool, Prometheus text, labelled
 *   GET /debug/routines[?format=text]       the running tasks of every runtime (JSON, or Go's text)
 *   GET /debug/profile?worker=N&seconds=S   a .cpuprofile of one worker (Chrome DevTools loads it)
 *       [&runtime=NAME]                     of the runtime (or pool) NAME; default the one given
 *   GET /healthz                            200 while every runtime can start workers, else 503
 *
 * The server keeps the process alive, as any listening server does: close() it when done.
 * node:http and the inspector are loaded on first use: importing routine costs nothing for them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { got, InvalidArgumentError } from '@routine/core';
import { Runtime } from '../dispatch/runtime.js';
import { registered, registrationOf } from '../dispatch/registry.js';
import { processMetrics } from './metrics.js';
import { readRoutines, routinesText } from './routines.js';

/** Where `serveDebug()` listens, and which runtime it profiles by default. */
export interface ServeDebugOptions {
  /** Default 6060, Go's habit; 0 picks a free port (read it from `url`). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The runtime /debug/profile profiles when the request names none; default the default runtime. */
  runtime?: Runtime;
}

/** A running debug endpoint (see `serveDebug()`). */
export interface DebugServer {
  /** e.g. http://127.0.0.1:6060 */
  readonly url: string;
  /** Stops listening; resolves once the server is closed. */
  close(): Promise<void>;
}

const DEFAULT_SECONDS = 10;
const MAX_SECONDS = 300;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const INDEX = `routine debug endpoints:
  /metrics                               Prometheus metrics of every runtime and pool
  /debug/routines                        running tasks (JSON); ?format=text for Go's goroutine dump layout
  /debug/profile?worker=N&seconds=S      CPU profile of worker N (.cpuprofile); &runtime=NAME for another runtime or pool
  /healthz                               200 ok, or 503 when a runtime cannot start workers
`;

/** Starts the debug server; resolves once it listens. */
export async function serveDebug(options: ServeDebugOptions = {}): Promise<DebugServer> {
  const { port, host, runtime } = checkOptions(options);
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    void handle(request, response, runtime).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : (error as Error)?.name === 'ProfileError' ? 409 : 500;
      if (!response.headersSent) send(response, status, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, runtime: Runtime | undefined): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, `${request.method} is not served here: use GET`);
  const url = new URL(request.url ?? '/', 'http://debug');
  switch (url.pathname) {
    case '/':
    case '/debug':
    case '/debug/':
      return send(response, 200, 'text/plain; charset=utf-8', INDEX);
    case '/metrics':
      return send(response, 200, 'text/plain; version=0.0.4; charset=utf-8', processMetrics());
    case '/debug/routines': {
      const dump = readRoutines();
      const format = url.searchParams.get('format') ?? (url.searchParams.has('debug') ? 'text' : 'json');
      if (format === 'text') return send(response, 200, 'text/plain; charset=utf-8', routinesText(dump));
      if (format === 'json') return send(response, 200, 'application/json', `${JSON.stringify(dump, null, 2)}\n`);
      throw new HttpError(400, `format must be json or text, got ${JSON.stringify(format)}`);
    }
    case '/debug/profile':
      return profile(url.searchParams, response, runtime);
    case '/healthz': {
      const broken = registered().filter(({ runtime: r }) => r.startError !== undefined);
      if (broken.length === 0) return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
      return send(response, 503, 'text/plain; charset=utf-8', broken.map(({ runtime: r }) => `${r.name}: ${r.startError!.message}`).join('\n') + '\n');
    }
    default:
      throw new HttpError(404, `no such endpoint: ${url.pathname}\n\n${INDEX}`);
  }
}

async function profile(params: URLSearchParams, response: ServerResponse, fallback: Runtime | undefined): Promise<void> {
  const target = targetRuntime(params.get('runtime'), fallback);
  const worker = wholeNumber(params, 'worker');
  if (worker >= target.workers) throw new HttpError(400, `worker must be from 0 to ${target.workers - 1}: runtime "${target.name}" has ${target.workers} worker(s)`);
  const seconds = Number(params.get('seconds') ?? DEFAULT_SECONDS);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) throw new HttpError(400, `seconds must be a number above 0 and at most ${MAX_SECONDS}, got ${JSON.stringify(params.get('seconds'))}`);
  const threadId = target.threadIdOf(worker);
  if (threadId === undefined) throw new HttpError(409, `worker ${worker} of runtime "${target.name}" is being replaced; try again`);
  const { profileThread } = await import('./profile.js');
  const result = await profileThread(threadId, seconds);
  response.setHeader('Content-Disposition', `attachment; filename="${target.name}-worker-${worker}.cpuprofile"`);
  send(response, 200, 'application/json', JSON.stringify(result));
}

function targetRuntime(name: string | null, fallback: Runtime | undefined): Runtime {
  const all = registered();
  const names = all.map(({ runtime, pool }) => pool?.name ?? runtime.name);
  if (name !== null) {
    const found = all.find(({ runtime, pool }) => (pool?.name ?? runtime.name) === name);
    if (!found) throw new HttpError(404, `no runtime or pool named ${JSON.stringify(name)}; there are: ${names.join(', ') || 'none'}`);
    return found.runtime;
  }
  if (fallback && registrationOf(fallback)) return fallback;
  const chosen = all.find(({ runtime }) => runtime.name === 'default') ?? (all.length === 1 ? all[0] : undefined);
  if (!chosen) throw new HttpError(400, `name the runtime to profile with &runtime=NAME; there are: ${names.join(', ') || 'none'}`);
  return chosen.runtime;
}

function wholeNumber(params: URLSearchParams, key: string): number {
  const text = params.get(key);
  if (text === null) throw new HttpError(400, `${key} is required, e.g. ?${key}=0`);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new HttpError(400, `${key} must be a whole number >= 0, got ${JSON.stringify(text)}`);
  return value;
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  response.end(body);
}

function checkOptions(options: ServeDebugOptions): { port: number; host: string; runtime: Runtime | undefined } {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`serveDebug() takes an options object ({ port, host, runtime }), ${got(options)}`);
  const port = options.port ?? 6060;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`serveDebug({ port }) must be a whole number from 0 to 65535 (0: any free port), ${got(port)}`);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError(`serveDebug({ host }) must be a host name or address such as "127.0.0.1", ${got(host)}`);
  const runtime = options.runtime;
  if (runtime !== undefined && !(runtime instanceof Runtime)) throw new InvalidArgumentError(`serveDebug({ runtime }) must be a Runtime from createRuntime(), ${got(runtime)}`);
  return { port, host, runtime };
}
