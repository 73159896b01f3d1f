/**
 * The `limiter` option of go.with, group, pools and pipeline stages: tasks start only as fast as
 * a shared rate limiter (core's RateLimiter, one token bucket in shared memory) allows, whichever
 * thread or helper starts them, so one limit holds across all of them.
 *
 * A task that finds a token starts at once; one that must wait gets its handle now and starts
 * once its token is due (deferred.ts). A task cancelled while it waits never starts, but its
 * token is spent: the limiter reserved it in turn.
 */
import { InvalidArgumentError, RateLimiter, type Submitter, type TaskHandle, got } from '@routine/core';
import { deferredHandle, startDeferred } from './deferred.js';

export function checkLimiter(where: string, limiter: unknown): RateLimiter | undefined {
  if (limiter === undefined || limiter instanceof RateLimiter) return limiter;
  throw new InvalidArgumentError(`${where}({ limiter }) takes a rateLimiter({ perSecond, burst }), ${got(limiter)}`);
}

/** `on`, with every task it starts first taking a token from `limiter`. */
export function limitedOn(on: Submitter, limiter: RateLimiter | undefined): Submitter {
  if (!limiter) return on;
  return {
    reserveGid: () => on.reserveGid(),
    submit<R>(fn: unknown, args: unknown[], options?: Parameters<Submitter['submit']>[2]): TaskHandle<R> {
      if (limiter.tryTake()) return on.submit<R>(fn, args, options);
      const handle = deferredHandle(on, 'for a token from its rate limiter', (gaveUp, error) => gaveUp.settle(false, error));
      void limiter.take().then(() => {
        if (!handle.settled) startDeferred(on, handle, fn, args, (ok, outcome) => handle.settle(ok, outcome), options);
      });
      return handle as TaskHandle<R>;
    },
  };
}
