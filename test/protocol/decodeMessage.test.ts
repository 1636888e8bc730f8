import { decode, encode } from 'cborg'
import { describe, expect, test } from 'vitest'
import {
  DecodeError,
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  TensorError,
} from '../../src/protocol/index'
import { fixtureMessages } from './fixtures'

/** CBOR of a hand-built wire value (cborg encodes Maps as CBOR maps). */
function cbor(value: unknown): Uint8Array {
  return encode(value)
}

/** The wire form of a valid message, as a mutable Map to corrupt. */
function wireOf(message: Parameters<typeof encodeMessage>[0]): Map<string, unknown> {
  return decode(encodeMessage(message), { useMaps: true }) as Map<string, unknown>
}

function errorOf(bytes: Uint8Array, maxBytes?: number): unknown {
  try {
    decodeMessage(bytes, maxBytes === undefined ? {} : { maxBytes })
  } catch (err) {
    return err
  }
  throw new Error('expected decodeMessage to throw')
}

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'))

describe('decodeMessage', () => {
  test('default', () => {
    const bytes = encodeMessage(fixtureMessages.assign)
    const message = decodeMessage(bytes)
    expect(message).toEqual(fixtureMessages.assign)
    expect(message.type === 'assign' && message.inputs.input?.data).toBeInstanceOf(Uint8Array)
  })

  test('behavior: decoded tensor bytes are copies, not views of the input', () => {
    const bytes = encodeMessage(fixtureMessages.result)
    const message = decodeMessage(bytes)
    bytes.fill(0)
    expect(message).toEqual(fixtureMessages.result)
    if (message.type !== 'result') throw new Error('unreachable')
    const data = message.outputs.output?.data
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype)
    expect(data?.byteOffset).toBe(0)
  })

  test('behavior: accepts Buffer input', () => {
    const bytes = Buffer.from(encodeMessage(fixtureMessages.hello))
    expect(decodeMessage(bytes)).toEqual(fixtureMessages.hello)
  })

  test('behavior: a tensor named __proto__ stays an ordinary entry', () => {
    const tensor = { dtype: 'uint8' as const, dims: [1], data: new Uint8Array([7]) }
    const inputs = Object.fromEntries([['__proto__', tensor]])
    const message = { ...fixtureMessages.assign, inputs }
    const decoded = decodeMessage(encodeMessage(message))
    if (decoded.type !== 'assign') throw new Error('unreachable')
    expect(Object.getPrototypeOf(decoded.inputs)).toBe(Object.prototype)
    expect(Object.keys(decoded.inputs)).toEqual(['__proto__'])
    expect(decoded).toEqual(message)
  })

  test('behavior: addresses come back checksummed, hex lowercase', () => {
    const { hello } = fixtureMessages
    const message = {
      ...hello,
      partner: hello.partner.toLowerCase() as `0x${string}`,
      cachedModels: [`0x${'AB'.repeat(32)}` as const],
    }
    const decoded = decodeMessage(encodeMessage(message))
    expect(decoded).toMatchObject({
      partner: hello.partner,
      cachedModels: [`0x${'ab'.repeat(32)}`],
    })
  })

  test('error: empty input', () => {
    expect(errorOf(new Uint8Array())).toMatchObject({ code: 'PROTOCOL_TRUNCATED' })
  })

  test('error: truncated input', () => {
    const bytes = encodeMessage(fixtureMessages.heartbeat)
    expect(errorOf(bytes.subarray(0, bytes.length - 1))).toMatchInlineSnapshot(`
      [DecodeError: The input ends before the message is complete.

      Cause: CBOR decode error: not enough data for type

      Code: PROTOCOL_TRUNCATED]
    `)
  })

  test('error: trailing bytes', () => {
    const bytes = encodeMessage(fixtureMessages.heartbeat)
    const padded = new Uint8Array([...bytes, 0])
    expect(errorOf(padded)).toMatchObject({
      code: 'PROTOCOL_TRAILING_BYTES',
      details: { trailingBytes: 1 },
    })
  })

  test('error: oversized input is rejected before parsing', () => {
    // Not CBOR at all: only the size check can produce this code.
    const bytes = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0xff)
    expect(errorOf(bytes)).toMatchObject({ code: 'PROTOCOL_OVERSIZED', httpStatus: 413 })
    expect(errorOf(new Uint8Array(11).fill(0xff), 10)).toMatchObject({
      code: 'PROTOCOL_OVERSIZED',
      details: { byteLength: 11, maxBytes: 10 },
    })
  })

  test('error: wrong version', () => {
    const wire = wireOf(fixtureMessages.slots)
    wire.set('v', 2)
    expect(errorOf(cbor(wire))).toMatchInlineSnapshot(`
      [DecodeError: Unsupported protocol version 2.

      Code: PROTOCOL_UNSUPPORTED_VERSION]
    `)
    wire.set('v', '1')
    expect(errorOf(cbor(wire))).toMatchObject({ code: 'PROTOCOL_UNSUPPORTED_VERSION' })
    wire.delete('v')
    expect(errorOf(cbor(wire))).toMatchObject({
      code: 'PROTOCOL_MALFORMED_FIELD',
      details: { path: 'message.v' },
    })
  })

  test('error: unknown type', () => {
    const wire = wireOf(fixtureMessages.slots)
    wire.set('t', 'toString')
    expect(errorOf(cbor(wire))).toMatchObject({
      code: 'PROTOCOL_UNKNOWN_TYPE',
      details: { type: '"toString"' },
    })
  })

  test('error: non-map top level', () => {
    for (const value of [[1, 'slots'], 1, 'slots', null, new Uint8Array(3)]) {
      expect(errorOf(cbor(value))).toMatchObject({
        code: 'PROTOCOL_MALFORMED_FIELD',
        details: { path: 'message' },
      })
    }
  })

  test('error: missing, unknown and mistyped fields', () => {
    const missing = wireOf(fixtureMessages.slots)
    missing.delete('f')
    expect(errorOf(cbor(missing))).toMatchObject({
      details: { path: 'slots.free', reason: 'missing' },
    })
    const unknown = wireOf(fixtureMessages.slots)
    unknown.set('x', 1)
    expect(errorOf(cbor(unknown))).toMatchObject({
      details: { path: 'slots.x', reason: 'unknown field' },
    })
    const mistyped = wireOf(fixtureMessages.heartbeat)
    mistyped.set('n', 1.5)
    expect(errorOf(cbor(mistyped))).toMatchObject({
      details: { path: 'heartbeat.seq', reason: 'expected a safe integer' },
    })
    const big = wireOf(fixtureMessages.heartbeat)
    big.set('n', 2n ** 60n)
    expect(errorOf(cbor(big))).toMatchObject({ details: { path: 'heartbeat.seq' } })
    const negative = wireOf(fixtureMessages.credit)
    negative.set('a', -1)
    expect(errorOf(cbor(negative))).toMatchObject({ details: { path: 'credit.amount' } })
  })

  test('error: non-string map key', () => {
    const wire = new Map<unknown, unknown>(wireOf(fixtureMessages.slots))
    wire.set(1, 1)
    expect(errorOf(cbor(wire))).toMatchObject({
      code: 'PROTOCOL_MALFORMED_FIELD',
      details: { reason: 'unknown field' },
    })
  })

  test('error: duplicate map keys', () => {
    // {"v": 1, "v": 1}
    expect(errorOf(hex('a2617601617601'))).toMatchObject({ code: 'PROTOCOL_DUPLICATE_KEY' })
  })

  test('error: CBOR outside the accepted subset', () => {
    const cases = {
      tag: 'c11a5f5e1000', // 1(1600000000), an epoch-time tag
      undefined: 'f7',
      indefiniteMap: 'bf617601ff',
      nonMinimalInteger: 'a161761801', // {"v": 1} with 1 in two bytes
      nan: 'f97e00',
      infinity: 'f97c00',
      reservedSimple: 'f0',
      breakAlone: 'ff',
    }
    for (const [name, bytes] of Object.entries(cases)) {
      const error = errorOf(hex(bytes))
      expect(error, name).toBeInstanceOf(DecodeError)
      expect((error as DecodeError).code, name).toBe('PROTOCOL_INVALID_CBOR')
    }
  })

  test('error: nesting and item limits', () => {
    expect(errorOf(new Uint8Array(5000).fill(0x81))).toMatchObject({
      code: 'PROTOCOL_TOO_COMPLEX',
      details: { limit: 'depth' },
    })
    const manyItems = cbor(new Array(200_000).fill(0))
    expect(errorOf(manyItems)).toMatchObject({
      code: 'PROTOCOL_TOO_COMPLEX',
      details: { limit: 'items' },
    })
  })

  test('error: tensor dims do not match its bytes', () => {
    const wire = wireOf(fixtureMessages.assign)
    const inputs = wire.get('i') as Map<string, Map<string, unknown>>
    inputs.get('input')?.set('d', [1, 3])
    const error = errorOf(cbor(wire))
    expect(error).toBeInstanceOf(TensorError)
    expect(error).toMatchInlineSnapshot(`
      [TensorError: Tensor byte length does not match its dtype and dims.

      Code: TENSOR_SIZE_MISMATCH]
    `)
    expect(error).toMatchObject({
      details: { path: 'assign.inputs["input"]', expectedBytes: 12, actualBytes: 8 },
    })
  })

  test('error: unsupported dtype code', () => {
    const wire = wireOf(fixtureMessages.assign)
    const inputs = wire.get('i') as Map<string, Map<string, unknown>>
    inputs.get('input')?.set('t', 8) // ONNX string tensors: not supported
    expect(errorOf(cbor(wire))).toMatchObject({
      name: 'TensorError',
      code: 'TENSOR_UNSUPPORTED_DTYPE',
      details: { dtypeCode: 8 },
    })
  })

  test('error: invalid dims', () => {
    const wire = wireOf(fixtureMessages.assign)
    const input = (wire.get('i') as Map<string, Map<string, unknown>>).get('input')
    input?.set('d', [1, -2])
    expect(errorOf(cbor(wire))).toMatchObject({ code: 'TENSOR_INVALID_DIMS' })
    input?.set('d', [1, 1, 1, 1, 1, 1, 1, 1, 2])
    expect(errorOf(cbor(wire))).toMatchObject({ code: 'TENSOR_INVALID_DIMS' })
    input?.set('d', [2 ** 40, 2 ** 40])
    expect(errorOf(cbor(wire))).toMatchObject({ code: 'TENSOR_SIZE_MISMATCH' })
  })

  test('error: too many tensors', () => {
    const wire = wireOf(fixtureMessages.assign)
    const inputs = wire.get('i') as Map<string, unknown>
    const tensor = inputs.get('sr')
    for (let i = 0; i < 70; i++) inputs.set(`t${i}`, tensor)
    expect(errorOf(cbor(wire))).toMatchObject({ code: 'TENSOR_MAP_TOO_LARGE' })
  })

  test('error: bool tensor bytes other than 0 and 1', () => {
    const wire = wireOf(fixtureMessages.result)
    const output = (wire.get('o') as Map<string, Map<string, unknown>>).get('output')
    output?.set('b', new Uint8Array([1, 2, 0]))
    expect(errorOf(cbor(wire))).toMatchObject({
      code: 'TENSOR_INVALID_DATA',
      details: { index: 1 },
    })
  })

  test('error: wrong-length hashes and signatures', () => {
    const wire = wireOf(fixtureMessages.result)
    wire.set('ih', new Uint8Array(31))
    expect(errorOf(cbor(wire))).toMatchObject({ details: { path: 'result.inputHash' } })
    const signature = wireOf(fixtureMessages.result)
    signature.set('sg', new Uint8Array(65))
    expect(errorOf(cbor(signature))).toMatchObject({ details: { path: 'result.signature' } })
  })
})
