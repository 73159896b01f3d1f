/**
 * Log-linear histogram buckets over whole microseconds, the shape HdrHistogram uses at low
 * precision: values below 16 µs get a bucket each; above, every power of two is split into 8
 * equal buckets, so a bucket is at most 12.5% wide and a percentile read back from its midpoint
 * is within 6.25% of the truth. 240 buckets reach 2^32 µs (71 minutes); longer values land in
 * the last one (min and max stay exact).
 */
const LINEAR = 16;
const SUB_BITS = 3;
const SUB = 1 << SUB_BITS;
const FIRST_EXPONENT = 4;
const LAST_EXPONENT = 31;

export const HISTOGRAM_BUCKETS = LINEAR + (LAST_EXPONENT - FIRST_EXPONENT + 1) * SUB;

/** Bucket index of a duration in microseconds. */
export function bucketOf(micros: number): number {
  if (!(micros >= 1)) return 0; // also NaN and negatives (clock skew between threads)
  if (micros >= 2 ** 32) return HISTOGRAM_BUCKETS - 1;
  const value = micros >>> 0;
  if (value < LINEAR) return value;
  const exponent = 31 - Math.clz32(value);
  return LINEAR + (exponent - FIRST_EXPONENT) * SUB + ((value >>> (exponent - SUB_BITS)) & (SUB - 1));
}

/** Smallest whole microsecond value that falls in bucket `index`. */
export function bucketLower(index: number): number {
  if (index < LINEAR) return index;
  const exponent = FIRST_EXPONENT + Math.floor((index - LINEAR) / SUB);
  return (SUB + ((index - LINEAR) % SUB)) * 2 ** (exponent - SUB_BITS);
}

/** Exclusive upper bound of bucket `index` in microseconds. */
export function bucketUpper(index: number): number {
  return index === HISTOGRAM_BUCKETS - 1 ? Infinity : bucketLower(index + 1);
}

export interface HistogramSummary {
  /** Values recorded. */
  count: number;
  /** Microseconds, all exact except the percentiles (within a bucket: 6.25%). */
  sum: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Raw state of one histogram (or of several added together). */
export interface HistogramData {
  buckets: number[];
  sum: number;
  min: number;
  max: number;
}

export function emptyHistogram(): HistogramData {
  return { buckets: new Array<number>(HISTOGRAM_BUCKETS).fill(0), sum: 0, min: Infinity, max: -Infinity };
}

export function addHistogram(into: HistogramData, from: HistogramData): void {
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) into.buckets[i] += from.buckets[i];
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
}

export function summarize(data: HistogramData): HistogramSummary {
  const count = data.buckets.reduce((total, n) => total + n, 0);
  if (count === 0) return { count: 0, sum: 0, mean: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const percentile = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += data.buckets[i];
      if (seen >= rank) {
        const upper = Math.min(bucketUpper(i), data.max);
        const middle = (bucketLower(i) + upper) / 2;
        return Math.min(data.max, Math.max(data.min, middle));
      }
    }
    return data.max;
  };
  return {
    count,
    sum: data.sum,
    mean: data.sum / count,
    min: data.min,
    p50: percentile(0.5),
    p90: percentile(0.9),
    p99: percentile(0.99),
    max: data.max,
  };
}
