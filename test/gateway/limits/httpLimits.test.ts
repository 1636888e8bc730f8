// Abuse limits on the gateway's HTTP API (issue 9): per API key (rate, open jobs), per IP address
// on the routes that need no key, and sizes (one job's inputs, one body). Each limit trips on a
// count, answers its typed error with Retry-After where waiting helps, is counted in
// inference_grid_limit_rejections_total and logged, and the gateway keeps serving everyone else:
// another key's jobs still complete on a real worker, another address still gets its nonces.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'
import { readLimitRejections } from './readLimitRejections.ts'

let grid: TestJobNetwork
let worker: SimulatedWorker

const IP_BURST = 5
const MAX_OPEN = 6

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64')
const sumJob = (values = [1, 2, 3, 4]) => ({
  model: 'test-sum',
  inputs: { x: { dtype: 'float32', dims: [1, 4], data: f32(values) } },
})

beforeAll(async () => {
  grid = await startJobNetwork({
    http: true,
    config: { apiMaxBodyBytes: 64 * 1024 },
    // 1 request/s refills slower than the test sends, so every limit below trips on a count.
    args: ['--ip-rate', '1', '--ip-burst', String(IP_BURST)],
  })
})

afterAll(async () => {
  await worker?.stop()
  await grid.stop({ remove: true })
})

type Answer = {
  status: number
  json: { error?: { code: string; message: string } } & Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
}

/** An HTTP request from a chosen loopback address (127.0.0.x are all this machine on Linux). */
function call(
  path: string,
  {
    method = 'GET',
    body,
    auth,
    from = '127.0.0.1',
    contentType = 'application/json',
  }: { method?: string; body?: unknown; auth?: string; from?: string; contentType?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(grid.baseUrl)
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method,
        localAddress: from,
        headers: {
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          ...(payload !== undefined ? { 'content-type': contentType } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          resolve({
            status: res.statusCode ?? 0,
            json: text ? JSON.parse(text) : {},
            headers: res.headers,
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function newKey(name: string, ratePerSecond = 1000, burst = 1000): Promise<string> {
  return (await grid.network.apiKeys.create({ name, ratePerSecond, burst }, Date.now())).secret
}

const limitLines = (limit: string) =>
  grid.logs().filter((line) => line.msg === 'limit refused a request' && line.limit === limit)

describe('HTTP abuse limits', () => {
  test('behavior: per IP on routes without a key: 429 IP_RATE_LIMITED past the burst; other addresses unaffected', async () => {
    const before = await readLimitRejections(grid.metrics.registry, 'ip_rate')
    const answers: Answer[] = []
    for (let i = 0; i < IP_BURST + 3; i++)
      answers.push(await call('/v1/delegations/nonce', { method: 'POST', from: '127.0.0.2' }))
    expect(answers.slice(0, IP_BURST).map((a) => a.status)).toEqual(Array(IP_BURST).fill(201))
    const refused = answers.slice(IP_BURST)
    for (const answer of refused) {
      expect(answer.status).toBe(429)
      expect(answer.json.error?.code).toBe('IP_RATE_LIMITED')
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    }
    // The same bucket covers sign-in and the ledger, so switching routes does not help ...
    expect((await call('/v1/auth/nonce', { from: '127.0.0.2' })).json.error?.code).toBe(
      'IP_RATE_LIMITED',
    )
    expect((await call('/v1/ledger/network', { from: '127.0.0.2' })).status).toBe(429)
    // ... while another address is served, and routes outside the limit still answer this one.
    expect(
      (await call('/v1/delegations/nonce', { method: 'POST', from: '127.0.0.3' })).status,
    ).toBe(201)
    expect((await call('/v1/auth/nonce', { from: '127.0.0.3' })).status).toBe(200)
    expect((await call('/v1/network', { from: '127.0.0.2' })).status).toBe(200)
    expect(await readLimitRejections(grid.metrics.registry, 'ip_rate')).toBe(before + 5)
    expect(limitLines('ip_rate').some((line) => line.subject === '127.0.0.2')).toBe(true)
  })

  test('behavior: per API key rate: 429 RATE_LIMITED, counted; another key keeps submitting', async () => {
    const greedy = await newKey('greedy', 1, 3)
    const polite = await newKey('polite')
    const before = await readLimitRejections(grid.metrics.registry, 'api_key_rate')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await call('/v1/jobs', { method: 'POST', body: sumJob(), auth: greedy })).status,
      )
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202])
    expect(statuses.slice(3)).toEqual([429, 429, 429])
    expect(await readLimitRejections(grid.metrics.registry, 'api_key_rate')).toBe(before + 3)
    expect(limitLines('api_key_rate').length).toBeGreaterThan(0)
    expect((await call('/v1/jobs', { method: 'POST', body: sumJob(), auth: polite })).status).toBe(
      202,
    )
  })

  test('behavior: open jobs per key: 429 REQUESTER_QUEUE_FULL at the cap; the key submits again once jobs finish', async () => {
    await grid.stop({ remove: true })
    grid = await startJobNetwork({
      http: true,
      args: ['--max-open-jobs-per-key', String(MAX_OPEN)],
    })
    const flood = await newKey('flood')
    const other = await newKey('other')
    const before = await readLimitRejections(grid.metrics.registry, 'requester_open_jobs')
    // No worker yet: jobs stay open.
    const batch = await call('/v1/jobs:batch', {
      method: 'POST',
      auth: flood,
      body: { jobs: Array.from({ length: MAX_OPEN - 1 }, (_, i) => sumJob([i, 0, 0, 0])) },
    })
    expect(batch.status).toBe(202)
    expect((await call('/v1/jobs', { method: 'POST', body: sumJob(), auth: flood })).status).toBe(
      202,
    )
    const full = await call('/v1/jobs', { method: 'POST', body: sumJob(), auth: flood })
    expect(full.status).toBe(429)
    expect(full.json.error?.code).toBe('REQUESTER_QUEUE_FULL')
    expect(full.json.error?.message).toContain(`at most ${MAX_OPEN}`)
    expect(full.headers['retry-after']).toBe('5')
    // A batch that would pass the cap is refused whole: nothing of it is stored.
    const overBatch = await call('/v1/jobs:batch', {
      method: 'POST',
      auth: flood,
      body: { jobs: [sumJob(), sumJob()] },
    })
    expect(overBatch.json.error?.code).toBe('REQUESTER_QUEUE_FULL')
    expect(grid.network.scheduler.requesterLoad(keyIdOf(flood)).open).toBe(MAX_OPEN)
    expect(await readLimitRejections(grid.metrics.registry, 'requester_open_jobs')).toBe(before + 2)
    // Another key is not held up by this one's queue; a worker drains both.
    const accepted = await call('/v1/jobs', {
      method: 'POST',
      body: sumJob([5, 5, 5, 5]),
      auth: other,
    })
    expect(accepted.status).toBe(202)
    worker = await startSimulatedWorker({
      gateway: grid.multiaddrs,
      chainId: TEST_CHAIN_ID,
      slots: 4,
    })
    const id = String(accepted.json.id)
    await eventually(
      async () => (await call(`/v1/jobs/${id}`, { auth: other })).json.status === 'completed',
      { timeoutMs: 20_000, what: "the other key's job completes" },
    )
    await eventually(() => grid.network.scheduler.requesterLoad(keyIdOf(flood)).open === 0, {
      timeoutMs: 20_000,
      what: 'the full queue drains',
    })
    expect((await call('/v1/jobs', { method: 'POST', body: sumJob(), auth: flood })).status).toBe(
      202,
    )
  }, 60_000)

  test('behavior: sizes: inputs over --max-job-input-mib are 413 JOB_TOO_LARGE, a body over --api-max-body-mib 413 PAYLOAD_TOO_LARGE; both counted', async () => {
    await grid.stop({ remove: true })
    grid = await startJobNetwork({
      http: true,
      args: ['--max-job-input-mib', '1', '--api-max-body-mib', '4'],
    })
    const key = await newKey('sizes')
    const inputsBefore = await readLimitRejections(grid.metrics.registry, 'job_input_bytes')
    const bodyBefore = await readLimitRejections(grid.metrics.registry, 'http_body_bytes')
    // test-sum takes float32 [batch, 4]: 16 bytes a row.
    const rows = (bytes: number) => {
      const batch = bytes / 16
      return {
        model: 'test-sum',
        inputs: {
          x: {
            dtype: 'float32',
            dims: [batch, 4],
            data: Buffer.alloc(batch * 16).toString('base64'),
          },
        },
      }
    }
    const tooLarge = await call('/v1/jobs', {
      method: 'POST',
      body: rows(2 * 1024 * 1024),
      auth: key,
    })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.json.error?.code).toBe('JOB_TOO_LARGE')
    expect(tooLarge.json.error?.message).toContain('at most 1048576')
    const hugeBody = await call('/v1/jobs', {
      method: 'POST',
      body: rows(4 * 1024 * 1024),
      auth: key,
    })
    expect(hugeBody.status).toBe(413)
    expect(hugeBody.json.error?.code).toBe('PAYLOAD_TOO_LARGE')
    expect(await readLimitRejections(grid.metrics.registry, 'job_input_bytes')).toBe(
      inputsBefore + 1,
    )
    expect(await readLimitRejections(grid.metrics.registry, 'http_body_bytes')).toBe(bodyBefore + 1)
    // Just under the limit is fine.
    expect(
      (await call('/v1/jobs', { method: 'POST', body: rows(1024 * 1024), auth: key })).status,
    ).toBe(202)
  }, 60_000)
})

function keyIdOf(secret: string): string {
  // Secrets are `igk-<id hex>-<random>`; the key's id is `key-<id hex>`.
  return `key-${secret.split('-')[1]}`
}
