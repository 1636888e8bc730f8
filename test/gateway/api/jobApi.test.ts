import { decode as decodeCbor, encode as encodeCbor } from 'cborg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { echoModel, sumModel } from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import { startJobNetwork, TEST_CHAIN_ID, type TestJobNetwork } from '../jobNetworkHarness.ts'

let grid: TestJobNetwork
let key: string
let otherKey: string
let worker: SimulatedWorker | undefined

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64')
const readF32 = (base64: string) => [
  ...new Float32Array(new Uint8Array(Buffer.from(base64, 'base64')).buffer),
]

const sumJob = (values = [1, 2, 3, 4]) => ({
  model: 'test-sum',
  inputs: { x: { dtype: 'float32', dims: [1, 4], data: f32(values) } },
})

beforeAll(async () => {
  grid = await startJobNetwork({ http: true, config: { apiMaxBodyBytes: 256 * 1024 } })
  key = (
    await grid.network.apiKeys.create(
      { name: 'tests', ratePerSecond: 1000, burst: 1000 },
      Date.now(),
    )
  ).secret
  otherKey = (await grid.network.apiKeys.create({ name: 'other' }, Date.now())).secret
})

afterAll(async () => {
  await worker?.stop()
  await grid.stop({ remove: true })
})

type Json = Record<string, unknown> & { error?: { code: string; message: string } }

async function api(
  path: string,
  {
    method = 'GET',
    body,
    auth = key,
    headers = {},
  }: {
    method?: string
    body?: unknown
    auth?: string | null
    headers?: Record<string, string>
  } = {},
): Promise<{ status: number; json: Json; headers: Headers }> {
  const response = await fetch(`${grid.baseUrl}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)
        ? { 'content-type': 'application/json' }
        : {}),
      ...headers,
    },
    body:
      body === undefined
        ? undefined
        : typeof body === 'string' || body instanceof Uint8Array
          ? (body as BodyInit)
          : JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    json: text ? (JSON.parse(text) as Json) : {},
    headers: response.headers,
  }
}

async function ensureWorker(): Promise<void> {
  worker ??= await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    slots: 4,
  })
}

describe('requester API: auth and limits', () => {
  test('error: no API key is 401 API_KEY_MISSING; an unknown one 401 API_KEY_INVALID', async () => {
    expect(await api('/v1/jobs', { method: 'POST', body: sumJob(), auth: null })).toMatchObject({
      status: 401,
      json: { error: { code: 'API_KEY_MISSING' } },
    })
    expect(
      await api('/v1/jobs', { method: 'POST', body: sumJob(), auth: 'igk-nope' }),
    ).toMatchObject({
      status: 401,
      json: { error: { code: 'API_KEY_INVALID' } },
    })
  })

  test('error: past its burst a key gets 429 RATE_LIMITED with Retry-After', async () => {
    const { secret } = await grid.network.apiKeys.create(
      { name: 'slow', ratePerSecond: 0.5, burst: 2 },
      Date.now(),
    )
    const statuses: number[] = []
    let limited: Awaited<ReturnType<typeof api>> | undefined
    for (let i = 0; i < 3; i++) {
      const response = await api('/v1/jobs/00000000-0000-4000-8000-000000000000', { auth: secret })
      statuses.push(response.status)
      if (response.status === 429) limited = response
    }
    expect(statuses).toEqual([404, 404, 429])
    expect(limited?.json.error?.code).toBe('RATE_LIMITED')
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })

  test('error: past its daily quota a key gets 429 QUOTA_EXCEEDED', async () => {
    const { secret } = await grid.network.apiKeys.create(
      { name: 'quota', dailyJobQuota: 2 },
      Date.now(),
    )
    expect((await api('/v1/jobs', { method: 'POST', body: sumJob(), auth: secret })).status).toBe(
      202,
    )
    const batch = await api('/v1/jobs:batch', {
      method: 'POST',
      body: { jobs: [sumJob(), sumJob()] },
      auth: secret,
    })
    expect(batch).toMatchObject({ status: 429, json: { error: { code: 'QUOTA_EXCEEDED' } } })
    expect((await api('/v1/jobs', { method: 'POST', body: sumJob(), auth: secret })).status).toBe(
      202,
    )
    expect((await api('/v1/jobs', { method: 'POST', body: sumJob(), auth: secret })).status).toBe(
      429,
    )
  })

  test('behavior: another key cannot see or cancel a job (404)', async () => {
    const { json } = await api('/v1/jobs', { method: 'POST', body: sumJob() })
    expect((await api(`/v1/jobs/${json.id}`, { auth: otherKey })).json.error?.code).toBe(
      'JOB_NOT_FOUND',
    )
    expect(
      (await api(`/v1/jobs/${json.id}/cancel`, { method: 'POST', auth: otherKey })).status,
    ).toBe(404)
  })
})

describe('requester API: jobs', () => {
  test('default: submit JSON, long-poll until done, read the outputs', async () => {
    const submitted = await api('/v1/jobs', { method: 'POST', body: sumJob([1, 2, 3, 4]) })
    expect(submitted.status).toBe(202)
    expect(submitted.json).toMatchObject({
      status: 'queued',
      model: sumModel.id,
      outputs: ['sum', 'max'],
    })
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${submitted.json.id}`)
    await ensureWorker()
    const done = await api(`/v1/jobs/${submitted.json.id}?wait=10`)
    expect(done.status).toBe(200)
    expect(done.json).toMatchObject({ status: 'completed', attempts: 1, failures: 0, error: null })
    const [result] = done.json.results as {
      outputs: Record<string, { dtype: string; dims: number[]; data: string }>
      backend: string
    }[]
    expect(result?.backend).toBe('wasm')
    expect(result?.outputs.sum).toMatchObject({ dtype: 'float32', dims: [1, 1] })
    expect(readF32(result?.outputs.sum?.data ?? '')).toEqual([10])
    expect(readF32(result?.outputs.max?.data ?? '')).toEqual([4])
  })

  test('behavior: a long-poll returns at its timeout while the job is open, at once when settled', async () => {
    const { secret } = await grid.network.apiKeys.create({ name: 'poll' }, Date.now())
    // Redundancy 8 cannot be met by the one worker: the job stays open.
    const { json } = await api('/v1/jobs', {
      method: 'POST',
      body: { ...sumJob(), redundancy: 8 },
      auth: secret,
    })
    let started = performance.now()
    const open = await api(`/v1/jobs/${json.id}?wait=0.3`, { auth: secret })
    expect(performance.now() - started).toBeGreaterThanOrEqual(280)
    expect(['queued', 'leased']).toContain(open.json.status)
    await api(`/v1/jobs/${json.id}/cancel`, { method: 'POST', auth: secret })
    started = performance.now()
    const settled = await api(`/v1/jobs/${json.id}?wait=5`, { auth: secret })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(settled.json.status).toBe('cancelled')
  })

  test('behavior: submit CBOR (byte-string tensors) and read the job back as CBOR', async () => {
    await ensureWorker()
    const body = encodeCbor({
      model: echoModel.id,
      inputs: {
        t: { dtype: 'int32', dims: [3], data: new Uint8Array(new Int32Array([7, 8, 9]).buffer) },
      },
    })
    const response = await fetch(`${grid.baseUrl}/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/cbor',
        accept: 'application/cbor',
      },
      body: Buffer.from(body),
    })
    expect(response.status).toBe(202)
    expect(response.headers.get('content-type')).toMatch(/^application\/cbor/)
    const job = decodeCbor(new Uint8Array(await response.arrayBuffer())) as { id: string }
    const done = await fetch(`${grid.baseUrl}/v1/jobs/${job.id}?wait=10`, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/cbor' },
    })
    const view = decodeCbor(new Uint8Array(await done.arrayBuffer())) as {
      status: string
      results: { outputs: { copy: { dtype: string; dims: number[]; data: Uint8Array } } }[]
    }
    expect(view.status).toBe('completed')
    const copy = view.results[0]?.outputs.copy
    expect(copy?.data).toBeInstanceOf(Uint8Array)
    expect([...new Int32Array(new Uint8Array(copy?.data ?? []).buffer)]).toEqual([7, 8, 9])
  })

  test('behavior: batch submit queues every job, in order', async () => {
    await ensureWorker()
    const batch = await api('/v1/jobs:batch', {
      method: 'POST',
      body: {
        jobs: [
          sumJob([1, 1, 1, 1]),
          sumJob([2, 2, 2, 2]),
          { ...sumJob([3, 3, 3, 3]), outputs: ['max'] },
        ],
      },
    })
    expect(batch.status).toBe(202)
    const jobs = batch.json.jobs as { id: string; status: string }[]
    expect(jobs.map((j) => j.status)).toEqual(['queued', 'queued', 'queued'])
    const views = await Promise.all(jobs.map((j) => api(`/v1/jobs/${j.id}?wait=10`)))
    const outputs = views.map(
      (v) => (v.json.results as { outputs: Record<string, { data: string }> }[])[0]?.outputs,
    )
    expect(readF32(outputs[0]?.sum?.data ?? '')).toEqual([4])
    expect(readF32(outputs[1]?.sum?.data ?? '')).toEqual([8])
    expect(Object.keys(outputs[2] ?? {})).toEqual(['max'])
  })

  test('behavior: cancel a queued job; cancelling it again is 409 JOB_NOT_CANCELLABLE', async () => {
    const { secret } = await grid.network.apiKeys.create({ name: 'cancel' }, Date.now())
    // Redundancy 8 cannot be met by one worker: the job stays open until cancelled.
    const { json } = await api('/v1/jobs', {
      method: 'POST',
      body: { ...sumJob(), redundancy: 8 },
      auth: secret,
    })
    const cancelled = await api(`/v1/jobs/${json.id}/cancel`, { method: 'POST', auth: secret })
    expect(cancelled).toMatchObject({
      status: 200,
      json: { status: 'cancelled', error: { code: 'JOB_CANCELLED' } },
    })
    const again = await api(`/v1/jobs/${json.id}/cancel`, { method: 'POST', auth: secret })
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'JOB_NOT_CANCELLABLE' } } })
  })
})

describe('requester API: validation', () => {
  test.each([
    ['not JSON', '{"model":', 400, 'BAD_REQUEST'],
    ['an unknown field', { ...sumJob(), colour: 'red' }, 400, 'JOB_REQUEST_INVALID'],
    ['no inputs', { model: 'test-sum' }, 400, 'JOB_REQUEST_INVALID'],
    [
      'a bad dtype',
      {
        model: 'test-sum',
        inputs: { x: { dtype: 'float128', dims: [1, 4], data: f32([1, 2, 3, 4]) } },
      },
      400,
      'TENSOR_UNSUPPORTED_DTYPE',
    ],
    [
      'bytes that do not fill the dims',
      {
        model: 'test-sum',
        inputs: { x: { dtype: 'float32', dims: [2, 4], data: f32([1, 2, 3, 4]) } },
      },
      400,
      'TENSOR_SIZE_MISMATCH',
    ],
    [
      'bad base64',
      { model: 'test-sum', inputs: { x: { dtype: 'float32', dims: [1, 4], data: 'not base64!' } } },
      400,
      'TENSOR_INVALID_DATA',
    ],
    ['a redundancy out of range', { ...sumJob(), redundancy: 99 }, 400, 'JOB_REQUEST_INVALID'],
    ['an unknown model', { ...sumJob(), model: 'no-such-model' }, 422, 'JOB_UNKNOWN_MODEL'],
    [
      'a dtype the model does not take',
      {
        model: 'test-sum',
        inputs: { x: { dtype: 'int32', dims: [1, 4], data: f32([1, 2, 3, 4]) } },
      },
      422,
      'JOB_INPUT_MISMATCH',
    ],
    [
      'dims the model does not take',
      {
        model: 'test-sum',
        inputs: { x: { dtype: 'float32', dims: [2, 2], data: f32([1, 2, 3, 4]) } },
      },
      422,
      'JOB_INPUT_MISMATCH',
    ],
    [
      'an extra input',
      { model: 'test-sum', inputs: { x: sumJob().inputs.x, y: sumJob().inputs.x } },
      422,
      'JOB_INPUT_MISMATCH',
    ],
    ['an output the model lacks', { ...sumJob(), outputs: ['mean'] }, 422, 'JOB_INPUT_MISMATCH'],
    [
      'an empty batch (nothing to run; found by the HTTP fuzz test)',
      { model: 'test-sum', inputs: { x: { dtype: 'float32', dims: [0, 4], data: '' } } },
      422,
      'JOB_INPUT_MISMATCH',
    ],
  ])('error: %s is %i %s', async (_name, body, status, code) => {
    const response = await api('/v1/jobs', {
      method: 'POST',
      body,
      headers: typeof body === 'string' ? { 'content-type': 'application/json' } : {},
    })
    expect(response.status).toBe(status)
    expect(response.json.error?.code).toBe(code)
    expect(response.json.error?.message.length).toBeGreaterThan(5)
  })

  test('error: malformed CBOR is 400 with a protocol code', async () => {
    const response = await api('/v1/jobs', {
      method: 'POST',
      body: new Uint8Array([0xa1, 0x65, 0x6d, 0x6f]),
      headers: { 'content-type': 'application/cbor' },
    })
    expect(response.status).toBe(400)
    expect(response.json.error?.code).toMatch(/^PROTOCOL_/)
  })

  test('error: a body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
    const big = f32(Array.from({ length: 100_000 }, () => 1))
    const response = await api('/v1/jobs', {
      method: 'POST',
      body: {
        model: 'test-sum',
        inputs: { x: { dtype: 'float32', dims: [25_000, 4], data: big } },
      },
    })
    expect(response).toMatchObject({ status: 413, json: { error: { code: 'PAYLOAD_TOO_LARGE' } } })
  })

  test('error: a wait out of range is 400', async () => {
    const { json } = await api('/v1/jobs', { method: 'POST', body: sumJob() })
    expect((await api(`/v1/jobs/${json.id}?wait=9999`)).json.error?.code).toBe(
      'JOB_REQUEST_INVALID',
    )
    expect((await api('/v1/jobs/not-a-uuid')).json.error?.code).toBe('JOB_NOT_FOUND')
  })
})

describe('requester API: discovery', () => {
  test('default: /v1/network names the peer id and dialable multiaddrs', async () => {
    const { status, json } = await api('/v1/network', { auth: null })
    expect(status).toBe(200)
    expect(json.peerId).toBe(grid.network.node().peerId.toString())
    expect(json.protocol).toBe('/inference-grid/work/1.0.0')
    expect(json.chainId).toBe(TEST_CHAIN_ID)
    const ws = json.websocket as string[]
    const rtc = json.webrtcDirect as string[]
    expect(ws[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3Koo/)
    expect(rtc[0]).toMatch(
      /^\/ip4\/127\.0\.0\.1\/udp\/\d+\/webrtc-direct\/certhash\/u[\w-]+\/p2p\/12D3Koo/,
    )
  })

  test('default: a delegation nonce is 32 random bytes, fresh each time', async () => {
    const a = await api('/v1/delegations/nonce', { method: 'POST', auth: null })
    const b = await api('/v1/delegations/nonce', { method: 'POST', auth: null })
    expect(a.status).toBe(201)
    expect(a.json.nonce).toMatch(/^0x[0-9a-f]{64}$/)
    expect(a.json.nonce).not.toBe(b.json.nonce)
  })

  test('default: /v1/openapi.json is an OpenAPI 3.1 document of these routes', async () => {
    const { status, json } = await api('/v1/openapi.json', { auth: null })
    expect(status).toBe(200)
    expect(json.openapi).toBe('3.1.0')
    expect(Object.keys(json.paths as object).sort()).toEqual([
      '/v1/delegations/nonce',
      '/v1/jobs',
      '/v1/jobs/{id}',
      '/v1/jobs/{id}/cancel',
      '/v1/jobs:batch',
      '/v1/network',
    ])
  })

  test('default: /metrics has the job network series', async () => {
    const text = await (await fetch(`${grid.baseUrl}/metrics`)).text()
    for (const name of [
      'inference_grid_workers_connected',
      'inference_grid_jobs{state="queued"}',
      'inference_grid_jobs_completed_total',
      'inference_grid_jobs_failed_total',
      'inference_grid_lease_expiries_total',
      'inference_grid_result_latency_seconds_bucket',
    ])
      expect(text).toContain(name)
  })
})
