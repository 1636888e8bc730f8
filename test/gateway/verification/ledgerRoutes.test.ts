import type { PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readCookie } from '../../../src/gateway/auth/registerAuthRoutes.ts'
import { fakeReferenceRunner } from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

/**
 * The ledger and the verification level over HTTP, on the whole gateway: a requester submits
 * through the API with a price, a delegated worker answers, and then GET /v1/jobs/:id shows the
 * verification level and the receipt, and the ledger routes answer the wallet signed in with
 * SIWE or the operator token, and nobody else.
 */

const OPERATOR = 'operator-token-for-ledger-tests'
let grid: TestJobNetwork
let key: string
let worker: SimulatedWorker
const alice = privateKeyToAccount(generatePrivateKey())
const bob = privateKeyToAccount(generatePrivateKey())
let jobId: string

beforeAll(async () => {
  // random() = 0: every result is spot-checked (verified at once).
  grid = await startJobNetwork({
    http: true,
    operatorToken: OPERATOR,
    reference: fakeReferenceRunner,
    random: () => 0,
  })
  key = (await grid.network.apiKeys.create({ name: 'ledger' }, Date.now())).secret
  const { nonce } = await grid.network.nonces.issue(Date.now())
  worker = await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    wallet: { account: alice, nonce, origin: TEST_ORIGIN },
  })
  const data = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer).toString('base64')
  const submitted = await fetch(`${grid.baseUrl}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'test-sum',
      price: '2500',
      inputs: { x: { dtype: 'float32', dims: [1, 4], data } },
    }),
  })
  expect(submitted.status).toBe(202)
  jobId = ((await submitted.json()) as { id: string }).id
  await eventually(
    async () => (await grid.network.scheduler.getJob(jobId))?.verifiedAt !== undefined,
    {
      what: 'the job verified',
    },
  )
})
afterAll(async () => {
  await worker?.stop()
  await grid?.stop({ remove: true })
})

async function signIn(account: PrivateKeyAccount): Promise<string> {
  const nonce = ((await (await fetch(`${grid.baseUrl}/v1/auth/nonce`)).json()) as { nonce: string })
    .nonce
  const message = createSiweMessage({
    address: account.address,
    chainId: TEST_CHAIN_ID,
    domain: new URL(TEST_ORIGIN).host,
    uri: TEST_ORIGIN,
    version: '1',
    nonce,
    issuedAt: new Date(),
  })
  const response = await fetch(`${grid.baseUrl}/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, signature: await account.signMessage({ message }) }),
  })
  expect(response.status).toBe(200)
  const token = readCookie((response.headers.get('set-cookie') ?? '').split(';')[0], 'ig_session')
  return `ig_session=${token}`
}

describe('GET /v1/jobs/:id', () => {
  test('default: the verification level reached and the receipt', async () => {
    const response = await fetch(`${grid.baseUrl}/v1/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${key}` },
    })
    const view = (await response.json()) as Record<string, unknown> & {
      receipts: Record<string, unknown>[]
    }
    expect(view.verification).toMatchObject({
      requested: 'spot-check',
      level: 'spot-checked',
      requestedReplicas: 1,
      replicas: 1,
      price: '2500',
    })
    expect(view.receipts).toHaveLength(1)
    expect(view.receipts[0]).toMatchObject({
      worker: { wallet: alice.address },
      backend: 'wasm',
      decision: 'valid',
      method: 'spot-check',
    })
    expect(view.receipts[0]?.signature).toMatch(/^0x[0-9a-f]+$/)
    expect(view.receipts[0]?.detail).toMatch(/^agrees with the gateway's onnxruntime-node re-run/)
    const openapi = (await (await fetch(`${grid.baseUrl}/v1/openapi.json`)).json()) as {
      components: { schemas: { Job: { properties: Record<string, unknown> } } }
    }
    expect(Object.keys(openapi.components.schemas.Job.properties)).toEqual(
      expect.arrayContaining(['verification', 'receipts']),
    )
  })
})

describe('ledger routes', () => {
  test('default: the signed-in wallet reads its balances and its CSV', async () => {
    const cookie = await signIn(alice)
    const response = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}`, {
      headers: { cookie },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    const summary = (await response.json()) as Record<string, unknown>
    // 70% of 2500.
    expect(summary.balances).toEqual({ verified: '1750', pending: '0' })
    expect(summary.standing).toMatchObject({ valid: 1, invalid: 0, suspendReason: null })
    expect(summary.sessions).toEqual([expect.objectContaining({ valid: 1, invalid: 0 })])
    const csv = await fetch(
      `${grid.baseUrl}/v1/ledger/${alice.address.toLowerCase()}/entries.csv`,
      {
        headers: { cookie },
      },
    )
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).trimEnd().split('\r\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain(`,${alice.address},worker,verified,1750,${jobId},`)
  })

  test('error: another wallet’s session, no session, and the network account without the token', async () => {
    const bobCookie = await signIn(bob)
    const forbidden = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}`, {
      headers: { cookie: bobCookie },
    })
    expect(forbidden.status).toBe(403)
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe(
      'AUTH_FORBIDDEN',
    )
    const anonymous = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/entries.csv`)
    expect(anonymous.status).toBe(401)
    const body = (await anonymous.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('LEDGER_UNAUTHORIZED')
    expect(body.error.message).toMatch(/^Sign in with this wallet first/)
    const network = await fetch(`${grid.baseUrl}/v1/ledger/network`, {
      headers: { cookie: bobCookie },
    })
    expect(network.status).toBe(401)
    const bad = await fetch(`${grid.baseUrl}/v1/ledger/0x1234`, {
      headers: { authorization: `Bearer ${OPERATOR}` },
    })
    expect(bad.status).toBe(400)
  })

  test('behavior: the operator token reads any wallet and the network fee account', async () => {
    const auth = { authorization: `Bearer ${OPERATOR}` }
    const wallet = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}`, { headers: auth })
    expect(((await wallet.json()) as { balances: unknown }).balances).toEqual({
      verified: '1750',
      pending: '0',
    })
    const network = await fetch(`${grid.baseUrl}/v1/ledger/network`, { headers: auth })
    expect(((await network.json()) as { balances: unknown }).balances).toEqual({
      verified: '750',
      pending: '0',
    })
  })
})
