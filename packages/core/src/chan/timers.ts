/**
 * Go's `time.After` and `time.Ticker` as channels. No timer thread or callback is involved: the
 * deadline lives in the channel's memory and a receive compares it with the clock, so a timer made
 * on one thread fires for a receiver on another, and for a task blocked in synchronous code whose
 * own timers cannot run (waits on a timer channel end at its deadline, see sync/steps.ts).
 *
 * `after(ms)` delivers one value, the time it was received (Date.now()), once `ms` have passed.
 * A ticker delivers at most one tick per period and, like Go's, drops the ticks a slow receiver
 * missed rather than queueing them; `stop()` ends the ticks without closing the channel.
 */
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { Chan } from './chan.js';
import { ChanKind, ChanMemory } from './chan-memory.js';

function checkMs(name: string, ms: unknown, least: number): number {
  if (typeof ms !== 'number' || !(ms >= least) || ms === Infinity) {
    throw new InvalidArgumentError(`${name}(ms) takes a finite number of milliseconds >= ${least}, ${got(ms)}`);
  }
  return ms;
}

/** A channel that receives one value, Date.now(), `ms` from now. */
export function after(ms: number): Chan<number> {
  const memory = ChanMemory.create(1, 16, 16, ChanKind.after);
  memory.arm(Date.now() + checkMs('after', ms, 0), 0);
  return new Chan<number>(memory.buffer);
}

export class Ticker extends Chan<number> {
  /** No more ticks after this (the channel stays open, as in Go). */
  stop(): void {
    this.memory.stopTimer();
  }
}

/** A channel that receives Date.now() every `ms`, dropping ticks a slow receiver missed. */
export function ticker(ms: number): Ticker {
  const memory = ChanMemory.create(1, 16, 16, ChanKind.ticker);
  const period = checkMs('ticker', ms, 1);
  memory.arm(Date.now() + period, period);
  return new Ticker(memory.buffer);
}
