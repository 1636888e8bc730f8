import { stat } from 'node:fs/promises'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import { RouteNotFoundError } from '../errors/http.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { GatewayMetrics } from '../metrics/createMetrics.ts'
import { type ModelRoutesOptions, registerModelRoutes } from '../models/http/registerModelRoutes.ts'
import type { GatewayDatabase } from '../storage/GatewayDatabase.ts'
import { appMissingPage } from './appMissingPage.ts'
import { responseHeaders } from './isolationHeaders.ts'
import { pageHeaders } from './pageHeaders.ts'
import { toErrorResponse } from './toErrorResponse.ts'
import { crossOriginResourceHeaders, embedHeaders, isWidgetFile } from './widgetHeaders.ts'

export type CreateHttpServerParameters = {
  /** Directory of the built web app; need not exist (a page then says to build it). */
  appDir: string
  version: string
  /** `performance.now()` when the gateway started, for `uptimeS`. */
  startedAt: number
}

export type HttpServerComponents = {
  logger: Logger
  metrics: GatewayMetrics
  database: GatewayDatabase
  /** The model routes' registry and settings; without them no model routes exist. */
  models?: ModelRoutesOptions | undefined
  /**
   * WebSocket sources for the pages' CSP connect-src (websocketSources of the libp2p node's
   * current addresses); asked at each request, since listeners bind after the server is built.
   */
  connectSources?: (() => readonly string[]) | undefined
}

export type CreateHttpServerReturnType = FastifyInstance

/** Paths of the versioned HTTP API: never answered with the app's HTML. */
const apiPath = /^\/v\d+(\/|$)/
/** Probes hit these every few seconds; their request lines go to debug so they do not drown info. */
const quietRoutes = new Set(['/healthz', '/metrics'])
/** Vite puts content-hashed files under assets/: a changed file gets a new name, so cache forever. */
const immutableCacheControl = 'public, max-age=31536000, immutable'
/** Everything else (index.html above all) is revalidated with its ETag on each use. */
const revalidateCacheControl = 'no-cache'
/** The "run npm run build" page styles itself inline and runs nothing. */
const appMissingPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

/**
 * The gateway's HTTP server: health, metrics, the built web app with SPA fallback, and JSON errors.
 * Returned unstarted; the caller listens and closes it.
 */
export function createHttpServer(
  { appDir, version, startedAt }: CreateHttpServerParameters,
  components: HttpServerComponents,
): CreateHttpServerReturnType {
  const { metrics, database } = components
  // Typed as fastify's logger so the instance keeps fastify's default generics.
  const logger: FastifyBaseLogger = namespacedLogger(components.logger, 'gateway:http')
  const indexFile = path.join(appDir, 'index.html')
  const headersFor = memoizedPageHeaders(components.connectSources)

  const app = Fastify({
    loggerInstance: logger,
    // One line per request (in onResponse, with status and duration) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids come from us, not from a header any client can set.
    requestIdHeader: false,
    // Errors before routing (a malformed URL) get the same headers and body as every other error.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  })

  // Every response gets the app's CSP (a worker script takes the policy of its own response; an
  // error page must not be framable either); /embed replaces it with its framable variant.
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(responseHeaders).headers(headersFor('none'))
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { method: request.method, route, status: String(reply.statusCode) }
    metrics.httpRequestsTotal.inc(labels)
    metrics.httpRequestDurationSeconds.observe(labels, reply.elapsedTime / 1000)
    const line = {
      method: request.method,
      // The path only: query strings may carry tokens that do not belong in logs.
      path: pathOf(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    }
    if (quietRoutes.has(route)) request.log.debug(line, 'request')
    else request.log.info(line, 'request')
  })

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply))

  function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { status, body, headers, internal } = toErrorResponse(error)
    if (internal) request.log.error({ err: error }, 'request failed')
    else request.log.debug({ err: error, status }, 'request rejected')
    return reply
      .code(status)
      .headers(responseHeaders)
      .headers(headersFor('none'))
      .headers(headers)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(body)
  }

  app.get('/healthz', async (request, reply) => {
    let db: 'ok' | 'error' = 'ok'
    try {
      await database.check()
    } catch (error) {
      db = 'error'
      request.log.error({ err: error }, 'health check: database failed')
    }
    reply.code(db === 'ok' ? 200 : 503).header('cache-control', 'no-store')
    return {
      status: db === 'ok' ? 'ok' : 'error',
      version,
      uptimeS: Math.round(performance.now() - startedAt) / 1000,
      db,
    }
  })

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics()
    reply.type(metrics.registry.contentType).header('cache-control', 'no-store')
    return body
  })

  if (components.models) app.register(registerModelRoutes, components.models)

  // The app's entry point answers any client, not only those that ask for HTML (curl, probes).
  app.get('/', (_request, reply) => serveIndex(reply))
  app.get('/dashboard', (_request, reply) => serveIndex(reply))
  app.get('/network', (_request, reply) => serveIndex(reply))
  // The page the partner widget frames (src/ui/embed): the app's entry, embeddable cross-origin.
  app.get('/embed', (_request, reply) =>
    serveIndex(
      reply.headers(embedHeaders).headers(headersFor('any')).removeHeader('x-frame-options'),
    ),
  )

  app.register(fastifyStatic, {
    root: appDir,
    // Looked up per request (no file list at startup), so a build made while running is served.
    wildcard: true,
    index: false,
    redirect: false,
    // @fastify/static defaults to serving dotfiles; an .env or .git copied into dist must not leak.
    dotfiles: 'ignore',
    cacheControl: false,
    etag: true,
    lastModified: true,
    acceptRanges: true,
    // A missing app directory is expected (fresh checkout); the gateway logs its own warning.
    suppressWarning: true,
    setHeaders: (reply, filePath) => {
      const relative = path.relative(appDir, filePath)
      if (isWidgetFile(relative)) reply.headers(crossOriginResourceHeaders)
      reply.header(
        'cache-control',
        relative.startsWith(`assets${path.sep}`) ? immutableCacheControl : revalidateCacheControl,
      )
    },
  })

  app.setNotFoundHandler((request, reply) => {
    const pathname = pathOf(request.url)
    const isRead = request.method === 'GET' || request.method === 'HEAD'
    // The same path answers HTML or a JSON 404 depending on Accept: caches must key on it.
    reply.header('vary', 'Accept')
    // Other client-side paths are navigations: browsers send Accept: text/html.
    if (isRead && !apiPath.test(pathname) && acceptsHtml(request)) return serveIndex(reply)
    return sendError(
      new RouteNotFoundError({ method: request.method, path: pathname }),
      request,
      reply,
    )
  })

  async function serveIndex(reply: FastifyReply): Promise<FastifyReply> {
    const hasIndex = await stat(indexFile).then(
      (s) => s.isFile(),
      () => false,
    )
    if (hasIndex) return reply.code(200).sendFile('index.html')
    return reply
      .code(503)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', appMissingPolicy)
      .send(appMissingPage({ appDir }))
  }

  return app
}

/**
 * pageHeaders for the current connect sources, rebuilt only when those change (each request asks;
 * the load test sends thousands a second).
 */
function memoizedPageHeaders(
  connectSources: (() => readonly string[]) | undefined,
): (framing: 'none' | 'any') => Record<string, string> {
  let key: string | undefined
  let cached: Record<'none' | 'any', Record<string, string>> | undefined
  return (framing) => {
    let sources: readonly string[]
    try {
      sources = connectSources?.() ?? []
    } catch {
      // The node is not running (a request that raced the stop): keep the last policy.
      if (cached) return cached[framing]
      sources = []
    }
    const next = sources.join(' ')
    if (cached === undefined || next !== key) {
      key = next
      cached = {
        none: pageHeaders({ connectSources: sources, framing: 'none' }),
        any: pageHeaders({ connectSources: sources, framing: 'any' }),
      }
    }
    return cached[framing]
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return typeof accept === 'string' && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept)
}
