/** createClusterRuntime's and startClusterWorker's shared options, checked, and the Redis connections made from them. */
import { Redis, type RedisOptions } from 'ioredis';
import { got, InvalidArgumentError } from '@routine/core';
import { ClusterConnectError } from './errors.js';

export type Connection = string | RedisOptions;

export interface ClusterOptions {
  /** A redis:// URL or ioredis options. */
  connection: Connection;
  /** The BullMQ queue callers and workers share. */
  queue: string;
  /** Largest encoded argument list or result, in bytes; default 1 MiB. Above it, go() throws SerializationError. */
  maxPayloadBytes?: number;
  /** Runs a task gets when it fails (BullMQ attempts): default 1, no retry. Timeouts and cancels are never retried. */
  attempts?: number;
  /** Wait between attempts. */
  backoff?: { type: 'fixed' | 'exponential'; delayMs: number };
  /** How long Redis may stay unreachable before pending tasks fail with ClusterUnavailableError; default 30 s. */
  unavailableMs?: number;
  /** How long creation waits for Redis; default 10 s. */
  connectTimeoutMs?: number;
}

export interface Resolved {
  connection: Connection;
  queue: string;
  maxPayloadBytes: number;
  attempts: number;
  backoff: { type: 'fixed' | 'exponential'; delay: number } | undefined;
  unavailableMs: number;
  connectTimeoutMs: number;
}

const KNOWN = new Set(['connection', 'queue', 'maxPayloadBytes', 'attempts', 'backoff', 'unavailableMs', 'connectTimeoutMs']);

export function resolveOptions(options: ClusterOptions, what: string): Resolved {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${what} takes an options object ({ connection, queue }), ${got(options)}`);
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw new InvalidArgumentError(`${what} has no option ${unknown.map((k) => `"${k}"`).join(', ')}; the options are ${[...KNOWN].join(', ')}`);
  const { connection, queue } = options;
  if (typeof connection !== 'string' && (connection === null || typeof connection !== 'object')) {
    throw new InvalidArgumentError(`${what} needs connection: a redis:// URL or ioredis options, ${got(connection)}`);
  }
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection)) {
    throw new InvalidArgumentError(`${what}: connection must be a redis:// (or rediss://) URL such as redis://127.0.0.1:6379, ${got(connection)}`);
  }
  if (typeof queue !== 'string' || !/^[\w.-]{1,200}$/.test(queue)) {
    throw new InvalidArgumentError(`${what} needs queue: a name of letters, digits, '_', '.' or '-', ${got(queue)}`);
  }
  const backoff = options.backoff;
  if (backoff !== undefined && (typeof backoff !== 'object' || !['fixed', 'exponential'].includes(backoff.type) || !(backoff.delayMs >= 0))) {
    throw new InvalidArgumentError(`${what}: backoff is { type: 'fixed' | 'exponential', delayMs: >= 0 }, ${got(backoff)}`);
  }
  return {
    connection,
    queue,
    maxPayloadBytes: whole(options.maxPayloadBytes, 1 << 20, 1, `${what}: maxPayloadBytes`),
    attempts: whole(options.attempts, 1, 1, `${what}: attempts`),
    backoff: backoff && { type: backoff.type, delay: backoff.delayMs },
    unavailableMs: whole(options.unavailableMs, 30_000, 1, `${what}: unavailableMs`),
    connectTimeoutMs: whole(options.connectTimeoutMs, 10_000, 1, `${what}: connectTimeoutMs`),
  };
}

function whole(value: number | undefined, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, ${got(value)}`);
  return value;
}

/**
 * A new connection. BullMQ's blocking reads need one each, and its workers need commands that
 * wait through a reconnect (maxRetriesPerRequest: null) rather than fail after a few tries.
 */
export function redisOf(connection: Connection): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, lazyConnect: false };
  return typeof connection === 'string' ? new Redis(connection, options) : new Redis({ ...connection, ...options });
}

/** `count` connections, the first one ready, handed to `use`; all are dropped if it fails. */
export async function connected<T>(options: Resolved, count: number, use: (connections: Redis[]) => Promise<T>): Promise<T> {
  const connections = Array.from({ length: count }, () => redisOf(options.connection));
  // ioredis reconnects by itself: their owners watch the connections for what a lost Redis means.
  for (const connection of connections) connection.on('error', () => {});
  try {
    await ready(connections[0], options.connection, options.connectTimeoutMs);
    return await use(connections);
  } catch (error) {
    for (const connection of connections) connection.disconnect();
    throw error;
  }
}

/** Where a connection points, for messages (without a password). */
export function describeConnection(connection: Connection): string {
  if (typeof connection === 'string') return connection.replace(/\/\/[^@/]*@/, '//');
  return `redis://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/** Resolves once `redis` is ready, or rejects naming where it tried, after `timeoutMs`. */
export async function ready(redis: Redis, connection: Connection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  let last: Error | undefined;
  const onError = (error: Error): void => void (last = error);
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ClusterConnectError(`cannot reach Redis at ${describeConnection(connection)} within ${timeoutMs} ms${last ? `: ${last.message}` : ''}. Start it (redis-server --port 6379) or fix the URL`));
      }, timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    redis.off('error', onError);
  }
}
