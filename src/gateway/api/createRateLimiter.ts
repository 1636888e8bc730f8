export type RateLimit = { ratePerSecond: number; burst: number }

export type RateLimiter = {
  /**
   * Takes `cost` tokens from `key`'s bucket. Returns 0 when allowed, else the seconds until
   * enough tokens will be there (for Retry-After), taking nothing.
   */
  take(key: string, limit: RateLimit, cost?: number): number
}

/**
 * Per-key token buckets in memory: a bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`. In memory on purpose: limits protect this process, and a restart that forgets
 * them forgives a few requests at most (daily quotas, which matter for money, are in the database).
 */
export function createRateLimiter({
  now = () => performance.now(),
}: {
  now?: () => number
} = {}): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take(key, { ratePerSecond, burst }, cost = 1) {
      const t = now()
      const bucket = buckets.get(key) ?? { tokens: burst, at: t }
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond)
      bucket.at = t
      buckets.set(key, bucket)
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost
        return 0
      }
      return Math.max(1, Math.ceil((Math.min(cost, burst) - bucket.tokens) / ratePerSecond))
    },
  }
}
