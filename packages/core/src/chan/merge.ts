/**
 * Fan-in: one channel that receives everything sent on several, closed once all of them are
 * closed and drained. The forwarding runs on the thread that called `merge`, one loop per input,
 * so each input's order is kept; the order between inputs is whatever arrives first.
 */
import { InvalidArgumentError } from '../task/errors.js';
import { got } from '../task/got.js';
import { Chan, chan } from './chan.js';

export function merge<T>(...inputs: Chan<T>[]): Chan<T> {
  for (const [i, input] of inputs.entries()) {
    if (!(input instanceof Chan)) throw new InvalidArgumentError(`merge(...channels) takes channels, argument ${i} ${got(input)}`);
  }
  const out = chan<T>(0, { maxValueBytes: Math.max(16, ...inputs.map((input) => input.memory.maxValue)) });
  const forward = async (input: Chan<T>): Promise<void> => {
    for await (const value of input) await out.send(value);
  };
  void Promise.allSettled(inputs.map(forward)).then(() => {
    if (!out.closed) out.close();
  });
  return out;
}
