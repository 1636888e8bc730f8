// Sign-In with Ethereum for the dashboard API, against the whole gateway over HTTP (real SQLite,
// real viem accounts signing EIP-4361 messages, results earned by real delegated workers).
import type { Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readCookie } from '../../../src/gateway/auth/registerAuthRoutes.ts'
import { startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

let grid: TestJobNetwork
const alice = privateKeyToAccount(generatePrivateKey())
const bob = privateKeyToAccount(generatePrivateKey())

/** Makes `account` earn `jobs` verified results through a delegated worker. */
async function earn(account: PrivateKeyAccount, jobs: number): Promise<void> {
  const { nonce } = await grid.network.nonces.issue(Date.now())
  const worker = await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    wallet: { account, nonce, origin: TEST_ORIGIN },
  })
  try {
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: jobs }, () => ({})),
    )
    await eventually(async () => {
      const states = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return states.every((job) => job?.state === 'completed')
    })
  } finally {
    await worker.stop()
  }
}

beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
  await earn(alice, 3)
  await earn(bob, 2)
})
afterAll(async () => {
  await grid?.stop({ remove: true })
})

async function api(path: string, init: RequestInit = {}) {
  const response = await fetch(`${grid.baseUrl}${path}`, init)
  return { response, body: (await response.json()) as Record<string, unknown> }
}

async function nonce(): Promise<string> {
  const { body } = await api('/v1/auth/nonce')
  return body.nonce as string
}

type MessageOverrides = Partial<Parameters<typeof createSiweMessage>[0]>

async function signedMessage(account: PrivateKeyAccount, overrides: MessageOverrides = {}) {
  const message = createSiweMessage({
    address: account.address,
    chainId: TEST_CHAIN_ID,
    domain: new URL(TEST_ORIGIN).host,
    uri: TEST_ORIGIN,
    version: '1',
    nonce: await nonce(),
    issuedAt: new Date(),
    statement: 'Sign in to the Inference Grid dashboard.',
    ...overrides,
  })
  return { message, signature: await account.signMessage({ message }) }
}

function verify(body: { message: string; signature: Hex | string }) {
  return api('/v1/auth/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function signIn(account: PrivateKeyAccount): Promise<string> {
  const { response, body } = await verify(await signedMessage(account))
  expect(response.status, JSON.stringify(body)).toBe(200)
  const cookie = response.headers.get('set-cookie') ?? ''
  const token = readCookie(cookie.split(';')[0], 'ig_session')
  if (!token) throw new Error(`no session cookie in ${cookie}`)
  return `ig_session=${token}`
}

describe('SIWE dashboard sessions', () => {
  test('default: sign in, read own earnings, not another wallet’s, sign out', async () => {
    const { response, body } = await verify(await signedMessage(alice))
    expect(response.status, JSON.stringify(body)).toBe(200)
    expect(body.address).toBe(alice.address)
    const [setCookie = '', hint] = response.headers.getSetCookie()
    expect(setCookie).toMatch(
      /^ig_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    )
    // The page-readable hint beside it: no secret, same lifetime.
    expect(hint).toMatch(/^ig_signed_in=1; Path=\/; SameSite=Strict; Max-Age=\d+$/)
    const cookie = setCookie.split(';')[0] ?? ''

    const session = await api('/v1/auth/session', { headers: { cookie } })
    expect(session.body).toMatchObject({ address: alice.address, chainId: TEST_CHAIN_ID })

    const own = await api('/v1/earnings', { headers: { cookie } })
    expect(own.response.status).toBe(200)
    expect(own.response.headers.get('cache-control')).toBe('private, no-store')
    expect(own.body).toMatchObject({
      wallet: alice.address,
      basis: 'verified-results',
      verifiedResults: 3,
    })
    expect(own.body.recentResults).toHaveLength(3)
    const same = await api(`/v1/earnings/${alice.address.toLowerCase()}`, { headers: { cookie } })
    expect(same.body).toMatchObject({ wallet: alice.address, verifiedResults: 3 })

    const other = await api(`/v1/earnings/${bob.address}`, { headers: { cookie } })
    expect(other.response.status).toBe(403)
    expect(other.body).toEqual({
      error: {
        code: 'AUTH_FORBIDDEN',
        message: `Signed in as ${alice.address}: only that wallet's earnings can be read in this session.`,
      },
    })
    expect(JSON.stringify(other.body)).not.toContain(bob.address)

    const out = await api('/v1/auth/logout', { method: 'POST', headers: { cookie } })
    expect(out.response.status).toBe(200)
    const [cleared, clearedHint] = out.response.headers.getSetCookie()
    expect(cleared).toMatch(/^ig_session=; .*Max-Age=0/)
    expect(clearedHint).toMatch(/^ig_signed_in=; .*Max-Age=0/)
    const after = await api('/v1/earnings', { headers: { cookie } })
    expect(after.response.status).toBe(401)
    expect((after.body.error as { code: string }).code).toBe('AUTH_REQUIRED')
  })

  test('behavior: each wallet sees only its own numbers', async () => {
    const cookie = await signIn(bob)
    const own = await api('/v1/earnings', { headers: { cookie } })
    expect(own.body).toMatchObject({ wallet: bob.address, verifiedResults: 2 })
    const other = await api(`/v1/earnings/${alice.address}`, { headers: { cookie } })
    expect(other.response.status).toBe(403)
  })

  test('error: no cookie, or a made-up one', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { cookie: 'ig_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    ]) {
      const { response, body } = await api('/v1/earnings', { headers })
      expect(response.status).toBe(401)
      expect((body.error as { code: string }).code).toBe('AUTH_REQUIRED')
    }
  })

  test('error: a nonce used twice', async () => {
    const signed = await signedMessage(alice)
    expect((await verify(signed)).response.status).toBe(200)
    const again = await verify(signed)
    expect(again.response.status).toBe(401)
    expect((again.body.error as { code: string }).code).toBe('AUTH_NONCE_INVALID')
  })

  test('error: a nonce the gateway never issued', async () => {
    const { body } = await verify(await signedMessage(alice, { nonce: 'abcdefgh12345678' }))
    expect((body.error as { code: string }).code).toBe('AUTH_NONCE_INVALID')
  })

  test.each([
    ['another domain', { domain: 'evil.example', uri: 'http://evil.example' }],
    // The URI must be on the origin itself, not merely start with its text.
    ['a URI on a look-alike host', { uri: `${TEST_ORIGIN}.evil.example/dashboard` }],
    ['another chain', { chainId: 1 }],
    ['an expired message', { expirationTime: new Date(Date.now() - 1000) }],
    ['an old message', { issuedAt: new Date(Date.now() - 3_600_000) }],
  ])('error: %s is AUTH_MESSAGE_INVALID', async (_name, overrides) => {
    const { response, body } = await verify(await signedMessage(alice, overrides))
    expect(response.status).toBe(400)
    expect((body.error as { code: string }).code).toBe('AUTH_MESSAGE_INVALID')
  })

  test('error: a message for alice signed by bob', async () => {
    const { message } = await signedMessage(alice)
    const signature = await bob.signMessage({ message })
    const { response, body } = await verify({ message, signature })
    expect(response.status).toBe(401)
    expect(body.error).toEqual({
      code: 'AUTH_SIGNATURE_INVALID',
      message: `The sign-in message was not signed by ${alice.address}.`,
    })
  })

  test('error: a body without a message', async () => {
    const { response, body } = await verify({ message: '', signature: '0x00' })
    expect(response.status).toBe(400)
    expect((body.error as { code: string }).code).toBe('AUTH_MESSAGE_INVALID')
  })
})
