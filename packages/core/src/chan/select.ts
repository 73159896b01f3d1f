/**
 * Go's `select` over channels on any thread: receive cases, send cases, timers (after(ms) is a
 * receive case) and AbortSignals (ready once aborted, with its reason as the value).
 *
 * Each round tries every case once, in a fresh random order, each under its own channel's lock,
 * and commits the first that can go: so among the cases ready at that moment each is picked with
 * the same chance, and a case not picked is never touched (nothing is taken from its channel).
 * With `default`, a round that finds nothing ready returns it; without, the select parks on all
 * its channels' bells until one moves, then tries again.
 *
 * A send case on an unbuffered channel is ready when a receiver is parked there; picked, it
 * offers the value and waits until that receiver (or, if it left, the next) takes it, as a plain
 * send would. Receive cases on unbuffered channels count as parked receivers while the select
 * waits, so a select that sends and a select that receives meet.
 */
import type { Bell } from '../memory/doorbell.js';
import { ChannelClosedError, InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { runAsync, runSync, type Steps } from '../sync/steps.js';
import { awaitTaken, Chan, type Received, tryRecv } from './chan.js';
import { ChanKind, Put } from './chan-memory.js';
import { encoded, encodeValue } from './values.js';

const CASE = Symbol('select case');

export interface RecvCase<T = unknown> {
  readonly [CASE]: 'recv';
  readonly chan: Chan<T>;
}

export interface SendCase<T = unknown> {
  readonly [CASE]: 'send';
  readonly chan: Chan<T>;
  readonly value: T;
}

/** A channel alone is a receive case (so `after(ms)` is one); a signal is ready once aborted. */
export type SelectCase = RecvCase | SendCase | Chan | AbortSignal;

export interface Selected<V = unknown> {
  /** The case taken; -1 for `default`. */
  index: number;
  /** The value received, the signal's reason, or what `default` returned. */
  value?: V;
  /** For a receive case: false once its channel is closed and drained. */
  ok?: boolean;
}

export interface SelectOptions<D> {
  /** Taken when no case is ready: makes the select non-blocking. */
  default?: () => D;
}

/** A receive case. */
export function recv<T>(ch: Chan<T>): RecvCase<T> {
  return { [CASE]: 'recv', chan: checkChan(ch, 'recv') };
}

/** A send case: `value` is encoded now, sent only if this case is picked. */
export function send<T>(ch: Chan<T>, value: T): SendCase<T> {
  return { [CASE]: 'send', chan: checkChan(ch, 'send'), value };
}

function checkChan<T>(ch: Chan<T>, name: string): Chan<T> {
  if (!(ch instanceof Chan)) throw new InvalidArgumentError(`${name}(ch) takes a channel made by chan(), ${got(ch)}`);
  return ch;
}

type Prepared =
  | { kind: 'recv'; chan: Chan }
  | { kind: 'send'; chan: Chan; payload: Uint8Array; length: number }
  | { kind: 'signal'; signal: AbortSignal };

/** Waits until one case can go, takes it (uniformly at random among the ready ones), and says which. */
export function select<V = unknown, D = unknown>(cases: readonly SelectCase[], options: SelectOptions<D> = {}): Promise<Selected<V | D>> {
  try {
    const prepared = prepare(cases, options);
    return runAsync(selectSteps<V, D>(prepared, options.default), () => describe(prepared), () => bellsOf(prepared));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `select` that blocks this thread: for synchronous code inside a task. */
export function selectSync<V = unknown, D = unknown>(cases: readonly SelectCase[], options: SelectOptions<D> = {}): Selected<V | D> {
  const prepared = prepare(cases, options);
  return runSync(selectSteps<V, D>(prepared, options.default), () => describe(prepared), () => bellsOf(prepared));
}

function prepare(cases: readonly SelectCase[], options: SelectOptions<unknown>): Prepared[] {
  if (!Array.isArray(cases)) throw new InvalidArgumentError(`select(cases) takes an array of cases (recv(ch), send(ch, v), a channel, an AbortSignal), ${got(cases)}`);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`select(cases, options) takes an options object ({ default }), ${got(options)}`);
  if (options.default !== undefined && typeof options.default !== 'function') {
    throw new InvalidArgumentError(`select({ default }) takes a function, called when no case is ready, ${got(options.default)}`);
  }
  return cases.map((c, i): Prepared => {
    if (c instanceof Chan) return { kind: 'recv', chan: c };
    if (c instanceof AbortSignal) return { kind: 'signal', signal: c };
    const kind = (c as { [CASE]?: unknown } | null)?.[CASE];
    if (kind === 'recv') return { kind, chan: (c as RecvCase).chan };
    if (kind === 'send') {
      const { chan, value } = c as SendCase;
      if (chan.memory.kind !== ChanKind.plain) throw new InvalidArgumentError(`select case ${i}: after() and ticker() channels are receive-only`);
      const length = encodeValue(value, chan.memory.maxValue);
      return { kind, chan, payload: encoded().slice(0, length), length };
    }
    throw new InvalidArgumentError(`select case ${i} is not a case: use recv(ch), send(ch, v), a channel or an AbortSignal, ${got(c)}`);
  });
}

function* selectSteps<V, D>(cases: Prepared[], fallback: (() => D) | undefined): Steps<Selected<V | D>> {
  const order = cases.map((_, i) => i);
  const unbufferedRecvs = cases.flatMap((c) => (c.kind === 'recv' && c.chan.capacity === 0 && c.chan.memory.kind === ChanKind.plain ? [c.chan] : []));
  let parked = false;
  try {
    for (;;) {
      shuffle(order);
      for (const index of order) {
        const c = cases[index];
        if (c.kind === 'signal') {
          if (c.signal.aborted) return { index, value: c.signal.reason as V };
        } else if (c.kind === 'recv') {
          const received: Received<V> | undefined = tryRecv<V>(c.chan.memory);
          if (received) return { index, value: received.value, ok: received.ok };
        } else {
          const memory = c.chan.memory;
          const answer = memory.put(c.payload, c.length, memory.capacity === 0);
          if (answer === Put.closed) throw new ChannelClosedError(`send on a closed channel (chan#${memory.id}, select case ${index})`);
          if (answer === Put.ok) return { index };
          if (answer === Put.offered) {
            if (parked) unpark(unbufferedRecvs);
            parked = false;
            yield* awaitTaken(memory, memory.ticket);
            return { index };
          }
        }
      }
      if (fallback) return { index: -1, value: fallback() };
      if (!parked) {
        for (const ch of unbufferedRecvs) ch.memory.receiverWaiting(1);
        parked = true;
      }
      yield { ready: () => cases.some(isReady), until: Math.min(...cases.map(deadlineOf)), signal: signalOf(cases) };
    }
  } finally {
    if (parked) unpark(unbufferedRecvs);
  }
}

function unpark(chans: readonly Chan[]): void {
  for (const ch of chans) ch.memory.receiverWaiting(-1);
}

function isReady(c: Prepared): boolean {
  if (c.kind === 'signal') return c.signal.aborted;
  if (c.kind === 'recv') return c.chan.memory.canTake();
  return c.chan.memory.canPut(c.length, true);
}

function deadlineOf(c: Prepared): number {
  return c.kind === 'recv' ? c.chan.memory.deadline : Infinity;
}

function signalOf(cases: Prepared[]): AbortSignal | undefined {
  const signals = cases.flatMap((c) => (c.kind === 'signal' ? [c.signal] : []));
  return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
}

function bellsOf(cases: Prepared[]): Bell[] {
  return [...new Set(cases.flatMap((c) => (c.kind === 'signal' ? [] : [c.chan.memory.bell])))];
}

function describe(cases: Prepared[]): string {
  return `select on ${cases.map((c) => (c.kind === 'signal' ? 'a signal' : `${c.kind} chan#${c.chan.memory.id}`)).join(', ')}`;
}

function shuffle(order: number[]): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
}
