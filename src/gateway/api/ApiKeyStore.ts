import { createHash, randomBytes } from 'node:crypto'
import type { Database } from 'better-sqlite3'

/** A requester's API key as the gateway keeps it: never the secret, only its sha256. */
export type ApiKey = {
  /** Public id, e.g. `key-3f9a1c2b7d4e`: names the key in logs, usage rows and job records. */
  id: string
  name: string
  /** Requests per second allowed on average (token bucket refill rate). */
  ratePerSecond: number
  /** Requests allowed in a burst (token bucket size). */
  burst: number
  /** Jobs per UTC day; undefined for no quota. */
  dailyJobQuota: number | undefined
  createdAt: number
  revokedAt: number | undefined
}

export type CreateApiKeyParameters = {
  name: string
  ratePerSecond?: number | undefined
  burst?: number | undefined
  dailyJobQuota?: number | undefined
}

export type CreatedApiKey = {
  key: ApiKey
  /** The secret the requester sends as `Authorization: Bearer <secret>`; shown once, never stored. */
  secret: string
}

/**
 * API keys of requesters. The secret is random (32 bytes) and only its sha256 is stored, so a
 * copy of the database does not hand out working keys; lookup is by that hash.
 */
export type ApiKeyStore = {
  create(parameters: CreateApiKeyParameters, now: number): Promise<CreatedApiKey>
  /** The live (not revoked) key whose secret this is. */
  findBySecret(secret: string): Promise<ApiKey | undefined>
  list(): Promise<ApiKey[]>
  /** Returns false when no live key has this id. */
  revoke(id: string, now: number): Promise<boolean>
}

export const DEFAULT_RATE_PER_SECOND = 20
export const DEFAULT_BURST = 100

/** sha256 hex of a secret: what the store keeps and looks keys up by. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

type Row = {
  id: string
  name: string
  rate_per_second: number
  burst: number
  daily_job_quota: number | null
  created_at: number
  revoked_at: number | null
}

export function createSqliteApiKeyStore(db: Database): ApiKeyStore {
  const insert = db.prepare(`
    INSERT INTO api_keys (id, name, key_hash, rate_per_second, burst, daily_job_quota, created_at)
    VALUES (@id, @name, @keyHash, @ratePerSecond, @burst, @dailyJobQuota, @createdAt)`)
  const byHash = db.prepare<[string], Row>(
    'SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
  )
  const all = db.prepare<[], Row>('SELECT * FROM api_keys ORDER BY created_at, id')
  const revoke = db.prepare<[number, string]>(
    'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  )

  return {
    async create(parameters, now) {
      const id = `key-${randomBytes(6).toString('hex')}`
      // The id is part of the secret so an operator can tell keys apart in a config file.
      const secret = `igk-${id.slice(4)}-${randomBytes(32).toString('base64url')}`
      const key: ApiKey = {
        id,
        name: parameters.name,
        ratePerSecond: parameters.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
        burst: parameters.burst ?? DEFAULT_BURST,
        dailyJobQuota: parameters.dailyJobQuota,
        createdAt: now,
        revokedAt: undefined,
      }
      insert.run({
        id,
        name: key.name,
        keyHash: hashApiKey(secret),
        ratePerSecond: key.ratePerSecond,
        burst: key.burst,
        dailyJobQuota: key.dailyJobQuota ?? null,
        createdAt: now,
      })
      return { key, secret }
    },

    async findBySecret(secret) {
      const row = byHash.get(hashApiKey(secret))
      return row ? toApiKey(row) : undefined
    },

    async list() {
      return all.all().map(toApiKey)
    },

    async revoke(id, now) {
      return revoke.run(now, id).changes === 1
    },
  }
}

function toApiKey(row: Row): ApiKey {
  return {
    id: row.id,
    name: row.name,
    ratePerSecond: row.rate_per_second,
    burst: row.burst,
    dailyJobQuota: row.daily_job_quota ?? undefined,
    createdAt: row.created_at,
    revokedAt: row.revoked_at ?? undefined,
  }
}
