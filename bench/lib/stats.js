/**
 * Small statistics helpers for the benchmark harness: median and spread of a list of
 * per-operation timings (nanoseconds).
 */

/** The q-quantile (0..1) of a sorted array, by linear interpolation between ranks. */
export function quantileSorted(sorted, q) {
  if (sorted.length === 0) return NaN;
  if (sorted.length === 1) return sorted[0];
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median of a list of numbers. */
export function median(values) {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Summary of samples: median, quartiles, interquartile range, min, max, and the IQR
 * relative to the median (a unitless spread).
 */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const med = quantileSorted(sorted, 0.5);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return {
    n: sorted.length,
    median: med,
    q1,
    q3,
    iqr: q3 - q1,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    rel_iqr: med > 0 ? (q3 - q1) / med : 0,
  };
}
