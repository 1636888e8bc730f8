import type { FastifyInstance } from 'fastify'
import { RateLimitError } from '../errors/api.ts'
import type { LimitReporter } from '../limits/createLimitReporter.ts'
import type { RateLimit, RateLimiter } from './createRateLimiter.ts'

export type IpRateLimitSettings = RateLimit & {
  /** Path prefixes the limit covers: the routes that need no API key. */
  prefixes: readonly string[]
}

export type IpRateLimitComponents = {
  limiter: RateLimiter
  limits?: LimitReporter | undefined
}

/**
 * A per-IP token bucket on the routes that need no API key (sign-in nonces and verification,
 * delegation nonces, ledger and earnings): each answer costs the gateway a database write or a
 * signature check, and without a key there is nobody else to hold to account. Over the limit:
 * 429 IP_RATE_LIMITED with Retry-After, before the route runs. The address is the socket's
 * (fastify's `request.ip` without trustProxy): behind a reverse proxy, raise the limit.
 * Register before the routes it covers.
 */
export function registerIpRateLimit(
  app: FastifyInstance,
  settings: IpRateLimitSettings,
  components: IpRateLimitComponents,
): void {
  const { prefixes } = settings
  const limit = { ratePerSecond: settings.ratePerSecond, burst: settings.burst }
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url
    if (!prefixes.some((prefix) => url.startsWith(prefix))) return
    const wait = components.limiter.take(request.ip, limit)
    if (wait === 0) return
    components.limits?.reject('ip_rate', request.ip, { path: url.split('?')[0] })
    reply.header('retry-after', String(wait))
    throw new RateLimitError(
      'IP_RATE_LIMITED',
      `Too many requests from this address; try again in ${wait} s.`,
      { retryAfterS: wait },
    )
  })
}
