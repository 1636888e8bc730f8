/** One cumulative bucket of a Prometheus histogram: observations <= `le`. */
export type HistogramBucket = { le: number; count: number }

/**
 * The q-quantile of a Prometheus histogram from its cumulative buckets, as PromQL's
 * `histogram_quantile` estimates it: linear interpolation inside the bucket the rank falls in (from
 * 0 for the first bucket); a rank in the +Inf bucket answers the highest finite bound. Null when
 * nothing was observed.
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total === 0) return null
  const rank = q * total
  let lowerBound = 0
  let lowerCount = 0
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound
      const inBucket = bucket.count - lowerCount
      if (inBucket === 0) return bucket.le
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket)
    }
    lowerBound = bucket.le
    lowerCount = bucket.count
  }
  return lowerBound
}
