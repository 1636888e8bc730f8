// Abuse limits on the work protocol (issue 9): frames per second per peer, sessions per wallet
// and per IP address, slots past --max-worker-slots, results for jobs never assigned, and
// result size. Real gateway, real libp2p nodes, real SQLite. Each limit is driven by counts
// (frames sent, sessions opened), answers its typed error, increments
// inference_grid_limit_rejections_total, and an honest worker keeps completing jobs meanwhile.
import type { Libp2p } from 'libp2p'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { parseJobNetworkConfig } from '../../../src/gateway/config/parseJobNetworkConfig.ts'
import { createMessageChannel, type MessageChannel } from '../../../src/p2p/createMessageChannel.ts'
import { type Message, PROTOCOL_VERSION } from '../../../src/protocol/messages.ts'
import { float32Tensor } from '../../fixtures/fakeModelCatalog.ts'
import {
  createTestNode,
  openWorkStream,
  pickAddress,
  type SimulatedWorker,
  startSimulatedWorker,
} from '../../fixtures/simulatedWorker.ts'
import { fixtureMessages } from '../../protocol/fixtures.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'
import { readLimitRejections } from './readLimitRejections.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function network(options: Parameters<typeof startJobNetwork>[0]): Promise<TestJobNetwork> {
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

/** A hand-driven peer: says an anonymous hello, then sends whatever the test wants. */
async function rawPeer(
  grid: TestJobNetwork,
  slots = 0,
): Promise<{ node: Libp2p; channel: MessageChannel; received: Message[]; closed: Promise<void> }> {
  const node = await createTestNode()
  cleanups.push(async () => node.stop())
  const stream = await openWorkStream(node, pickAddress(grid.multiaddrs, 'ws'))
  const channel = createMessageChannel(stream)
  const { delegation: _none, ...hello } = fixtureMessages.hello
  await channel.send({ ...hello, slots })
  const received: Message[] = []
  const closed = (async () => {
    try {
      for (;;) {
        const message = await channel.read()
        if (message === undefined) return
        received.push(message)
      }
    } catch {
      // The gateway dropped the connection: that is the end of this peer.
    }
  })()
  return { node, channel, received, closed }
}

const heartbeat = (seq: number): Message => ({
  v: PROTOCOL_VERSION,
  type: 'heartbeat',
  seq,
  sentAt: Date.now(),
})

async function completes(grid: TestJobNetwork, count: number, what: string): Promise<void> {
  const ids = await submitJobs(
    grid.network,
    Array.from({ length: count }, () => ({})),
  )
  await eventually(
    async () => {
      const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.state === 'completed')
    },
    { timeoutMs: 20_000, what },
  )
}

const rejections = (grid: TestJobNetwork, limit: Parameters<typeof readLimitRejections>[1]) =>
  readLimitRejections(grid.metrics.registry, limit)

describe('work-protocol abuse limits', () => {
  test('behavior: a peer over --work-frame-rate gets refusals, then WORK_RATE_LIMITED and a disconnect; an honest worker carries on', async () => {
    // 20 frames/s, bursts of 40; 20 refused frames end the session.
    const grid = await network({ args: ['--work-frame-rate', '20'] })
    const honest = await worker(grid, { slots: 2 })
    const peer = await rawPeer(grid)
    await eventually(() => grid.network.work.activeSessions() === 2, { what: 'both sessions' })
    // The burst, then one result over it: refused with a typed ack before any lease lookup.
    for (let i = 0; i < 40; i++) void peer.channel.send(heartbeat(i))
    void peer.channel.send({ ...fixtureMessages.result, jobId: 'job-over-the-rate' })
    await eventually(() => peer.received.some((m) => m.type === 'ack'), { what: 'the ack' })
    expect(peer.received.find((m) => m.type === 'ack')).toMatchObject({
      jobId: 'job-over-the-rate',
      accepted: false,
      code: 'WORK_RATE_LIMITED',
    })
    // Keeping on: the gateway says why and hangs up.
    for (let i = 0; i < 60; i++) void peer.channel.send(heartbeat(100 + i)).catch(() => undefined)
    await peer.closed
    const error = peer.received.find((m) => m.type === 'error')
    expect(error).toMatchObject({ error: { code: 'WORK_RATE_LIMITED' } })
    expect(error?.type === 'error' && error.jobId).toBeUndefined()
    expect(await rejections(grid, 'work_frame_rate_disconnect')).toBe(1)
    // Refills while frames are in flight may admit one or two more: at least the 20 refusals.
    expect(await rejections(grid, 'work_frame_rate')).toBeGreaterThanOrEqual(20)
    expect(
      grid.logs().some((l) => l.msg === 'limit refused a request' && l.limit === 'work_frame_rate'),
    ).toBe(true)
    await completes(grid, 10, 'the honest worker completes jobs')
    expect(honest.client.stats().rejected).toBe(0)
  }, 60_000)

  test('behavior: slots past --max-worker-slots are capped and counted; a result for a job never assigned is RESULT_NOT_LEASED and counted', async () => {
    const grid = await network({ args: ['--max-worker-slots', '4'] })
    const peer = await rawPeer(grid, 100)
    await eventually(() => grid.network.work.activeSessions() === 1, { what: 'the session' })
    expect(await rejections(grid, 'worker_slots')).toBe(1)
    await peer.channel.send({ v: PROTOCOL_VERSION, type: 'slots', free: 50 })
    await submitJobs(
      grid.network,
      Array.from({ length: 10 }, () => ({})),
    )
    await eventually(() => peer.received.filter((m) => m.type === 'assign').length === 4, {
      what: 'four assignments',
    })
    expect(await rejections(grid, 'worker_slots')).toBe(2)
    expect(grid.network.scheduler.stats()).toMatchObject({ activeLeases: 4, queued: 6 })
    // A result for a job this session never got: refused, and counted as abuse (a late answer
    // to a job it did hold is not).
    await peer.channel.send({ ...fixtureMessages.result, jobId: 'job-never-assigned' })
    await eventually(() => peer.received.some((m) => m.type === 'ack'), { what: 'the ack' })
    expect(peer.received.find((m) => m.type === 'ack')).toMatchObject({
      jobId: 'job-never-assigned',
      accepted: false,
      code: 'RESULT_NOT_LEASED',
    })
    expect(await rejections(grid, 'worker_unassigned_result')).toBe(1)
  }, 60_000)

  test('behavior: a result over the output limit is RESULT_TOO_LARGE and its job requeued; small results are accepted', async () => {
    const defaults = parseJobNetworkConfig({ args: [], host: '127.0.0.1' }).limits
    const grid = await network({ config: { limits: { ...defaults, maxResultBytes: 1024 } } })
    const w = await worker(grid, { slots: 2 })
    // test-sum answers 8 bytes a row: 200 rows are 1,600 bytes of outputs.
    const rows = 200
    const [big = ''] = await submitJobs(grid.network, [
      {
        inputs: { x: float32Tensor([rows, 4], new Array(rows * 4).fill(1)) },
        maxAttempts: 2,
      },
    ])
    await eventually(async () => (await grid.network.scheduler.getJob(big))?.state === 'failed', {
      timeoutMs: 20_000,
      what: 'the oversized job fails after its attempts',
    })
    const acks = w.events.flatMap((e) => (e.type === 'ack' ? [e.ack] : []))
    expect(acks.filter((a) => a.jobId === big).map((a) => a.code)).toEqual([
      'RESULT_TOO_LARGE',
      'RESULT_TOO_LARGE',
    ])
    expect(await rejections(grid, 'result_bytes')).toBe(2)
    await completes(grid, 5, 'small results are still accepted')
  }, 60_000)

  test('behavior: sessions per wallet and per IP: one over is WORK_SESSION_LIMIT and disconnected; admitted workers carry on', async () => {
    const grid = await network({
      args: ['--max-sessions-per-wallet', '1', '--max-sessions-per-ip', '3'],
    })
    const account = privateKeyToAccount(generatePrivateKey())
    const nonce = async () => (await grid.network.nonces.issue(Date.now())).nonce
    const first = await worker(grid, {
      wallet: { account, nonce: await nonce(), origin: TEST_ORIGIN },
    })
    await eventually(() => grid.network.work.activeSessions() === 1, { what: 'the first' })
    const second = await worker(grid, {
      wallet: { account, nonce: await nonce(), origin: TEST_ORIGIN },
    })
    const walletRefusal = await second.client.closed
    expect(walletRefusal && 'code' in walletRefusal && walletRefusal.code).toBe(
      'WORK_SESSION_LIMIT',
    )
    expect(walletRefusal?.message).toContain('This wallet already has 1 work sessions open')
    expect(await rejections(grid, 'sessions_per_wallet')).toBe(1)
    // Two anonymous workers fill the address's three sessions; a fourth is refused.
    await worker(grid)
    await worker(grid)
    await eventually(() => grid.network.work.activeSessions() === 3, { what: 'three sessions' })
    const fourth = await worker(grid)
    const ipRefusal = await fourth.client.closed
    expect(ipRefusal && 'code' in ipRefusal && ipRefusal.code).toBe('WORK_SESSION_LIMIT')
    expect(await rejections(grid, 'sessions_per_ip')).toBe(1)
    expect(grid.network.work.activeSessions()).toBe(3)
    await completes(grid, 10, 'the admitted workers complete jobs')
    expect(first.client.stats().rejected).toBe(0)
  }, 60_000)
})
