/**
 * One clock for every thread of the process, in fractional milliseconds. `performance.now()` is
 * cheap but counts from each thread's own start; adding that start, read once per thread against
 * the process-wide monotonic clock (the one `process.hrtime` reads), makes a time taken on one
 * thread comparable with one taken on another to within a microsecond or so.
 */
const origin = threadOrigin();

function threadOrigin(): number {
  // The tightest of a few readings: a preemption between the two calls would skew it.
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const monotonic = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      origin = monotonic - (before + after) / 2;
    }
  }
  return origin;
}

/** Milliseconds on the process's monotonic clock. */
export function monotonicMs(): number {
  return performance.now() + origin;
}
