import { encode as encodeCbor } from 'cborg'
import { decodeCbor } from '../protocol/codec/decodeCbor.ts'
import { BaseError } from '../protocol/errors/BaseError.ts'
import { ModelError } from '../protocol/errors/ModelError.ts'
import { ModelIntegrityError } from '../protocol/errors/ModelIntegrityError.ts'
import { sha256Hex } from '../protocol/hash/sha256Hex.ts'
import { isModelId } from '../protocol/models/isModelId.ts'
import type { ModelManifest } from '../protocol/models/ModelManifest.ts'
import { parseManifest } from '../protocol/models/parseManifest.ts'
import type { TensorMap } from '../protocol/tensor/Tensor.ts'
import { errorFromResponse } from './errorFromResponse.ts'
import {
  type GridJob,
  type GridJobRequest,
  type ModelSummary,
  TERMINAL_STATUSES,
} from './GridJob.ts'
import { SdkError } from './SdkError.ts'
import { toGridJob } from './toGridJob.ts'
import { toTensor } from './toTensor.ts'

export type GridClientParameters = {
  /** The gateway, e.g. http://127.0.0.1:8700 (a path prefix is kept). */
  baseUrl: string
  /** A requester API key (`Authorization: Bearer`); models can be listed without one. */
  apiKey?: string | undefined
  /** Defaults to globalThis.fetch (browsers, Node 18+). */
  fetch?: typeof fetch | undefined
  /** Longest single long-poll in wait(), in seconds; the gateway caps it (60 by default). */
  pollSeconds?: number | undefined
  /** Largest CBOR answer decoded, in bytes. Default 256 MiB. */
  maxResponseBytes?: number | undefined
}

export type CallOptions = { signal?: AbortSignal | undefined }

export type WaitOptions = CallOptions & {
  /** Give up (SDK_WAIT_TIMEOUT) after this long; the job stays open. Default: wait forever. */
  timeoutMs?: number | undefined
}

export type GridClient = {
  readonly baseUrl: string
  /** `GET /v1/models`. */
  models(options?: CallOptions): Promise<ModelSummary[]>
  /** A model's manifest by id or name, checked field by field; cached per id (ids are hashes). */
  manifest(model: string, options?: CallOptions): Promise<ModelManifest>
  /** `POST /v1/jobs`: queues one job and returns it (status `queued`). */
  submit(job: GridJobRequest, options?: CallOptions): Promise<GridJob>
  /** `POST /v1/jobs:batch`: queues all jobs or none; returns their ids in order. */
  submitBatch(jobs: readonly GridJobRequest[], options?: CallOptions): Promise<string[]>
  /** `GET /v1/jobs/:id`: the job now. */
  get(id: string, options?: CallOptions): Promise<GridJob>
  /** Long-polls until the job is completed, failed or cancelled, and returns it. */
  wait(id: string, options?: WaitOptions): Promise<GridJob>
  /** `POST /v1/jobs/:id/cancel`. */
  cancel(id: string, options?: CallOptions): Promise<GridJob>
  /**
   * A model's asset (`dictionary` of PP-OCR rec), checked against the manifest's sha256; the
   * last few are kept by hash, so repeated calls (one OCR per page) download it once.
   */
  asset(model: string, name: string, options?: CallOptions): Promise<Uint8Array>
}

export type CreateGridClientReturnType = GridClient

const cbor = 'application/cbor'
const MAX_CACHED_ASSETS = 8
const jobIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

type Body = { json: unknown } | { cbor: unknown }
type Accept = 'json' | 'cbor' | 'bytes'

/**
 * The requester SDK: a client for one gateway's HTTP API that runs unchanged in browsers and
 * Node (it needs only fetch and WebCrypto). Jobs travel as CBOR, so tensors are bytes both ways
 * (no base64); inputs may be typed arrays. Every failure is a typed error with a code: the
 * gateway's own (API_KEY_INVALID, JOB_UNKNOWN_MODEL, JOB_INPUT_MISMATCH, TENSOR_*, ...) rebuilt
 * from its answer, or an SdkError (SDK_NETWORK_FAILED, SDK_ABORTED, SDK_WAIT_TIMEOUT, ...).
 */
export function createGridClient(parameters: GridClientParameters): CreateGridClientReturnType {
  const baseUrl = normalizeBaseUrl(parameters.baseUrl)
  const fetchFn = parameters.fetch ?? globalThis.fetch.bind(globalThis)
  const pollSeconds = parameters.pollSeconds ?? 30
  const maxResponseBytes = parameters.maxResponseBytes ?? 256 * 1024 * 1024
  const manifests = new Map<string, ModelManifest>()
  // Assets are content-addressed too (the manifest names their sha256): kept by hash, a few.
  const assets = new Map<string, Uint8Array>()

  async function call(
    method: 'GET' | 'POST',
    path: string,
    accept: Accept,
    { body, signal }: { body?: Body | undefined; signal?: AbortSignal | undefined },
  ): Promise<unknown> {
    const what = `${method} ${path.split('?')[0]}`
    const headers: Record<string, string> = {
      accept: accept === 'cbor' ? cbor : accept === 'json' ? 'application/json' : '*/*',
    }
    if (parameters.apiKey) headers.authorization = `Bearer ${parameters.apiKey}`
    let payload: Uint8Array | string | undefined
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(body.json)
    } else if (body) {
      headers['content-type'] = cbor
      payload = encodeCbor(body.cbor)
    }
    let response: Response
    let bytes: Uint8Array
    try {
      signal?.throwIfAborted()
      response = await fetchFn(`${baseUrl}${path}`, {
        method,
        headers,
        body: payload as RequestInit['body'],
        signal,
      })
      bytes = new Uint8Array(await response.arrayBuffer())
    } catch (error) {
      if (signal?.aborted)
        throw new SdkError(`${what} was aborted.`, { code: 'SDK_ABORTED', cause: signal.reason })
      throw new SdkError(
        `Could not reach the gateway at ${baseUrl} (${reasonOf(error)}). Is it running, and is the URL right?`,
        { code: 'SDK_NETWORK_FAILED', cause: error, details: { url: baseUrl } },
      )
    }
    if (!response.ok)
      throw errorFromResponse({
        status: response.status,
        body: new TextDecoder().decode(bytes),
        retryAfter: response.headers.get('retry-after'),
        what,
      })
    if (accept === 'bytes') return bytes
    const type = response.headers.get('content-type') ?? ''
    try {
      if (accept === 'cbor' && type.startsWith(cbor))
        return decodeCbor(bytes, { maxBytes: maxResponseBytes })
      if (accept === 'json' && type.includes('json'))
        return JSON.parse(new TextDecoder().decode(bytes))
    } catch (error) {
      throw new SdkError(`${what}: the gateway's answer could not be decoded.`, {
        code: 'SDK_INVALID_RESPONSE',
        cause: error,
        details: { contentType: type.slice(0, 100) },
      })
    }
    throw new SdkError(
      `${what} answered ${type || 'no content type'}, not ${accept.toUpperCase()}: is ${baseUrl} a grid gateway?`,
      { code: 'SDK_INVALID_RESPONSE', details: { contentType: type.slice(0, 100) } },
    )
  }

  async function models({ signal }: CallOptions = {}): Promise<ModelSummary[]> {
    const body = await call('GET', '/v1/models', 'json', { signal })
    const list = (body as { models?: unknown } | null)?.models
    if (!Array.isArray(list))
      throw new SdkError('GET /v1/models answered no model list.', {
        code: 'SDK_INVALID_RESPONSE',
      })
    return list as ModelSummary[]
  }

  async function resolveModelId(model: string, signal: AbortSignal | undefined): Promise<string> {
    if (isModelId(model)) return model
    const found = (await models({ signal })).find((summary) => summary.name === model)
    if (!found)
      throw new ModelError(
        `The gateway at ${baseUrl} serves no model named ${JSON.stringify(model.slice(0, 128))} (grid models lists them).`,
        { code: 'MODEL_NOT_FOUND', details: { model: model.slice(0, 128) } },
      )
    return found.id
  }

  async function manifest(model: string, { signal }: CallOptions = {}): Promise<ModelManifest> {
    const id = await resolveModelId(model, signal)
    const cached = manifests.get(id)
    if (cached) return cached
    const parsed = parseManifest(await call('GET', `/v1/models/${id}`, 'json', { signal }))
    if (parsed.id !== id)
      throw new SdkError(`GET /v1/models/${id} answered the manifest of ${parsed.id}.`, {
        code: 'SDK_INVALID_RESPONSE',
      })
    manifests.set(id, parsed)
    return parsed
  }

  function jobPath(id: string, suffix = ''): string {
    if (!jobIdPattern.test(id))
      throw new SdkError(`${JSON.stringify(id.slice(0, 64))} is not a job id (a UUID).`, {
        code: 'SDK_INVALID_ARGUMENT',
        details: { id: id.slice(0, 64) },
      })
    return `/v1/jobs/${id}${suffix}`
  }

  async function get(id: string, { signal }: CallOptions = {}): Promise<GridJob> {
    return toGridJob(await call('GET', jobPath(id), 'cbor', { signal }))
  }

  return {
    baseUrl,
    models,
    manifest,

    async submit(job, { signal } = {}) {
      const body = { cbor: toWireRequest(job) }
      return toGridJob(await call('POST', '/v1/jobs', 'cbor', { body, signal }))
    },

    async submitBatch(jobs, { signal } = {}) {
      const body = { cbor: { jobs: jobs.map(toWireRequest) } }
      const answer = await call('POST', '/v1/jobs:batch', 'cbor', { body, signal })
      const list = answer instanceof Map ? answer.get('jobs') : undefined
      const ids = Array.isArray(list)
        ? list.map((item) => (item instanceof Map ? item.get('id') : undefined))
        : []
      if (ids.length !== jobs.length || !ids.every((id) => typeof id === 'string'))
        throw new SdkError('POST /v1/jobs:batch answered no list of job ids.', {
          code: 'SDK_INVALID_RESPONSE',
        })
      return ids as string[]
    },

    get,

    async wait(id, { signal, timeoutMs } = {}) {
      const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs
      // Straight to the long-poll: one request per job that settles within a poll, which keeps
      // many concurrent waits (one per OCR line) inside the key's rate limit.
      for (;;) {
        const left = Math.max(0, deadline - Date.now())
        const seconds = Math.min(pollSeconds, Math.ceil(left / 100) / 10)
        let job: GridJob
        try {
          job = toGridJob(await call('GET', jobPath(id, `?wait=${seconds}`), 'cbor', { signal }))
        } catch (error) {
          // Over the rate limit: wait as long as the gateway says (if the deadline allows).
          const retryAfterS = error instanceof BaseError ? error.details.retryAfterS : undefined
          if (!(error instanceof BaseError && error.code === 'RATE_LIMITED')) throw error
          const pause = (typeof retryAfterS === 'number' ? retryAfterS : 1) * 1000
          if (Date.now() + pause > deadline) throw error
          await sleep(pause, signal, `GET /v1/jobs/${id}`)
          continue
        }
        if (TERMINAL_STATUSES.includes(job.status)) return job
        if (Date.now() >= deadline)
          throw new SdkError(
            `The job ${id} is still ${job.status} after ${timeoutMs} ms; it stays queued (wait again, or cancel it).`,
            { code: 'SDK_WAIT_TIMEOUT', details: { jobId: id, status: job.status } },
          )
      }
    },

    async cancel(id, { signal } = {}) {
      return toGridJob(await call('POST', jobPath(id, '/cancel'), 'cbor', { signal }))
    },

    async asset(model, name, { signal } = {}) {
      const found = await manifest(model, { signal })
      const expected = Object.hasOwn(found.assets ?? {}, name) ? found.assets?.[name] : undefined
      if (!expected)
        throw new ModelError(`The model ${found.name} has no asset named ${name}.`, {
          code: 'MODEL_NOT_FOUND',
          details: { modelId: found.id, asset: name.slice(0, 64) },
        })
      const cached = assets.get(expected.sha256)
      if (cached) return cached.slice()
      const path = `/models/${found.id}/${encodeURIComponent(name)}`
      const bytes = (await call('GET', path, 'bytes', { signal })) as Uint8Array
      const actual = await sha256Hex(bytes)
      if (actual !== expected.sha256 || bytes.byteLength !== expected.size)
        throw new ModelIntegrityError(
          `The ${name} asset of ${found.name} does not match its manifest (sha256 ${actual}); it was discarded.`,
          { code: 'MODEL_INTEGRITY', details: { expected: expected.sha256, actual } },
        )
      if (assets.size >= MAX_CACHED_ASSETS) assets.delete(assets.keys().next().value ?? '')
      assets.set(expected.sha256, bytes.slice())
      return bytes
    },
  }
}

function toWireRequest(job: GridJobRequest): Record<string, unknown> {
  if (typeof job !== 'object' || job === null || typeof job.model !== 'string')
    throw new SdkError('A job needs a model (its id or name) and inputs.', {
      code: 'SDK_INVALID_ARGUMENT',
    })
  const inputs: TensorMap = {}
  for (const [name, input] of Object.entries(job.inputs ?? {})) {
    const tensor = toTensor(name, input)
    Object.defineProperty(inputs, name, {
      value: { dtype: tensor.dtype, dims: [...tensor.dims], data: tensor.data },
      enumerable: true,
      writable: true,
    })
  }
  const wire: Record<string, unknown> = { model: job.model, inputs }
  if (job.outputs !== undefined) wire.outputs = job.outputs
  if (job.priority !== undefined) wire.priority = job.priority
  if (job.redundancy !== undefined) wire.redundancy = job.redundancy
  if (job.maxAttempts !== undefined) wire.maxAttempts = job.maxAttempts
  return wire
}

function normalizeBaseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch (error) {
    throw new SdkError(`${JSON.stringify(String(raw).slice(0, 200))} is not a URL.`, {
      code: 'SDK_INVALID_ARGUMENT',
      cause: error,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SdkError(`The gateway URL must be http:// or https://, not ${url.protocol}.`, {
      code: 'SDK_INVALID_ARGUMENT',
    })
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function reasonOf(error: unknown): string {
  // fetch says only "fetch failed"; the why (ECONNREFUSED, ENOTFOUND, "bad port") is its cause.
  const cause = error instanceof Error ? error.cause : undefined
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' ? code : cause.message
  }
  if (error instanceof BaseError) return error.shortMessage
  return error instanceof Error ? error.message : String(error)
}

function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer)
      reject(new SdkError(`${what} was aborted.`, { code: 'SDK_ABORTED', cause: signal?.reason }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }, ms)
    if (signal?.aborted) aborted()
    else signal?.addEventListener('abort', aborted, { once: true })
  })
}
