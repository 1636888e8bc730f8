import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createGridWorker, type GridWorker } from '../../src/p2p/createGridWorker.ts'
import { generateSessionKey } from '../../src/protocol/eip712/generateSessionKey.ts'
import { runFakeModel } from '../fixtures/fakeModelCatalog.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'

// The grid worker that browser tabs run, here in Node against the real in-process gateway (the
// libp2p node builder uses node-datachannel for WebRTC-Direct in Node): bootstrap from
// GET /v1/network, WebRTC-Direct chosen first, jobs served, reconnect after the connection drops.
let grid: TestJobNetwork
let worker: GridWorker | undefined

beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
})

afterAll(async () => {
  await worker?.stop()
  await grid.stop({ remove: true })
})

describe('createGridWorker', () => {
  test('default: connects over WebRTC-Direct, serves jobs, and reconnects when the connection drops', async () => {
    const key = await generateSessionKey('P-256')
    worker = createGridWorker({
      baseUrl: grid.baseUrl,
      allowInsecureLocal: true,
      clientVersion: 'grid-worker-test/1',
      sessionKey: {
        privateKey: key.keyPair.privateKey,
        publicKey: key.publicKeyHex,
        keyType: 'P-256',
      },
      hello: () => ({ backends: [{ backend: 'wasm', selfTests: [] }], cachedModels: [] }),
      runJob: async (job) => ({
        outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
        backend: 'wasm',
        inferenceMs: 0,
      }),
      backoff: { initialMs: 50, maxMs: 200 },
      heartbeatIntervalMs: 500,
      peerTimeoutMs: 3000,
    })
    await worker.start()
    const current = worker
    await eventually(() => current.status().state === 'connected', { what: 'connected' })
    expect(current.status()).toMatchObject({ transport: 'webrtc-direct', sessions: 1 })
    expect(current.status().remoteAddr).toMatch(/\/webrtc-direct\/certhash\//)

    const first = await submitJobs(
      grid.network,
      Array.from({ length: 10 }, () => ({})),
    )
    await eventually(() => current.status().jobsDone === 10, { what: '10 jobs done' })
    for (const id of first) expect((await grid.network.store.getJob(id))?.state).toBe('completed')

    // The gateway drops the connection: the worker comes back on its own and keeps serving.
    const peerId = current.status().peerId
    if (!peerId) throw new Error('no peer id')
    const gatewayNode = grid.network.node()
    const [connection] = gatewayNode
      .getConnections()
      .filter((c) => c.remotePeer.toString() === peerId)
    await connection?.close()
    await eventually(
      () => current.status().sessions === 2 && current.status().state === 'connected',
      {
        what: 'a second session',
      },
    )
    const second = await submitJobs(
      grid.network,
      Array.from({ length: 5 }, () => ({})),
    )
    await eventually(() => current.status().jobsDone === 15, { what: '15 jobs done' })
    for (const id of second) expect((await grid.network.store.getJob(id))?.state).toBe('completed')

    await current.stop()
    expect(current.status()).toMatchObject({ state: 'stopped', currentJobs: [] })
  })

  test('behavior: setSlots(0) pauses without losing jobs; throughput counts the last minute', async () => {
    const key = await generateSessionKey('P-256')
    const paused = createGridWorker({
      baseUrl: grid.baseUrl,
      allowInsecureLocal: true,
      clientVersion: 'grid-worker-test/1',
      sessionKey: {
        privateKey: key.keyPair.privateKey,
        publicKey: key.publicKeyHex,
        keyType: 'P-256',
      },
      slots: 0,
      hello: () => ({ backends: [{ backend: 'wasm', selfTests: [] }], cachedModels: [] }),
      runJob: async (job) => ({
        outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
        backend: 'wasm',
        inferenceMs: 0,
      }),
      backoff: { initialMs: 50, maxMs: 200 },
    })
    worker = paused
    await paused.start()
    await eventually(() => paused.status().state === 'connected', { what: 'connected' })
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 6 }, () => ({})),
    )
    // Paused from the hello on: the gateway assigns nothing.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(paused.status()).toMatchObject({ slots: 0, jobsDone: 0, currentJobs: [] })
    for (const id of ids) expect((await grid.network.store.getJob(id))?.state).toBe('queued')

    paused.setSlots(2)
    await eventually(() => paused.status().jobsDone === 6, { what: '6 jobs done' })
    expect(paused.status().slots).toBe(2)
    expect(paused.status().recentDoneAt).toHaveLength(6)
    expect(paused.status().runningModels).toEqual([])
    for (const id of ids) expect((await grid.network.store.getJob(id))?.state).toBe('completed')
    await paused.stop()
  })

  test('error: a gateway with no HTTP API leaves the worker retrying with the error shown', async () => {
    const key = await generateSessionKey('P-256')
    const lonely = createGridWorker({
      baseUrl: 'http://127.0.0.1:9/',
      allowInsecureLocal: true,
      clientVersion: 'grid-worker-test/1',
      sessionKey: {
        privateKey: key.keyPair.privateKey,
        publicKey: key.publicKeyHex,
        keyType: 'P-256',
      },
      hello: () => ({ backends: [], cachedModels: [] }),
      runJob: () => Promise.reject(new Error('unused')),
      backoff: { initialMs: 20, maxMs: 40 },
    })
    await lonely.start()
    await eventually(() => lonely.status().retryInMs !== undefined, { what: 'a retry' })
    expect(lonely.status()).toMatchObject({ state: 'reconnecting', sessions: 0 })
    expect(lonely.status().lastError).toMatch(/GET http:\/\/127\.0\.0\.1:9\/v1\/network failed/)
    await lonely.stop()
  })
})
