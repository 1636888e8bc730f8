/**
 * The SDK against a real gateway built in-process (SQLite in a temp dir, the real requester API
 * and scheduler, a real libp2p simulated worker computing the fake models): round trips with
 * typed arrays, and every failure surfacing as a typed error with the grid's code.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BaseError } from '../../src/protocol/errors/BaseError.ts'
import { TensorError } from '../../src/protocol/errors/TensorError.ts'
import { createGridClient, type GridClient } from '../../src/sdk/createGridClient.ts'
import { readJobOutputs } from '../../src/sdk/readJobOutputs.ts'
import { SdkError } from '../../src/sdk/SdkError.ts'
import { sumModel } from '../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../fixtures/simulatedWorker.ts'
import {
  startJobNetwork,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'

let grid: TestJobNetwork
let worker: SimulatedWorker
let client: GridClient
let htmlServer: Server

const sumJob = (values = [1, 2, 3, 4]) => ({
  model: 'test-sum',
  inputs: { x: { dtype: 'float32' as const, dims: [1, 4], data: new Float32Array(values) } },
})

beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
  const { secret } = await grid.network.apiKeys.create(
    { name: 'sdk', ratePerSecond: 1000, burst: 1000 },
    Date.now(),
  )
  client = createGridClient({ baseUrl: grid.baseUrl, apiKey: secret })
  worker = await startSimulatedWorker({ gateway: grid.multiaddrs, chainId: TEST_CHAIN_ID })
  // Something at a URL that is not a gateway: a web server answering HTML.
  htmlServer = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>')
  })
  await new Promise<void>((resolve) => htmlServer.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  await worker?.stop()
  await grid?.stop({ remove: true })
  await new Promise((resolve) => htmlServer?.close(resolve))
})

async function failure(promise: Promise<unknown>): Promise<BaseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof BaseError)) throw new Error(`Expected a BaseError, got ${String(error)}`)
  return error
}

describe('createGridClient: round trips', () => {
  test('default: submit typed arrays, wait, read the outputs as typed arrays', async () => {
    const submitted = await client.submit(sumJob([1, 2, 3, 4.5]))
    expect(submitted).toMatchObject({ status: 'queued', model: sumModel.id })
    const done = await client.wait(submitted.id, { timeoutMs: 20_000 })
    expect(done).toMatchObject({ id: submitted.id, status: 'completed', error: null })
    expect(done.results[0]?.backend).toBe('wasm')
    const outputs = readJobOutputs(done)
    expect(outputs.sum?.data).toBeInstanceOf(Float32Array)
    expect([...(outputs.sum?.data ?? [])]).toEqual([10.5])
    expect([...(outputs.max?.data ?? [])]).toEqual([4.5])
    expect(outputs.sum?.dims).toEqual([1, 1])
  })

  test('behavior: a batch is queued in order, and each job is answered', async () => {
    const ids = await client.submitBatch([sumJob([1, 1, 1, 1]), sumJob([2, 2, 2, 2])])
    expect(ids).toHaveLength(2)
    const jobs = await Promise.all(ids.map((id) => client.wait(id, { timeoutMs: 20_000 })))
    expect(jobs.map((job) => [...(readJobOutputs(job).sum?.data ?? [])])).toEqual([[4], [8]])
  })

  test('behavior: raw little-endian bytes (a protocol Tensor) are sent as they are', async () => {
    const bytes = new Uint8Array(new Int32Array([7, 8, 9]).buffer)
    const job = await client.submit({
      model: 'test-echo',
      inputs: { t: { dtype: 'int32', dims: [3], data: bytes } },
    })
    const copy = readJobOutputs(await client.wait(job.id, { timeoutMs: 20_000 })).copy
    expect(copy?.data).toBeInstanceOf(Int32Array)
    expect([...(copy?.data ?? [])]).toEqual([7, 8, 9])
  })

  test('behavior: wait gives up with SDK_WAIT_TIMEOUT; cancel settles the job as cancelled', async () => {
    // Redundancy 3 cannot be met by one worker: the job stays open.
    const job = await client.submit({ ...sumJob(), redundancy: 3 })
    const timeout = await failure(client.wait(job.id, { timeoutMs: 300 }))
    expect(timeout).toBeInstanceOf(SdkError)
    expect(timeout.code).toBe('SDK_WAIT_TIMEOUT')
    expect(timeout.details).toMatchObject({ jobId: job.id })
    const cancelled = await client.cancel(job.id)
    expect(cancelled.status).toBe('cancelled')
    expect((await client.wait(job.id)).status).toBe('cancelled')
    const error = await failure(Promise.resolve().then(() => readJobOutputs(cancelled)))
    expect(error.code).toBe('JOB_CANCELLED')
    expect((await failure(client.cancel(job.id))).code).toBe('JOB_NOT_CANCELLABLE')
  })

  test('behavior: concurrent waits past the key’s rate limit back off (Retry-After) and finish', async () => {
    const { secret } = await grid.network.apiKeys.create(
      { name: 'tight', ratePerSecond: 4, burst: 2 },
      Date.now(),
    )
    const tight = createGridClient({ baseUrl: grid.baseUrl, apiKey: secret })
    const ids = await tight.submitBatch([sumJob([1, 0, 0, 0]), sumJob([2, 0, 0, 0]), sumJob()])
    // 1 batch + 3 waits = 4 requests against a burst of 2: at least one wait is refused (429).
    const jobs = await Promise.all(ids.map((id) => tight.wait(id, { timeoutMs: 20_000 })))
    expect(jobs.map((job) => [...(readJobOutputs(job).sum?.data ?? [])])).toEqual([[1], [2], [10]])
    // The same waits with no time to back off fail with the gateway's code. (The pause only
    // lets the bucket refill for the batch: 2 tokens at 4/s.)
    await new Promise((resolve) => setTimeout(resolve, 600))
    const more = await tight.submitBatch([sumJob(), sumJob(), sumJob()])
    const outcomes = await Promise.allSettled(more.map((id) => tight.wait(id, { timeoutMs: 1 })))
    const codes = outcomes.map((o) =>
      o.status === 'rejected' ? (o.reason as BaseError).code : 'ok',
    )
    expect(codes).toContain('RATE_LIMITED')
  })

  test('behavior: an abort during a long-poll is SDK_ABORTED', async () => {
    const job = await client.submit({ ...sumJob(), redundancy: 3 })
    const controller = new AbortController()
    const waiting = client.wait(job.id, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user gave up')), 100)
    const error = await failure(waiting)
    expect(error.code).toBe('SDK_ABORTED')
    expect((error.cause as Error).message).toBe('user gave up')
    await client.cancel(job.id)
  })
})

describe('createGridClient: errors carry the grid codes', () => {
  test('error: an unknown API key is API_KEY_INVALID (401)', async () => {
    const stranger = createGridClient({ baseUrl: grid.baseUrl, apiKey: 'igk-not-a-key' })
    const error = await failure(stranger.submit(sumJob()))
    expect(error.code).toBe('API_KEY_INVALID')
    expect(error.name).toBe('ApiKeyError')
    expect(error.details.status).toBe(401)
    const anonymous = createGridClient({ baseUrl: grid.baseUrl })
    expect((await failure(anonymous.get(crypto.randomUUID()))).code).toBe('API_KEY_MISSING')
  })

  test('error: a model the gateway does not serve is JOB_UNKNOWN_MODEL (422)', async () => {
    const error = await failure(client.submit({ ...sumJob(), model: 'no-such-model' }))
    expect(error.code).toBe('JOB_UNKNOWN_MODEL')
    expect(error.details.status).toBe(422)
    expect(error.shortMessage).toContain('no-such-model')
  })

  test('error: a dtype the model does not take is JOB_INPUT_MISMATCH from the gateway', async () => {
    const error = await failure(
      client.submit({
        model: 'test-sum',
        inputs: { x: { dtype: 'int32', dims: [1, 4], data: new Int32Array([1, 2, 3, 4]) } },
      }),
    )
    expect(error.code).toBe('JOB_INPUT_MISMATCH')
    expect(error.shortMessage).toMatch(/float32/)
  })

  test('error: a typed array of the wrong kind for its dtype fails before sending (TensorError)', async () => {
    const error = await failure(
      client.submit({
        model: 'test-sum',
        // @ts-expect-error: a Float32Array declared as int32 is what the check exists for.
        inputs: { x: { dtype: 'int32', dims: [1, 4], data: new Float32Array(4) } },
      }),
    )
    expect(error).toBeInstanceOf(TensorError)
    expect(error.code).toBe('TENSOR_INVALID_DATA')
    const size = await failure(
      client.submit({
        model: 'test-sum',
        inputs: { x: { dtype: 'float32', dims: [1, 5], data: new Float32Array(4) } },
      }),
    )
    expect(size.code).toBe('TENSOR_SIZE_MISMATCH')
  })

  test('error: a job id that is not a UUID is SDK_INVALID_ARGUMENT; an unknown one JOB_NOT_FOUND', async () => {
    expect((await failure(client.get('../models'))).code).toBe('SDK_INVALID_ARGUMENT')
    expect((await failure(client.get(crypto.randomUUID()))).code).toBe('JOB_NOT_FOUND')
  })

  test('error: nobody listening is SDK_NETWORK_FAILED, naming the URL', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const nowhere = createGridClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k' })
    const error = await failure(nowhere.models())
    expect(error).toBeInstanceOf(SdkError)
    expect(error.code).toBe('SDK_NETWORK_FAILED')
    expect(error.shortMessage).toContain(`http://127.0.0.1:${port}`)
    expect(error.shortMessage).toContain('ECONNREFUSED')
  })

  test('error: a server that is not a gateway is SDK_INVALID_RESPONSE', async () => {
    const { port } = htmlServer.address() as AddressInfo
    const web = createGridClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k' })
    const error = await failure(web.submit(sumJob()))
    expect(error.code).toBe('SDK_INVALID_RESPONSE')
    expect(error.details).toMatchObject({ status: 404 })
  })

  test('error: a base URL that is not http(s) is SDK_INVALID_ARGUMENT', () => {
    expect(() => createGridClient({ baseUrl: 'ftp://grid' })).toThrow(SdkError)
    expect(() => createGridClient({ baseUrl: 'not a url' })).toThrow(/is not a URL/)
  })
})
