import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Libp2p } from 'libp2p'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { decodeTensorMapCanonical } from '../../../src/gateway/scheduler/decodeTensorMapCanonical.ts'
import { createMessageChannel, type MessageChannel } from '../../../src/p2p/createMessageChannel.ts'
import { createGridDomain } from '../../../src/protocol/eip712/createGridDomain.ts'
import { generateSessionKey } from '../../../src/protocol/eip712/generateSessionKey.ts'
import { resultClaimFromMessage } from '../../../src/protocol/eip712/resultClaimFromMessage.ts'
import { signResult } from '../../../src/protocol/eip712/signResult.ts'
import { JobError } from '../../../src/protocol/errors/JobError.ts'
import { hashTensorMap } from '../../../src/protocol/hash/hashTensorMap.ts'
import {
  type AssignMessage,
  type Message,
  PROTOCOL_VERSION,
  type ResultMessage,
} from '../../../src/protocol/messages.ts'
import type { TensorMap } from '../../../src/protocol/tensor/Tensor.ts'
import {
  float32Tensor,
  int32Tensor,
  readFloat32,
  runFakeModel,
} from '../../fixtures/fakeModelCatalog.ts'
import {
  createTestNode,
  openWorkStream,
  pickAddress,
  type SimulatedWorker,
  sleep,
  startSimulatedWorker,
} from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function network(
  options: Parameters<typeof startJobNetwork>[0] = {},
): Promise<TestJobNetwork> {
  const started = await startJobNetwork(options)
  cleanups.push(() => started.stop({ remove: true }))
  return started
}

async function worker(
  grid: TestJobNetwork,
  options: Partial<Parameters<typeof startSimulatedWorker>[0]> = {},
): Promise<SimulatedWorker> {
  const started = await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    ...options,
  })
  cleanups.push(() => started.stop())
  return started
}

function resultCount(grid: TestJobNetwork, jobId: string): number {
  return (
    grid.database.sqlite
      .prepare<[string], { n: number }>('SELECT count(*) AS n FROM job_results WHERE job_id = ?')
      .get(jobId)?.n ?? -1
  )
}

describe('work protocol', () => {
  test('default: a worker says hello, gets jobs, and each job completes exactly once', async () => {
    const grid = await network()
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 20 }, () => ({})),
    )
    const w = await worker(grid, { slots: 3 })
    await eventually(
      async () => {
        const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
        return jobs.every((job) => job?.state === 'completed')
      },
      { what: 'all jobs completed' },
    )
    for (const id of ids) expect(resultCount(grid, id)).toBe(1)
    const [first] = ids
    const results = await grid.network.scheduler.getResults(first ?? '')
    expect(results[0]?.backend).toBe('wasm')
    // The job is completed in the database before its ack reaches the worker: wait for the acks.
    await eventually(async () => w.client.stats().accepted === 20, { what: 'all acks received' })
    expect(w.client.stats()).toMatchObject({ resultsSent: 20, accepted: 20, rejected: 0 })
  })
})

type RawSession = {
  channel: MessageChannel
  stream: Stream
  node: Libp2p
  sessionKey: Awaited<ReturnType<typeof generateSessionKey>>
  /** Messages received so far. */
  received: Message[]
  next(type: Message['type'], timeoutMs?: number): Promise<Message>
  closed: Promise<void>
}

/** A worker speaking the protocol by hand, to send what the real client never would. */
async function rawSession(
  grid: TestJobNetwork,
  { hello = true, slots = 1 } = {},
): Promise<RawSession> {
  const node = await createTestNode()
  cleanups.push(async () => node.stop())
  const stream = await openWorkStream(node, pickAddress(grid.multiaddrs, 'ws'))
  const channel = createMessageChannel(stream)
  const sessionKey = await generateSessionKey('Ed25519')
  const received: Message[] = []
  const waiters = new Set<() => void>()
  const closed = (async () => {
    try {
      for (;;) {
        const message = await channel.read()
        if (!message) return
        received.push(message)
        for (const wake of waiters) wake()
      }
    } catch {
      // The gateway dropped us: that is what several tests expect.
    } finally {
      for (const wake of waiters) wake()
    }
  })()
  const session: RawSession = {
    channel,
    stream,
    node,
    sessionKey,
    received,
    closed,
    next(type, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no ${type}; got ${received.map((m) => m.type).join(', ')}`))
        }, timeoutMs)
        const check = () => {
          const index = received.findIndex((m) => m.type === type)
          if (index === -1) return
          const [message] = received.splice(index, 1)
          clearTimeout(timer)
          waiters.delete(check)
          if (message) resolve(message)
        }
        waiters.add(check)
        check()
      })
    },
  }
  if (hello) {
    await channel.send({
      v: PROTOCOL_VERSION,
      type: 'hello',
      clientVersion: 'raw-test/1',
      backends: [{ backend: 'wasm', selfTests: [] }],
      cachedModels: [],
      slots,
      sessionKey: { publicKey: sessionKey.publicKeyHex, keyType: 'Ed25519' },
    })
  }
  return session
}

/** A correct result for an assignment, signed by `signer` (the session key unless forging). */
async function resultFor(
  assign: AssignMessage,
  session: RawSession,
  {
    signer = session.sessionKey,
    outputs,
  }: { signer?: RawSession['sessionKey']; outputs?: TensorMap } = {},
): Promise<ResultMessage> {
  const out = outputs ?? runFakeModel(assign.modelId, assign.inputs, assign.outputNames)
  const inputHash = await hashTensorMap(assign.inputs)
  const outputHash = await hashTensorMap(out)
  const timings = { inferenceMs: 1, totalMs: 2 }
  const claim = resultClaimFromMessage(
    { jobId: assign.jobId, inputHash, outputHash, backend: 'wasm', timings },
    { modelId: assign.modelId, sessionKey: session.sessionKey.publicKeyHex },
  )
  const signature = await signResult(
    signer.keyPair.privateKey,
    'Ed25519',
    claim,
    createGridDomain({ chainId: TEST_CHAIN_ID }),
  )
  return {
    v: PROTOCOL_VERSION,
    type: 'result',
    jobId: assign.jobId,
    outputs: out,
    inputHash,
    outputHash,
    backend: 'wasm',
    timings,
    signature,
  }
}

function errorCodeOf(message: Message): string | undefined {
  return message.type === 'error' ? message.error.code : undefined
}

describe('work protocol: slots, leases and disconnects', () => {
  test('behavior: a worker holds and runs several jobs at once (slots)', async () => {
    const grid = await network()
    let running = 0
    let peak = 0
    await worker(grid, {
      slots: 3,
      run: async (job) => {
        running++
        peak = Math.max(peak, running)
        await sleep(150)
        running--
        return {
          outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
          backend: 'wasm',
          inferenceMs: 150,
        }
      },
    })
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 6 }, () => ({})),
    )
    await eventually(
      async () => (await grid.network.scheduler.getJob(ids.at(-1) ?? ''))?.state === 'completed',
    )
    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    expect(peak).toBe(3)
  })

  test('behavior: setSlots(0) pauses a worker: it finishes what it holds and gets nothing new', async () => {
    const grid = await network()
    const w = await worker(grid, { slots: 2, delayMs: 100 })
    const first = await submitJobs(grid.network, [{}, {}])
    await w.waitFor((events) => events.filter((e) => e.type === 'assigned').length === 2)
    w.client.setSlots(0)
    const later = await submitJobs(grid.network, [{}, {}])
    await eventually(async () => {
      const jobs = await Promise.all(first.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    await sleep(200)
    expect(w.events.filter((e) => e.type === 'assigned')).toHaveLength(2)
    expect((await grid.network.scheduler.getJob(later[0] ?? ''))?.state).toBe('queued')
    w.client.setSlots(2)
    await eventually(async () => {
      const jobs = await Promise.all(later.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
  })

  test('behavior: a worker that disconnects mid-job loses nothing: another worker completes it', async () => {
    const grid = await network()
    const slow = await worker(grid, { slots: 2, delayMs: 60_000 })
    const ids = await submitJobs(grid.network, [{}, {}])
    await slow.waitFor((events) => events.filter((e) => e.type === 'assigned').length === 2)
    await slow.node.stop()
    await eventually(
      async () => (await grid.network.scheduler.getJob(ids[0] ?? ''))?.state === 'queued',
      {
        what: 'requeue after disconnect',
      },
    )
    const fast = await worker(grid, { slots: 2 })
    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    for (const id of ids) {
      expect(resultCount(grid, id)).toBe(1)
      const job = await grid.network.scheduler.getJob(id)
      expect(job).toMatchObject({ leasesIssued: 2, failures: 1 })
    }
    const ends = grid.database.sqlite
      .prepare('SELECT state, end_code AS code FROM job_leases WHERE job_id = ? ORDER BY id')
      .all(ids[0])
    expect(ends).toEqual([
      { state: 'failed', code: 'WORK_WORKER_DISCONNECTED' },
      { state: 'completed', code: null },
    ])
    // The ack trails the database commit: wait for it.
    await eventually(async () => fast.client.stats().accepted === 2, { what: 'acks received' })
    expect(fast.client.stats().accepted).toBe(2)
  })

  test('behavior: the worker overhead histogram counts each accepted result, less its reported inference time', async () => {
    const grid = await network()
    // The run takes >= 100 ms but reports 10 ms of inference: >= 90 ms is overhead.
    await worker(grid, {
      slots: 1,
      run: async (job) => {
        await sleep(100)
        return {
          outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
          backend: 'wasm',
          inferenceMs: 10,
        }
      },
    })
    const ids = await submitJobs(grid.network, [{}, {}, {}])
    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    const text = await grid.metrics.registry.getSingleMetricAsString(
      'inference_grid_worker_overhead_seconds',
    )
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    expect(sample('inference_grid_worker_overhead_seconds_count')).toBe(3)
    expect(sample('inference_grid_worker_overhead_seconds_sum')).toBeGreaterThanOrEqual(3 * 0.09)
    expect(sample('inference_grid_worker_overhead_seconds_bucket\\{le="0.05"\\}')).toBe(0)
  })

  test('behavior: an expired lease requeues the job; the late worker is told to drop it', async () => {
    const grid = await network({ config: { leaseMs: 300 } })
    const slow = await worker(grid, { slots: 1, delayMs: 60_000 })
    const [id = ''] = await submitJobs(grid.network, [{}])
    await slow.waitFor((events) => events.some((e) => e.type === 'job-dropped'))
    const dropped = slow.events.find((e) => e.type === 'job-dropped')
    expect(dropped?.type === 'job-dropped' && dropped.error.code).toBe('JOB_LEASE_EXPIRED')
    await slow.client.stop()
    await worker(grid, { slots: 1 })
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'completed')
    const leases = grid.database.sqlite
      .prepare('SELECT state, end_code AS code FROM job_leases WHERE job_id = ? ORDER BY id')
      .all(id)
    expect(leases[0]).toEqual({ state: 'expired', code: 'JOB_LEASE_EXPIRED' })
    expect(leases.at(-1)).toEqual({ state: 'completed', code: null })
    expect(resultCount(grid, id)).toBe(1)
    expect(
      await grid.metrics.registry.getSingleMetricAsString('inference_grid_lease_expiries_total'),
    ).toMatch(/ [1-9]\d*$/m)
  })

  test('behavior: bounded retries, then the job fails with its reason', async () => {
    const grid = await network()
    const failing = await worker(grid, {
      run: async () => {
        throw new JobError('The backend crashed.', { code: 'JOB_INFERENCE_FAILED' })
      },
    })
    const [id = ''] = await submitJobs(grid.network, [{ maxAttempts: 2 }])
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'failed')
    const job = await grid.network.scheduler.getJob(id)
    expect(job).toMatchObject({
      state: 'failed',
      failures: 2,
      leasesIssued: 2,
      failureCode: 'JOB_ATTEMPTS_EXHAUSTED',
    })
    expect(job?.failureMessage).toMatchInlineSnapshot(
      `"All 2 attempts failed; the last ended with JOB_INFERENCE_FAILED."`,
    )
    expect(failing.client.stats().failed).toBe(2)
    expect(resultCount(grid, id)).toBe(0)
  })

  test('behavior: a worker that goes silent is dropped after the liveness timeout and its job requeued', async () => {
    const grid = await network({ config: { heartbeatMs: 150 } })
    const silent = await rawSession(grid)
    const [id = ''] = await submitJobs(grid.network, [{}])
    await silent.next('assign')
    // No heartbeats, no result: after 3 heartbeat intervals the gateway gives up on us.
    const error = await silent.next('error', 3000)
    expect(errorCodeOf(error)).toBe('WORK_PEER_TIMEOUT')
    await silent.closed
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'queued')
    expect((await grid.network.scheduler.getJob(id))?.failures).toBe(1)
  })

  test("behavior: an idle worker whose own heartbeat is slower than the gateway's answers the gateway's and stays connected", async () => {
    // Gateway: heartbeat every 150 ms, silence for 450 ms ends a session. The worker's own timer
    // (10 s) would never fire in time: it must answer the gateway's heartbeats instead.
    const grid = await network({ config: { heartbeatMs: 150 } })
    const idle = await worker(grid, { heartbeatIntervalMs: 10_000 })
    await sleep(2_000)
    expect(idle.events.filter((event) => event.type === 'closed')).toEqual([])
    const [id = ''] = await submitJobs(grid.network, [{}])
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'completed')
    expect((await grid.network.scheduler.getJob(id))?.failures).toBe(0)
  })

  test('behavior: a cancelled job is dropped by the worker holding it', async () => {
    const grid = await network()
    const slow = await worker(grid, { slots: 1, delayMs: 60_000 })
    const [id = ''] = await submitJobs(grid.network, [{}])
    await slow.waitFor((events) => events.some((e) => e.type === 'assigned'))
    expect(await grid.network.scheduler.cancel(id, 'requester-a')).toMatchObject({
      outcome: 'cancelled',
    })
    await slow.waitFor((events) => events.some((e) => e.type === 'job-dropped'))
    const dropped = slow.events.find((e) => e.type === 'job-dropped')
    expect(dropped?.type === 'job-dropped' && dropped.error.code).toBe('JOB_CANCELLED')
    expect((await grid.network.scheduler.getJob(id))?.state).toBe('cancelled')
  })

  test('behavior: under churn (a worker leaving mid-run) 200 jobs all complete, each exactly once', async () => {
    const grid = await network()
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 200 }, () => ({})),
    )
    const workers = await Promise.all(
      [1, 2, 3, 4].map((n) => worker(grid, { slots: 4, delayMs: n === 4 ? 30 : 2 })),
    )
    const leaving = workers[3]
    await leaving?.waitFor((events) => events.filter((e) => e.type === 'result-sent').length >= 3)
    await leaving?.node.stop()
    await eventually(
      async () => {
        const row = grid.database.sqlite
          .prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs WHERE state = 'completed'")
          .get()
        return row?.n === 200
      },
      { timeoutMs: 20_000, what: '200 completed jobs' },
    )
    const perJob = grid.database.sqlite
      .prepare<[], { job_id: string; n: number }>(
        'SELECT job_id, count(*) AS n FROM job_results GROUP BY job_id',
      )
      .all()
    expect(perJob).toHaveLength(200)
    expect(perJob.every((row) => row.n === 1)).toBe(true)
    expect(new Set(perJob.map((row) => row.job_id))).toEqual(new Set(ids))
  })
})

describe('work protocol: boundary checks', () => {
  test('error: garbage frames get an error and a disconnect, and other workers keep working', async () => {
    const grid = await network()
    const good = await worker(grid, { slots: 2 })
    const bad = await rawSession(grid, { hello: false })
    const lp = lpStream(bad.stream)
    await lp.write(new Uint8Array([0xff, 0x00, 0x13, 0x37, 0xde, 0xad]))
    const error = await bad.next('error')
    expect(errorCodeOf(error)).toMatch(/^PROTOCOL_/)
    await bad.closed
    await eventually(() => bad.node.getConnections().length === 0, { what: 'disconnect' })
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 5 }, () => ({})),
    )
    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    // The ack trails the database commit: wait for it.
    await eventually(async () => good.client.stats().accepted === 5, { what: 'acks received' })
    expect(good.client.stats().accepted).toBe(5)
    expect(
      await grid.metrics.registry.getSingleMetricAsString('inference_grid_protocol_errors_total'),
    ).toContain('PROTOCOL_')
  })

  test('error: an oversized frame is refused from its length prefix alone', async () => {
    const grid = await network()
    const bad = await rawSession(grid, { hello: false })
    // A varint saying 64 MiB follows, then nothing: the gateway must not wait for the body.
    bad.stream.send(new Uint8Array([0x80, 0x80, 0x80, 0x20]))
    const error = await bad.next('error')
    expect(errorCodeOf(error)).toBe('PROTOCOL_OVERSIZED')
    await bad.closed
  })

  test('error: the first message must be a hello', async () => {
    const grid = await network()
    const bad = await rawSession(grid, { hello: false })
    await bad.channel.send({ v: PROTOCOL_VERSION, type: 'slots', free: 2 })
    expect(errorCodeOf(await bad.next('error'))).toBe('WORK_HELLO_REQUIRED')
    await bad.closed
  })

  test('error: a worker may not send gateway messages', async () => {
    const grid = await network()
    const bad = await rawSession(grid)
    await bad.channel.send({ v: PROTOCOL_VERSION, type: 'ack', jobId: 'x', accepted: true })
    expect(errorCodeOf(await bad.next('error'))).toBe('WORK_UNEXPECTED_MESSAGE')
    await bad.closed
  })

  test('error: a forged result signature is refused and does not complete the job', async () => {
    const grid = await network()
    const forger = await rawSession(grid)
    const [id = ''] = await submitJobs(grid.network, [{ maxAttempts: 5 }])
    const assign = (await forger.next('assign')) as AssignMessage
    const otherKey = await generateSessionKey('Ed25519')
    await forger.channel.send(await resultFor(assign, forger, { signer: otherKey }))
    expect(await forger.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_INVALID_SIGNATURE',
    })
    expect(resultCount(grid, id)).toBe(0)
    const job = await grid.network.scheduler.getJob(id)
    expect(job?.state).not.toBe('completed')
    expect(job?.failures).toBe(1)
  })

  test('error: a result for a job not leased to this session is refused', async () => {
    const grid = await network()
    const a = await rawSession(grid)
    const [id = ''] = await submitJobs(grid.network, [{}])
    const assign = (await a.next('assign')) as AssignMessage
    const b = await rawSession(grid)
    // b answers a's job (correctly computed, signed by b's own key): not b's lease.
    await b.channel.send(await resultFor(assign, b))
    expect(await b.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_NOT_LEASED',
    })
    // An id nobody leased at all.
    await b.channel.send({ ...(await resultFor(assign, b)), jobId: 'no-such-job' })
    expect(await b.next('ack')).toMatchObject({
      jobId: 'no-such-job',
      accepted: false,
      code: 'RESULT_NOT_LEASED',
    })
    // a's own answer still counts, once.
    await a.channel.send(await resultFor(assign, a))
    expect(await a.next('ack')).toMatchObject({ jobId: id, accepted: true })
    await a.channel.send(await resultFor(assign, a))
    expect(await a.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_REPLAYED',
    })
    expect(resultCount(grid, id)).toBe(1)
  })

  test('error: outputs whose dtype or names differ from the manifest are refused', async () => {
    const grid = await network()
    const w = await rawSession(grid)
    const [id = ''] = await submitJobs(grid.network, [{ maxAttempts: 5 }])
    const assign = (await w.next('assign')) as AssignMessage
    const wrong = { sum: int32Tensor([1, 1], [6]), max: int32Tensor([1, 1], [3]) }
    await w.channel.send(await resultFor(assign, w, { outputs: wrong }))
    expect(await w.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_OUTPUT_INVALID',
    })
    const reassigned = (await w.next('assign')) as AssignMessage
    const missing = { sum: float32Tensor([1, 1], [6]) }
    await w.channel.send(await resultFor(reassigned, w, { outputs: missing }))
    expect(await w.next('ack')).toMatchObject({ accepted: false, code: 'RESULT_OUTPUT_INVALID' })
    expect(resultCount(grid, id)).toBe(0)
  })

  test('error: a result whose outputHash does not match its outputs is refused', async () => {
    const grid = await network()
    const w = await rawSession(grid)
    const [id = ''] = await submitJobs(grid.network, [{}])
    const assign = (await w.next('assign')) as AssignMessage
    const result = await resultFor(assign, w)
    await w.channel.send({ ...result, outputHash: `0x${'00'.repeat(32)}` })
    expect(await w.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_HASH_MISMATCH',
    })
  })
})

describe('work protocol: identity', () => {
  test('behavior: a wallet delegation with an issued nonce is accepted and its results carry the wallet', async () => {
    const grid = await network()
    const account = privateKeyToAccount(generatePrivateKey())
    const { nonce } = await grid.network.nonces.issue(Date.now())
    const w = await worker(grid, { wallet: { account, nonce, origin: TEST_ORIGIN } })
    const [id = ''] = await submitJobs(grid.network, [{}])
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'completed')
    const [result] = await grid.network.scheduler.getResults(id)
    expect(result?.wallet).toBe(account.address)
    // The ack trails the database commit: wait for it.
    await eventually(async () => w.client.stats().accepted === 1, { what: 'acks received' })
    expect(w.client.stats().accepted).toBe(1)
  })

  test('error: a delegation with a nonce the gateway never issued is refused', async () => {
    const grid = await network()
    const account = privateKeyToAccount(generatePrivateKey())
    const w = await worker(grid, {
      wallet: { account, nonce: `0x${'ab'.repeat(32)}`, origin: TEST_ORIGIN },
    })
    const reason = await w.client.closed
    expect(reason && 'code' in reason && reason.code).toBe('DELEGATION_NONCE_MISMATCH')
  })

  test('error: a delegation for another origin is refused', async () => {
    const grid = await network()
    const account = privateKeyToAccount(generatePrivateKey())
    const { nonce } = await grid.network.nonces.issue(Date.now())
    const w = await worker(grid, { wallet: { account, nonce, origin: 'https://evil.example' } })
    const reason = await w.client.closed
    expect(reason && 'code' in reason && reason.code).toBe('DELEGATION_WRONG_ORIGIN')
  })

  test('behavior: redundancy k=2 sends the job to two distinct wallets', async () => {
    const grid = await network()
    const alice = privateKeyToAccount(generatePrivateKey())
    const bob = privateKeyToAccount(generatePrivateKey())
    const nonce = async () => (await grid.network.nonces.issue(Date.now())).nonce
    // Two tabs of alice's and one of bob's: the replicas must go to alice once and bob once.
    await worker(grid, { wallet: { account: alice, nonce: await nonce(), origin: TEST_ORIGIN } })
    await worker(grid, { wallet: { account: alice, nonce: await nonce(), origin: TEST_ORIGIN } })
    await worker(grid, { wallet: { account: bob, nonce: await nonce(), origin: TEST_ORIGIN } })
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 10 }, () => ({ redundancy: 2 })),
    )
    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    })
    for (const id of ids) {
      const wallets = (await grid.network.scheduler.getResults(id)).map((r) => r.wallet)
      expect(wallets.sort()).toEqual([alice.address, bob.address].sort())
    }
  })
})

describe('work protocol: transports', () => {
  test('behavior: a worker over WebRTC-Direct completes jobs', async () => {
    const grid = await network()
    const w = await worker(grid, { transport: 'webrtc-direct' })
    const [id = ''] = await submitJobs(grid.network, [{}])
    await eventually(async () => (await grid.network.scheduler.getJob(id))?.state === 'completed')
    const addrs = w.node.getConnections().map((c) => c.remoteAddr.toString())
    expect(addrs.some((a) => a.includes('/webrtc-direct/'))).toBe(true)
    const [result] = await grid.network.scheduler.getResults(id)
    const outputs = decodeTensorMapCanonical(result?.outputs ?? new Uint8Array())
    // The first fake job's input is [0, 1, 2, 3].
    expect(readFloat32(outputs.sum)).toEqual([6])
    expect(readFloat32(outputs.max)).toEqual([3])
  })
})
