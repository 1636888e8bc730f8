import '../../src/p2p/polyfills.node.ts'
import { streamPair } from '@libp2p/utils'
import { describe, expect, test } from 'vitest'
import { createMessageChannel } from '../../src/p2p/createMessageChannel.ts'
import { DecodeError } from '../../src/protocol/errors/DecodeError.ts'
import { EncodeError } from '../../src/protocol/errors/EncodeError.ts'
import { fixtureMessages } from '../protocol/fixtures.ts'

async function pair(maxMessageBytes?: number) {
  const [a, b] = await streamPair()
  return {
    a: createMessageChannel(a, { maxMessageBytes }),
    b: createMessageChannel(b, { maxMessageBytes }),
    rawA: a,
  }
}

describe('createMessageChannel', () => {
  test('default: every message type round-trips, in order', async () => {
    const { a, b } = await pair()
    const messages = Object.values(fixtureMessages)
    await Promise.all(messages.map((message) => a.send(message)))
    for (const message of messages) expect(await b.read()).toEqual(message)
  })

  test('behavior: messages sent together leave in one transport write, and arrive in order', async () => {
    const [rawA, rawB] = await streamPair()
    const writes: number[] = []
    const send = rawA.send.bind(rawA)
    rawA.send = (data) => {
      writes.push(data.byteLength)
      return send(data)
    }
    const a = createMessageChannel(rawA, { schedule: setImmediate })
    const b = createMessageChannel(rawB)
    const messages = Array.from({ length: 16 }, (_, seq) => ({
      ...fixtureMessages.heartbeat,
      seq,
    }))
    // Sent across several microtasks of one turn, as a scheduler pass does.
    const sent: Promise<void>[] = []
    for (const message of messages) {
      sent.push(a.send(message))
      await Promise.resolve()
    }
    await Promise.all(sent)
    expect(writes).toHaveLength(1)
    for (const message of messages) expect(await b.read()).toEqual(message)
    // A later burst is a later write.
    await Promise.all(messages.slice(0, 3).map((m) => a.send(m)))
    expect(writes).toHaveLength(2)
  })

  test('behavior: a clean close reads as undefined', async () => {
    const { a, b } = await pair()
    await a.send(fixtureMessages.heartbeat)
    await a.close()
    expect(await b.read()).toEqual(fixtureMessages.heartbeat)
    expect(await b.read()).toBeUndefined()
  })

  test('error: a frame longer than the limit is PROTOCOL_OVERSIZED, judged from its length alone', async () => {
    const { b, rawA } = await pair(1024)
    // Length prefix 4096 and no body at all.
    rawA.send(new Uint8Array([0x80, 0x20]))
    const error = await b.read().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecodeError)
    expect((error as DecodeError).code).toBe('PROTOCOL_OVERSIZED')
  })

  test('error: a frame that is not a message is a DecodeError', async () => {
    const { b, rawA } = await pair()
    rawA.send(new Uint8Array([3, 0xff, 0xff, 0xff]))
    const error = await b.read().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecodeError)
    expect((error as DecodeError).code).toMatch(/^PROTOCOL_/)
  })

  test('error: sending a message over the limit fails on the sender', async () => {
    const { a } = await pair(64)
    expect(() => a.send(fixtureMessages.hello)).toThrow(EncodeError)
  })
})
