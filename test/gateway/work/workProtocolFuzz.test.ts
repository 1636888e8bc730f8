// Generated bad frames at the work protocol's boundary: random bytes, valid messages with bytes
// flipped, truncated or extended, and valid messages from an unknown protocol version, each on a
// fresh work stream (half of them after a valid hello). The gateway must answer each
// with a typed error (or, for a mutation that is still a valid message, carry on), drop the
// stream, never crash, and keep serving an honest worker throughout.
import { lpStream } from '@libp2p/utils'
import { decode as decodeCbor, encode as encodeCbor } from 'cborg'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMessageChannel } from '../../../src/p2p/createMessageChannel.ts'
import { encodeMessage } from '../../../src/protocol/codec/encodeMessage.ts'
import { isErrorCode } from '../../../src/protocol/errors/codes.ts'
import type { Message } from '../../../src/protocol/messages.ts'
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
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

let grid: TestJobNetwork
let good: SimulatedWorker
let node: Awaited<ReturnType<typeof createTestNode>>
const outcomes = new Map<string, number>()

beforeAll(async () => {
  grid = await startJobNetwork()
  good = await startSimulatedWorker({ gateway: grid.multiaddrs, chainId: TEST_CHAIN_ID, slots: 2 })
  node = await createTestNode()
})

afterAll(async () => {
  await node.stop()
  await good.stop()
  await grid.stop({ remove: true })
  console.log(
    `[fuzz] work protocol: ${[...outcomes.values()].reduce((a, b) => a + b, 0)} generated frames: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  )
})

const valid = Object.values(fixtureMessages) as Message[]
// An anonymous hello (the fixture's delegation names a nonce this gateway never issued).
const { delegation: _unused, ...anonymousHello } = fixtureMessages.hello

const frames = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([message, flips]) => {
      const bytes = encodeMessage(message).slice()
      for (const [at, xor] of flips)
        bytes[at % bytes.length] = (bytes[at % bytes.length] ?? 0) ^ xor
      return bytes
    }),
  fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([message, cut]) => {
    const bytes = encodeMessage(message)
    return bytes.subarray(0, cut % bytes.length)
  }),
  fc
    .tuple(fc.constantFrom(...valid), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([message, tail]) => new Uint8Array([...encodeMessage(message), ...tail])),
  fc
    .tuple(
      fc.constantFrom(...valid),
      fc.integer({ min: -5, max: 1000 }).filter((v) => v !== 1),
    )
    .map(([message, v]) => {
      const wire = decodeCbor(encodeMessage(message)) as Record<string, unknown>
      return encodeCbor({ ...wire, v })
    }),
)

/** Sends one frame on a new stream; resolves with what became of it. */
async function probe(frame: Uint8Array, afterHello: boolean): Promise<string> {
  // The gateway drops the whole connection of a peer that sent garbage: start each probe afresh.
  for (const connection of node.getConnections()) connection.abort(new Error('next probe'))
  const stream = await openWorkStream(node, pickAddress(grid.multiaddrs, 'ws'))
  const channel = createMessageChannel(stream)
  const lp = lpStream(stream)
  try {
    // Half the streams say a valid hello first, so the garbage reaches the session past it.
    if (afterHello) await lp.write(encodeMessage(anonymousHello))
    await lp.write(frame)
    const deadline = Date.now() + 3000
    while (Date.now() < deadline) {
      const message = await Promise.race([
        channel.read().catch(() => undefined),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 1000)),
      ])
      if (message === 'timeout') return 'no answer (still a valid message)'
      if (message === undefined) return 'closed'
      if (message.type === 'error') {
        expect(isErrorCode(message.error.code), JSON.stringify(message.error)).toBe(true)
        return message.error.code
      }
    }
    return 'no answer (still a valid message)'
  } finally {
    stream.abort(new Error('probe done'))
  }
}

describe('work protocol under generated bad frames', () => {
  test('behavior: every bad frame gets a typed error or a close; the gateway keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(frames, fc.boolean(), async (frame, afterHello) => {
        const outcome = await probe(frame, afterHello)
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      }),
      { numRuns: 300 },
    )
    // The honest worker was never disturbed: new jobs complete, on its one session.
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 10 }, () => ({})),
    )
    await eventually(
      async () => {
        const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
        return jobs.every((job) => job?.state === 'completed')
      },
      { timeoutMs: 20_000, what: 'the honest worker completes new jobs' },
    )
    expect(good.client.stats().rejected).toBe(0)
    expect([...outcomes.keys()].some((k) => k.startsWith('PROTOCOL_'))).toBe(true)
  }, 120_000)
})
