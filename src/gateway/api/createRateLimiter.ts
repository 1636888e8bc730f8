export type RateLimit = { ratePerSecond: number; burst: number }

export type RateLimiter = {
  /**
   * Takes `cost` tokens from `key`'s bucket. Returns 0 when allowed, else the seconds until
   * enough tokens will be there (for Retry-After), taking nothing.
   */
  take(key: string, limit: RateLimit, cost?: number): number
  /** Buckets held (for tests: idle ones are forgotten). */
  size(): number
}

export type CreateRateLimiterParameters = {
  now?: (() => number) | undefined
  /**
   * Buckets kept before full (idle) ones are forgotten. Keys can come from the network (IP
   * addresses, peer ids), so the map must not grow without bound. Default 10,000.
   */
  maxKeys?: number | undefined
}

/**
 * Per-key token buckets in memory: a bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`. In memory on purpose: limits protect this process, and a restart that forgets
 * them forgives a few requests at most (daily quotas, which matter for money, are in the database).
 * Used per API key, per IP address on routes without a key, per libp2p peer on the work protocol
 * and per IP address for new libp2p connections.
 */
export function createRateLimiter({
  now = () => performance.now(),
  maxKeys = 10_000,
}: CreateRateLimiterParameters = {}): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number; limit: RateLimit }>()
  let sweepAt = maxKeys

  /** Forgets buckets that have refilled: forgetting them changes no answer. */
  function sweep(t: number): void {
    for (const [key, b] of buckets)
      if (b.tokens + ((t - b.at) / 1000) * b.limit.ratePerSecond >= b.limit.burst)
        buckets.delete(key)
    // Everything still held is busy: sweep again only once as many more keys came.
    sweepAt = Math.max(maxKeys, 2 * buckets.size)
  }

  return {
    take(key, limit, cost = 1) {
      const { ratePerSecond, burst } = limit
      const t = now()
      let bucket = buckets.get(key)
      if (!bucket) {
        if (buckets.size >= sweepAt) sweep(t)
        bucket = { tokens: burst, at: t, limit }
        buckets.set(key, bucket)
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond)
      bucket.at = t
      bucket.limit = limit
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost
        return 0
      }
      return Math.max(1, Math.ceil((Math.min(cost, burst) - bucket.tokens) / ratePerSecond))
    },
    size: () => buckets.size,
  }
}
