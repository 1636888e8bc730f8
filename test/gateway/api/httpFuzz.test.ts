// Bad input at the HTTP boundary, generated: random JSON, mutations of a valid job,
// random bytes under each content type, batches, random keys, and sign-in with bad SIWE
// messages, signatures and session cookies. Every answer must be a 2xx for
// what is valid or a 4xx with a code from the table and a sentence, never a 5xx or a dropped
// connection; the gateway keeps serving; and no malformed job ever reaches a worker.
import { encode as encodeCbor } from 'cborg'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { isErrorCode } from '../../../src/protocol/errors/codes.ts'
import type { AssignMessage } from '../../../src/protocol/messages.ts'
import { float32Tensor } from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

let grid: TestJobNetwork
let key: string
let tried = 0
const accepted: string[] = []

beforeAll(async () => {
  grid = await startJobNetwork({
    http: true,
    config: { apiMaxBodyBytes: 256 * 1024 },
    // Hundreds of sign-in requests from one address: lift the per-IP limit on keyless routes
    // (test/gateway/limits/httpLimits.test.ts checks that limit).
    args: ['--ip-rate', '1000000', '--ip-burst', '1000000'],
  })
  key = (
    await grid.network.apiKeys.create(
      { name: 'fuzz', ratePerSecond: 100_000, burst: 100_000 },
      Date.now(),
    )
  ).secret
})

afterAll(async () => {
  await grid.stop({ remove: true })
  console.log(`[fuzz] requester API: ${tried} generated requests`)
})

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64')
const validJob = () => ({
  model: 'test-sum',
  inputs: { x: { dtype: 'float32', dims: [1, 4], data: f32([1, 2, 3, 4]) } },
})

type Sent = { path: string; body: Uint8Array | string; contentType: string; auth?: string }

/** Sends one request; asserts the answer is a valid outcome; returns the job ids it accepted. */
async function check({ path, body, contentType, auth = key }: Sent): Promise<void> {
  tried++
  const response = await fetch(`${grid.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : Buffer.from(body),
  })
  const text = await response.text()
  expect(response.status, text).toBeLessThan(500)
  if (response.ok) {
    const json = JSON.parse(text) as { id?: string; jobs?: { id: string }[] }
    if (json.id) accepted.push(json.id)
    for (const job of json.jobs ?? []) accepted.push(job.id)
    return
  }
  expect(response.status, text).toBeGreaterThanOrEqual(400)
  const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
  expect(isErrorCode(json.error?.code), text).toBe(true)
  expect(typeof json.error?.message === 'string' && json.error.message.length > 10, text).toBe(true)
}

const anyTensor = fc.record(
  {
    dtype: fc.oneof(
      fc.constantFrom('float32', 'float16', 'int64', 'int32', 'uint8', 'bool', 'string'),
      fc.string(),
    ),
    dims: fc.oneof(
      fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 5 }),
      fc.constant([1, 4]),
      fc.array(fc.oneof(fc.double(), fc.string(), fc.constant(null)), { maxLength: 3 }),
      fc.constant([2 ** 31, 2 ** 31]),
    ),
    data: fc.oneof(
      fc.constant(f32([1, 2, 3, 4])),
      fc.base64String({ maxLength: 64 }),
      fc.string(),
      fc.array(fc.double(), { maxLength: 8 }),
    ),
  },
  { requiredKeys: [] },
)

describe('requester API under generated bad input', () => {
  test('behavior: random JSON documents as a job or a batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), async (value, batch) => {
        await check({
          path: batch ? '/v1/jobs:batch' : '/v1/jobs',
          body: JSON.stringify(value),
          contentType: 'application/json',
        })
      }),
      { numRuns: 300 },
    )
  })

  test('behavior: mutations of a valid job (model, dtype, dims, data, extra fields)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            model: fc.oneof(fc.constant('test-sum'), fc.string(), fc.integer()),
            inputs: fc.oneof(
              fc.dictionary(fc.constantFrom('x', 'y', ''), anyTensor, { maxKeys: 3 }),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            priority: fc.oneof(fc.integer(), fc.double(), fc.string()),
            redundancy: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string()),
            outputs: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.string()),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        async (job, asBatch) => {
          const body = asBatch ? { jobs: [validJob(), job] } : job
          await check({
            path: asBatch ? '/v1/jobs:batch' : '/v1/jobs',
            body: JSON.stringify(body),
            contentType: 'application/json',
          })
        },
      ),
      { numRuns: 400 },
    )
  })

  test('behavior: one field of a valid job changed at a time (some still valid)', async () => {
    const bytesOf = (count: number) =>
      Buffer.from(new Uint8Array(Math.max(0, count)).map((_, i) => (i * 7) & 0xff)).toString(
        'base64',
      )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .constantFrom('test-sum', 'test-echo', 'nope', '')
            .map((model) => ({ ...validJob(), model })),
          fc.constantFrom('float32', 'float64', 'int32', 'FLOAT32', '').map((dtype) => ({
            ...validJob(),
            inputs: { x: { ...validJob().inputs.x, dtype } },
          })),
          fc
            .tuple(fc.integer({ min: -1, max: 5 }), fc.integer({ min: 3, max: 5 }), fc.boolean())
            .map(([rows, cols, matching]) => ({
              ...validJob(),
              inputs: {
                x: {
                  dtype: 'float32',
                  dims: [rows, cols],
                  data: bytesOf(matching ? rows * cols * 4 : rows * cols * 4 + 2),
                },
              },
            })),
          fc.base64String({ maxLength: 96 }).map((data) => ({
            ...validJob(),
            inputs: { x: { ...validJob().inputs.x, data } },
          })),
          fc.constantFrom('x', 'y', 'X').map((name) => ({
            ...validJob(),
            inputs: { [name]: validJob().inputs.x },
          })),
        ),
        async (job) => {
          await check({
            path: '/v1/jobs',
            body: JSON.stringify(job),
            contentType: 'application/json',
          })
        },
      ),
      { numRuns: 300 },
    )
  })

  test('behavior: random and truncated bytes under each content type, and CBOR values', async () => {
    const valid = JSON.stringify(validJob())
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc.nat({ max: valid.length }).map((n) => new TextEncoder().encode(valid.slice(0, n))),
          fc.jsonValue({ maxDepth: 3 }).map((v) => encodeCbor(v as never)),
        ),
        fc.constantFrom(
          'application/json',
          'application/cbor',
          'application/octet-stream',
          'text/plain',
        ),
        async (body, contentType) => {
          await check({ path: '/v1/jobs', body, contentType })
        },
      ),
      { numRuns: 300 },
    )
  })

  test('behavior: a body over the size limit and random API keys', async () => {
    await check({
      path: '/v1/jobs',
      body: JSON.stringify({ ...validJob(), pad: 'x'.repeat(300 * 1024) }),
      contentType: 'application/json',
    })
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (auth) => {
        // Header values must be ByteStrings: keep what fetch can send.
        const printable = auth.replace(/[^\x20-\x7e]/g, '')
        await check({
          path: '/v1/jobs',
          body: JSON.stringify(validJob()),
          contentType: 'application/json',
          auth: printable,
        })
      }),
      { numRuns: 100 },
    )
  })

  test('behavior: sign-in with bad SIWE messages, signatures and cookies', async () => {
    const { nonce } = (await (await fetch(`${grid.baseUrl}/v1/auth/nonce`)).json()) as {
      nonce: string
    }
    const account = privateKeyToAccount(generatePrivateKey())
    const siwe = fc.record({
      domain: fc.constantFrom(new URL(grid.baseUrl).host, 'evil.example', 'evil.example:8700'),
      chainId: fc.constantFrom(TEST_CHAIN_ID, 1, 0),
      nonce: fc.oneof(fc.constant(nonce), fc.stringMatching(/^[a-zA-Z0-9]{8,20}$/)),
      issuedAt: fc.date({
        min: new Date('2020-01-01'),
        max: new Date('2030-01-01'),
        noInvalidDate: true,
      }),
      sign: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          siwe.map(async ({ domain, chainId, nonce, issuedAt, sign }) => {
            const message = createSiweMessage({
              address: account.address,
              chainId,
              domain,
              nonce,
              uri: grid.baseUrl,
              version: '1',
              issuedAt,
            })
            // Half signed by another key; the rest by the named wallet (some of those may even
            // be valid sign-ins: a 2xx is an acceptable answer too).
            const signer = sign ? privateKeyToAccount(generatePrivateKey()) : account
            return { message, signature: await signer.signMessage({ message }) }
          }),
          fc.record({ message: fc.string(), signature: fc.string() }).map(async (v) => v),
          fc.jsonValue({ maxDepth: 2 }).map(async (v) => v),
        ),
        async (body) => {
          await check({
            path: '/v1/auth/verify',
            body: JSON.stringify(await body),
            contentType: 'application/json',
          })
        },
      ),
      { numRuns: 150 },
    )
    // Random session cookies read nothing.
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{0,60}$/), async (token) => {
        tried++
        const response = await fetch(`${grid.baseUrl}/v1/earnings`, {
          headers: { cookie: `ig_session=${token}` },
        })
        expect(response.status).toBe(401)
        const json = (await response.json()) as { error?: { code?: unknown } }
        expect(isErrorCode(json.error?.code)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  test('behavior: afterwards the gateway still serves, and only well-formed jobs reached a worker', async () => {
    const malformed: string[] = []
    const worker: SimulatedWorker = await startSimulatedWorker({
      gateway: grid.multiaddrs,
      chainId: TEST_CHAIN_ID,
      slots: 8,
      run: async (job: AssignMessage) => {
        const x = job.inputs.x
        const rows = x?.dims[0] ?? 0
        if (
          Object.keys(job.inputs).length !== 1 ||
          x?.dtype !== 'float32' ||
          x.dims.length !== 2 ||
          x.dims[1] !== 4 ||
          rows < 1 ||
          x.data.byteLength !== rows * 16
        )
          malformed.push(
            JSON.stringify({
              names: Object.keys(job.inputs),
              dtype: x?.dtype,
              dims: x?.dims,
              bytes: x?.data.byteLength,
            }),
          )
        return {
          outputs: {
            sum: float32Tensor([rows, 1], Array(rows).fill(0)),
            max: float32Tensor([rows, 1], Array(rows).fill(0)),
          },
          backend: 'wasm',
          inferenceMs: 0.1,
        }
      },
    })
    try {
      await check({
        path: '/v1/jobs',
        body: JSON.stringify(validJob()),
        contentType: 'application/json',
      })
      const ids = [...accepted]
      await eventually(
        async () => {
          const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
          return jobs.every((job) => job?.state === 'completed')
        },
        { timeoutMs: 30_000, what: 'every accepted job completed' },
      )
      expect(ids.length).toBeGreaterThan(0)
      expect(malformed).toEqual([])
      console.log(`[fuzz] ${ids.length} generated jobs were valid, accepted and completed`)
    } finally {
      await worker.stop()
    }
  })
})
