import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { hashApiKey } from '../../../src/gateway/api/ApiKeyStore.ts'
import { runApiKeysCli } from '../../../src/gateway/cli/runApiKeysCli.ts'
import { startJobNetwork, type TestJobNetwork } from '../jobNetworkHarness.ts'

const operatorToken = 'operator-token-for-tests-0123456789'
let grid: TestJobNetwork

beforeAll(async () => {
  grid = await startJobNetwork({ http: true, operatorToken })
})
afterAll(async () => {
  await grid.stop({ remove: true })
})

const call = (route: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${grid.baseUrl}${route}`, {
    ...init,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  })

describe('operator API-key routes', () => {
  test('default: create a key, use it, list it, revoke it', async () => {
    const created = await call('/v1/operator/api-keys', {
      method: 'POST',
      token: operatorToken,
      body: JSON.stringify({ name: 'acme', ratePerSecond: 5, burst: 10, dailyJobQuota: 1000 }),
    })
    expect(created.status).toBe(201)
    const key = (await created.json()) as { id: string; secret: string; dailyJobQuota: number }
    expect(key).toMatchObject({ name: 'acme', ratePerSecond: 5, burst: 10, dailyJobQuota: 1000 })
    expect(key.secret).toMatch(/^igk-[0-9a-f]{12}-[\w-]{43}$/)
    // Only the hash is stored.
    const rows = grid.database.sqlite
      .prepare('SELECT key_hash FROM api_keys WHERE id = ?')
      .all(key.id)
    expect(rows).toEqual([{ key_hash: hashApiKey(key.secret) }])
    expect(
      JSON.stringify(grid.database.sqlite.prepare('SELECT * FROM api_keys').all()),
    ).not.toContain(key.secret)

    expect(
      (await call('/v1/jobs/00000000-0000-4000-8000-000000000000', { token: key.secret })).status,
    ).toBe(404)
    const listed = (await (
      await call('/v1/operator/api-keys', { token: operatorToken })
    ).json()) as {
      keys: { id: string }[]
    }
    expect(listed.keys.map((k) => k.id)).toContain(key.id)
    expect(JSON.stringify(listed)).not.toContain(key.secret)

    expect(
      (
        await call(`/v1/operator/api-keys/${key.id}/revoke`, {
          method: 'POST',
          token: operatorToken,
        })
      ).status,
    ).toBe(200)
    const after = await call('/v1/jobs/00000000-0000-4000-8000-000000000000', { token: key.secret })
    expect(after.status).toBe(401)
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('API_KEY_INVALID')
  })

  test('error: without the operator token the routes are 401 OPERATOR_UNAUTHORIZED', async () => {
    const response = await call('/v1/operator/api-keys', {
      method: 'POST',
      token: 'wrong',
      body: '{"name":"x"}',
    })
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'OPERATOR_UNAUTHORIZED',
    )
  })

  test('error: a bad field is 400 JOB_REQUEST_INVALID', async () => {
    const response = await call('/v1/operator/api-keys', {
      method: 'POST',
      token: operatorToken,
      body: JSON.stringify({ name: 'x', burst: -1 }),
    })
    expect(response.status).toBe(400)
  })
})

describe('API-key CLI', () => {
  test('default: create, list and revoke on the data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-keys-'))
    try {
      const out: string[] = []
      const run = (args: string[]) =>
        runApiKeysCli({
          args: [...args, '--data-dir', dataDir],
          stdout: (t) => out.push(t),
          stderr: (t) => out.push(t),
        })
      expect(
        await run(['create', '--name', 'cli', '--rate', '2', '--daily-quota', '50', '--json']),
      ).toBe(0)
      const created = JSON.parse(out.at(-1) ?? '') as {
        id: string
        secret: string
        dailyJobQuota: number
      }
      expect(created).toMatchObject({ name: 'cli', ratePerSecond: 2, dailyJobQuota: 50 })
      expect(await run(['list'])).toBe(0)
      expect(out.at(-1)).toContain(`${created.id}  live`)
      expect(await run(['revoke', created.id])).toBe(0)
      expect(await run(['revoke', created.id])).toBe(1)
      expect(await run(['create', '--name', 'bad', '--burst', '1.5'])).toBe(2)
      expect(await run(['frobnicate'])).toBe(2)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
