/** Statistics the benchmarks share. */

/** The `fraction` percentile of `samples` (nearest rank); NaN for none. */
export function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
}
