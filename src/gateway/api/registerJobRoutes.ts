import { encode as encodeCbor } from 'cborg'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { decodeCbor } from '../../protocol/codec/decodeCbor.ts'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import { ApiKeyError, JobRequestError, RateLimitError } from '../errors/api.ts'
import type { LimitReporter } from '../limits/createLimitReporter.ts'
import type { LimitName } from '../limits/LimitName.ts'
import type { Scheduler } from '../scheduler/createScheduler.ts'
import type { NewJob } from '../scheduler/JobStore.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import type { ApiKey, ApiKeyStore } from './ApiKeyStore.ts'
import type { RateLimiter } from './createRateLimiter.ts'
import { parseBatchRequest, parseJobRequest } from './parseJobRequest.ts'
import { prepareJob } from './prepareJob.ts'
import { toJobView } from './toJobView.ts'

export type JobApiSettings = {
  /** Largest request body, JSON or CBOR. */
  maxBodyBytes: number
  /** Largest total of input tensor bytes in one job. */
  maxInputBytes: number
  maxBatchJobs: number
  /** Longest long-poll (`GET /v1/jobs/:id?wait=`). */
  maxWaitSeconds: number
  maxRedundancy: number
  /** Attempts a job gets unless it asks for fewer or more (up to maxAttemptsLimit). */
  defaultMaxAttempts: number
  /** Micro-credits per verified result for a job that names no price. */
  defaultPrice?: bigint | undefined
  maxAttemptsLimit: number
  /** Most jobs one API key may have open (queued or leased); 0: no limit. */
  maxOpenJobsPerKey?: number | undefined
}

export type JobApiComponents = {
  scheduler: Pick<
    Scheduler,
    'submit' | 'cancel' | 'getJob' | 'getResults' | 'waitForSettled' | 'requesterLoad'
  >
  catalog: ModelCatalog
  apiKeys: Pick<ApiKeyStore, 'findBySecret'>
  rateLimiter: RateLimiter
  /** Counts and logs requests refused by a limit (rate, quota, open jobs, sizes). */
  limits?: LimitReporter | undefined
  now?: (() => number) | undefined
}

/** Seconds a requester whose queue is full is asked to wait before trying again. */
const QUEUE_FULL_RETRY_AFTER_S = 5

const cborType = 'application/cbor'
/** Job ids are UUIDs; anything else cannot name a job, and is not worth a database lookup. */
const jobIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The requester API: submit (one job or a batch; JSON with base64 tensors or CBOR with byte
 * strings), read a job with an optional long-poll, cancel. Every route needs an API key
 * (`Authorization: Bearer <key>`), checked with its rate limit before the body is read. Bodies
 * are checked field by field and against the model manifest before anything is stored.
 */
export function registerJobRoutes(
  app: FastifyInstance,
  settings: JobApiSettings,
  components: JobApiComponents,
): void {
  const { scheduler, catalog, apiKeys, rateLimiter } = components
  const now = components.now ?? Date.now
  const keys = new WeakMap<FastifyRequest, ApiKey>()
  const limits = { maxRedundancy: settings.maxRedundancy, maxAttempts: settings.maxAttemptsLimit }

  app.register(async (api) => {
    api.addContentTypeParser(
      cborType,
      { parseAs: 'buffer', bodyLimit: settings.maxBodyBytes },
      (_request, body, done) => {
        try {
          done(null, decodeCbor(body as Buffer, { maxBytes: settings.maxBodyBytes }))
        } catch (error) {
          done(error as Error, undefined)
        }
      },
    )

    // Every refusal by a limit is counted and logged in one place, whichever step raised it.
    api.addHook('onError', async (request, _reply, error) => {
      const limit = limitOf(error)
      if (limit)
        components.limits?.reject(limit, keys.get(request)?.id ?? request.ip, {
          route: request.routeOptions.url ?? request.url,
        })
    })

    api.addHook('onRequest', async (request, reply) => {
      const key = await authenticate(request)
      const wait = rateLimiter.take(key.id, key)
      if (wait > 0) {
        reply.header('retry-after', String(wait))
        throw new RateLimitError('RATE_LIMITED', 'Too many requests for this API key.', {
          retryAfterS: wait,
        })
      }
      keys.set(request, key)
    })

    const routeOptions = { bodyLimit: settings.maxBodyBytes }

    api.post('/v1/jobs', routeOptions, async (request, reply) => {
      const key = keyOf(request)
      const job = prepareJob({
        request: parseJobRequest(request.body, limits),
        requester: key.id,
        catalog,
        maxInputBytes: settings.maxInputBytes,
        defaultMaxAttempts: settings.defaultMaxAttempts,
        defaultPrice: settings.defaultPrice,
        now: now(),
      })
      await submit([job], key, reply)
      reply.code(202).header('location', `/v1/jobs/${job.id}`)
      return send(request, reply, await viewOf(job.id, key, request))
    })

    // `::` is fastify's escape for a literal colon: the path is /v1/jobs:batch.
    api.post('/v1/jobs::batch', routeOptions, async (request, reply) => {
      const key = keyOf(request)
      const at = now()
      const jobs = parseBatchRequest(request.body, settings.maxBatchJobs).map((item, index) =>
        prepareJob({
          request: parseJobRequest(item, limits, `jobs[${index}]`),
          requester: key.id,
          catalog,
          maxInputBytes: settings.maxInputBytes,
          defaultMaxAttempts: settings.defaultMaxAttempts,
          defaultPrice: settings.defaultPrice,
          now: at,
          index,
        }),
      )
      await submit(jobs, key, reply)
      reply.code(202)
      return send(request, reply, { jobs: jobs.map((job) => ({ id: job.id, status: 'queued' })) })
    })

    api.get<{ Params: { id: string }; Querystring: { wait?: string } }>(
      '/v1/jobs/:id',
      async (request, reply) => {
        const key = keyOf(request)
        const waitSeconds = parseWait(request.query.wait, settings.maxWaitSeconds)
        await viewOf(request.params.id, key, request, { metadataOnly: true })
        if (waitSeconds > 0) {
          // The poll ends early when the client goes away, so it holds nothing for a dead socket.
          const gone = new AbortController()
          const onClose = () => gone.abort()
          reply.raw.once('close', onClose)
          try {
            await scheduler.waitForSettled(request.params.id, {
              timeoutMs: waitSeconds * 1000,
              signal: gone.signal,
            })
          } finally {
            reply.raw.off('close', onClose)
          }
        }
        reply.header('cache-control', 'no-store')
        return send(request, reply, await viewOf(request.params.id, key, request))
      },
    )

    api.post<{ Params: { id: string } }>('/v1/jobs/:id/cancel', async (request, reply) => {
      const key = keyOf(request)
      if (!jobIdPattern.test(request.params.id)) throw notFound()
      const outcome = await scheduler.cancel(request.params.id, key.id)
      if (outcome.outcome === 'not-found') throw notFound()
      if (outcome.outcome === 'not-cancellable') {
        throw new JobRequestError('JOB_NOT_CANCELLABLE', `The job is already ${outcome.state}.`, {
          state: outcome.state,
        })
      }
      return send(request, reply, await viewOf(request.params.id, key, request))
    })
  })

  async function authenticate(request: FastifyRequest): Promise<ApiKey> {
    const header = request.headers.authorization
    if (!header) throw ApiKeyError.missing()
    const match = /^Bearer\s+(\S{1,256})\s*$/i.exec(header)
    if (!match?.[1]) throw ApiKeyError.missing()
    const key = await apiKeys.findBySecret(match[1])
    if (!key) throw ApiKeyError.invalid()
    return key
  }

  function keyOf(request: FastifyRequest): ApiKey {
    const key = keys.get(request)
    if (!key) throw ApiKeyError.missing()
    return key
  }

  async function submit(jobs: NewJob[], key: ApiKey, reply: FastifyReply): Promise<void> {
    const maxOpen = settings.maxOpenJobsPerKey ?? 0
    const open = scheduler.requesterLoad(key.id).open
    if (maxOpen > 0 && open + jobs.length > maxOpen) {
      reply.header('retry-after', String(QUEUE_FULL_RETRY_AFTER_S))
      throw new RateLimitError(
        'REQUESTER_QUEUE_FULL',
        `This API key has ${open} jobs open and may have at most ${maxOpen}; wait for some to finish (or cancel some), then submit again.`,
        {
          retryAfterS: QUEUE_FULL_RETRY_AFTER_S,
          details: { open, limit: maxOpen, requested: jobs.length },
        },
      )
    }
    const at = new Date(now())
    const quota =
      key.dailyJobQuota === undefined
        ? undefined
        : { requester: key.id, day: at.toISOString().slice(0, 10), limit: key.dailyJobQuota }
    const outcome = await scheduler.submit(jobs, quota)
    if (outcome.ok) return
    const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1)
    const retryAfterS = Math.max(1, Math.ceil((midnight - at.getTime()) / 1000))
    reply.header('retry-after', String(retryAfterS))
    throw new RateLimitError(
      'QUOTA_EXCEEDED',
      `This API key may submit ${outcome.limit} jobs a day and has submitted ${outcome.used} today.`,
      {
        retryAfterS,
        details: { used: outcome.used, limit: outcome.limit, requested: jobs.length },
      },
    )
  }

  async function viewOf(
    id: string,
    key: ApiKey,
    request: FastifyRequest,
    { metadataOnly = false } = {},
  ) {
    if (!jobIdPattern.test(id)) throw notFound()
    const job = await scheduler.getJob(id)
    // Another key's job is reported as missing: ids must not tell who submitted what.
    if (!job || job.requester !== key.id) throw notFound()
    const results = metadataOnly ? [] : await scheduler.getResults(id)
    return toJobView({ job, results, encoding: wantsCbor(request) ? 'bytes' : 'base64' })
  }
}

/** Which limit refused a request, if one did. */
function limitOf(error: unknown): LimitName | undefined {
  if (error instanceof BaseError) {
    switch (error.code) {
      case 'RATE_LIMITED':
        return 'api_key_rate'
      case 'QUOTA_EXCEEDED':
        return 'api_key_quota'
      case 'REQUESTER_QUEUE_FULL':
        return 'requester_open_jobs'
      case 'JOB_TOO_LARGE':
        return 'job_input_bytes'
      case 'PROTOCOL_OVERSIZED':
        return 'http_body_bytes'
      default:
        return undefined
    }
  }
  // fastify's own body limit (FST_ERR_CTP_BODY_TOO_LARGE), before any parser ran.
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode
  return status === 413 ? 'http_body_bytes' : undefined
}

function notFound(): JobRequestError {
  return new JobRequestError('JOB_NOT_FOUND', 'No job with this id belongs to this API key.')
}

function parseWait(raw: string | undefined, max: number): number {
  if (raw === undefined || raw === '') return 0
  const seconds = /^\d{1,6}(\.\d{1,3})?$/.test(raw) ? Number(raw) : Number.NaN
  if (!(seconds >= 0 && seconds <= max)) {
    throw new JobRequestError(
      'JOB_REQUEST_INVALID',
      `wait must be a number of seconds from 0 to ${max}.`,
      {
        path: 'wait',
      },
    )
  }
  return seconds
}

function wantsCbor(request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return typeof accept === 'string' && accept.toLowerCase().includes(cborType)
}

function send(request: FastifyRequest, reply: FastifyReply, body: unknown): unknown {
  if (!wantsCbor(request)) return body
  reply.type(cborType)
  return Buffer.from(encodeCbor(body))
}
