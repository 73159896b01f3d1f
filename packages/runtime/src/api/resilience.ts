/**
 * Retries and circuit breakers around tasks, built on cockatiel's policies (a well-kept
 * resilience library) rather than a breaker of our own.
 */
import type { CircuitBreakerPolicy } from 'cockatiel';
import {
  BrokenCircuitError, CancelledError, got, InvalidArgumentError, lazyRequire, MAX_TIMER_MS, type Submitter,
} from '@routine/core';

/** Loaded at the first retry or breaker, not when routine is imported. */
const cockatiel = lazyRequire<typeof import('cockatiel')>(import.meta.url, 'cockatiel');

/** How `goWithRetry` retries a failed task. */
export interface RetryOptions {
  /** Further attempts after the first failure. */
  retries: number;
  /** Wait before the first retry; later ones wait the same (fixed) or double (exponential). */
  delayMs: number;
  /** `fixed` (default): every retry waits `delayMs`; `exponential`: each waits twice the one before. */
  backoff?: 'fixed' | 'exponential';
  /** Aborting it stops retrying and cancels the attempt in flight. */
  signal?: AbortSignal;
}

/** A cancellation is an answer, not a failure to retry. */
const retryable = (): ReturnType<typeof import('cockatiel').handleWhen> => cockatiel().handleWhen((error) => !(error instanceof CancelledError));

/** `goWithRetry` on any submitter (a runtime, a worker's endpoint, a cluster runtime). */
export async function retryOn<R>(on: Submitter, fn: unknown, options: RetryOptions, args: unknown[]): Promise<R> {
  const { retries, delayMs, backoff = 'fixed', signal } = options ?? ({} as RetryOptions);
  if (!Number.isInteger(retries) || retries < 0) throw new InvalidArgumentError(`goWithRetry: retries must be a whole number >= 0, ${got(retries)}`);
  // The retry library waits with one setTimeout, which fires a longer delay after 1 ms.
  if (typeof delayMs !== 'number' || !(delayMs >= 0 && delayMs <= MAX_TIMER_MS)) {
    throw new InvalidArgumentError(`goWithRetry: delayMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, ${got(delayMs)}`);
  }
  if (backoff !== 'fixed' && backoff !== 'exponential') throw new InvalidArgumentError(`goWithRetry: backoff is 'fixed' or 'exponential', ${got(backoff)}`);
  const { retry, ConstantBackoff, ExponentialBackoff, noJitterGenerator, TaskCancelledError } = cockatiel();
  const policy = retry(retryable(), {
    maxAttempts: retries,
    backoff:
      backoff === 'fixed'
        ? new ConstantBackoff(delayMs)
        : new ExponentialBackoff({ initialDelay: delayMs, maxDelay: MAX_TIMER_MS, generator: noJitterGenerator }),
  });
  try {
    return await policy.execute(({ signal: attempt }) => on.submit<R>(fn, args, { signal: attempt }), signal);
  } catch (error) {
    if (error instanceof TaskCancelledError) throw new CancelledError('goWithRetry was cancelled', { cause: signal?.reason });
    throw error;
  }
}

/** How `configureCircuitBreaker` opens and closes a named circuit. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  threshold?: number;
  /** How long it stays open before letting one trial call through (half-open); default 10 s. */
  halfOpenAfterMs?: number;
}

const breakers = new Map<string, CircuitBreakerPolicy>();

/** Creates or replaces the breaker named `name`. */
export function configureCircuitBreaker(name: string, options: BreakerOptions = {}): void {
  const threshold = options.threshold ?? 5;
  const halfOpenAfter = options.halfOpenAfterMs ?? 10_000;
  if (!Number.isInteger(threshold) || threshold < 1) throw new InvalidArgumentError(`circuit breaker "${name}": threshold must be a whole number >= 1, ${got(threshold)}`);
  if (!(halfOpenAfter >= 0)) throw new InvalidArgumentError(`circuit breaker "${name}": halfOpenAfterMs must be >= 0, ${got(halfOpenAfter)}`);
  const { circuitBreaker, ConsecutiveBreaker } = cockatiel();
  breakers.set(name, circuitBreaker(retryable(), { halfOpenAfter, breaker: new ConsecutiveBreaker(threshold) }));
}

/** 'closed' (calls go through), 'open' (refused), 'half-open' (one trial call), or 'isolated'. */
export function circuitBreakerState(name: string): 'closed' | 'open' | 'half-open' | 'isolated' {
  const breaker = breakers.get(name);
  if (!breaker) return 'closed';
  const { CircuitState } = cockatiel();
  const state = breaker.state;
  return state === CircuitState.Open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : state === CircuitState.Isolated ? 'isolated' : 'closed';
}

export async function breakerOn<R>(on: Submitter, name: string, fn: unknown, args: unknown[]): Promise<R> {
  if (!breakers.has(name)) configureCircuitBreaker(name);
  try {
    return await breakers.get(name)!.execute(() => on.submit<R>(fn, args));
  } catch (error) {
    if (error instanceof cockatiel().BrokenCircuitError) {
      throw new BrokenCircuitError(`circuit "${name}" is open: recent calls kept failing, so this one was not started`, { cause: error });
    }
    throw error;
  }
}
