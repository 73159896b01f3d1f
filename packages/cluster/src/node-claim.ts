/**
 * A process's node number in the cluster, which gives it a gid range of its own (core's
 * useNodeGids). Numbers are drawn from a counter and held by a key that expires unless renewed,
 * so a number is never held by two live processes, and one left by a dead process is reused.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { MAX_NODE } from '@routine/core';
import { keys } from './keys.js';

const TTL_MS = 30_000;

export class NodeClaim {
  readonly node: number;
  readonly #redis: Redis;
  readonly #timer: NodeJS.Timeout;

  private constructor(redis: Redis, node: number) {
    this.#redis = redis;
    this.node = node;
    this.#timer = setInterval(() => void this.#renew(), TTL_MS / 3).unref();
  }

  static async claim(redis: Redis): Promise<NodeClaim> {
    for (let tries = 0; tries < MAX_NODE; tries++) {
      const node = ((await redis.incr(keys.nodeSeq)) - 1) % MAX_NODE + 1;
      if ((await redis.set(keys.node(node), owner(), 'PX', TTL_MS, 'NX')) === 'OK') return new NodeClaim(redis, node);
    }
    throw new Error(`every one of the ${MAX_NODE} cluster node numbers is held by a live process`);
  }

  /** After a Redis restart without persistence the claim is gone: it is simply taken again. */
  async #renew(): Promise<void> {
    await this.#redis.set(keys.node(this.node), owner(), 'PX', TTL_MS).catch(() => {});
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    await this.#redis.del(keys.node(this.node)).catch(() => {});
  }
}

function owner(): string {
  return `${hostname()}:${process.pid}`;
}
