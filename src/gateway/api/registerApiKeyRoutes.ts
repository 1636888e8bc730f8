import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { JobRequestError } from '../errors/api.ts'
import { OperatorAuthError } from '../errors/operator.ts'
import type { ApiKey, ApiKeyStore } from './ApiKeyStore.ts'

export type ApiKeyRoutesComponents = {
  apiKeys: ApiKeyStore
  /** Without one, these routes answer 403 OPERATOR_API_DISABLED. */
  operatorToken: string | undefined
  now?: (() => number) | undefined
}

/**
 * Operator routes for requesters' API keys, behind the operator token:
 * `POST /v1/operator/api-keys` creates one and returns its secret (once), `GET` lists them (never
 * secrets), `POST /v1/operator/api-keys/:id/revoke` revokes one. On the gateway's own machine the
 * CLI (`npx tsx src/gateway/cli/apiKeysCli.ts`) does the same on the database without a token.
 */
export function registerApiKeyRoutes(
  app: FastifyInstance,
  components: ApiKeyRoutesComponents,
): void {
  const { apiKeys, operatorToken } = components
  const now = components.now ?? Date.now

  function authorize(request: FastifyRequest): void {
    if (!operatorToken)
      throw new OperatorAuthError(
        'API-key routes are disabled on this gateway: start it with --operator-token <token> (or INFERENCE_GRID_OPERATOR_TOKEN), or use the API-key CLI on its machine.',
        { code: 'OPERATOR_API_DISABLED' },
      )
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
    const a = createHash('sha256').update(given).digest()
    const b = createHash('sha256').update(operatorToken).digest()
    if (given === '' || !timingSafeEqual(a, b)) throw OperatorAuthError.unauthorized()
  }

  app.post('/v1/operator/api-keys', async (request, reply) => {
    authorize(request)
    const created = await apiKeys.create(parseCreate(request.body), now())
    reply.code(201).header('cache-control', 'no-store')
    return { ...toView(created.key), secret: created.secret }
  })

  app.get('/v1/operator/api-keys', async (request, reply) => {
    authorize(request)
    reply.header('cache-control', 'no-store')
    return { keys: (await apiKeys.list()).map(toView) }
  })

  app.post<{ Params: { id: string } }>('/v1/operator/api-keys/:id/revoke', async (request) => {
    authorize(request)
    if (!(await apiKeys.revoke(request.params.id, now())))
      throw new JobRequestError('JOB_NOT_FOUND', 'No live API key has this id.')
    return { id: request.params.id, revoked: true }
  })
}

export type CreateApiKeyRequest = Parameters<ApiKeyStore['create']>[0]

/** Checks the fields of a key to create (shared by the route and the CLI). */
export function parseCreate(body: unknown): CreateApiKeyRequest {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}
  const { name, ratePerSecond, burst, dailyJobQuota, ...rest } = fields as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) invalid(extra, 'is not an API key field')
  if (typeof name !== 'string' || !/^[\w .@:-]{1,64}$/.test(name))
    invalid('name', 'must be 1 to 64 letters, digits, spaces or ._@:-')
  return {
    name,
    ratePerSecond: number(ratePerSecond, 'ratePerSecond', 0.001, 1_000_000, false),
    burst: number(burst, 'burst', 1, 1_000_000, true),
    dailyJobQuota: number(dailyJobQuota, 'dailyJobQuota', 0, 1e12, true),
  }
}

function number(value: unknown, path: string, min: number, max: number, integer: boolean) {
  if (value === undefined || value === null) return undefined
  if (
    typeof value !== 'number' ||
    !(value >= min && value <= max) ||
    (integer && !Number.isInteger(value))
  )
    invalid(path, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`)
  return value
}

function invalid(path: string, what: string): never {
  throw new JobRequestError('JOB_REQUEST_INVALID', `${path} ${what}.`, { path })
}

function toView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    ratePerSecond: key.ratePerSecond,
    burst: key.burst,
    dailyJobQuota: key.dailyJobQuota ?? null,
    createdAt: new Date(key.createdAt).toISOString(),
    revokedAt: key.revokedAt === undefined ? null : new Date(key.revokedAt).toISOString(),
  }
}
