import { decode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  decodeMessage,
  EncodeError,
  encodeMessage,
  type Message,
  TensorError,
} from '../../src/protocol/index'
import { messageArb, messageArbs } from './arbitraries'
import { fixtureMessages } from './fixtures'

describe('encodeMessage', () => {
  test('default', () => {
    const bytes = encodeMessage(fixtureMessages.heartbeat)
    // map(4) {n: 7, t: "heartbeat", v: 1, at: 1700000000000}: keys in the bytewise order of
    // their encodings (so shorter keys first), integers in their shortest form.
    expect(Buffer.from(bytes).toString('hex')).toBe(
      'a4' +
        '616e07' +
        '6174' +
        '69686561727462656174' +
        '617601' +
        '626174' +
        '1b0000018bcfe56800',
    )
    expect(decodeMessage(bytes)).toEqual(fixtureMessages.heartbeat)
  })

  test('behavior: every fixture round-trips', () => {
    for (const message of Object.values(fixtureMessages)) {
      expect(decodeMessage(encodeMessage(message))).toEqual(message)
    }
  })

  test('behavior: tensors travel as CBOR byte strings under short keys', () => {
    const wire = decode(encodeMessage(fixtureMessages.assign), { useMaps: true }) as Map<
      string,
      unknown
    >
    const inputs = wire.get('i') as Map<string, Map<string, unknown>>
    const input = inputs.get('input')
    expect(input?.get('t')).toBe(1)
    expect(input?.get('d')).toEqual([1, 2])
    expect(input?.get('b')).toBeInstanceOf(Uint8Array)
    expect(input?.get('b')).toEqual(fixtureMessages.assign.inputs.input.data)
  })

  test('behavior: deterministic, whatever the key insertion order', () => {
    const reverse = <value extends object>(object: value): value =>
      Object.fromEntries(Object.entries(object).reverse()) as value
    const { result } = fixtureMessages
    const reordered = {
      ...reverse(result),
      timings: reverse(result.timings),
      outputs: reverse(result.outputs),
    }
    expect(Object.keys(reordered)[0]).toBe('signature')
    expect(encodeMessage(reordered)).toEqual(encodeMessage(result))
  })

  test('behavior: tensor views at any offset encode only their own bytes', () => {
    const backing = new Uint8Array([9, 9, 9, 1, 0, 1, 9])
    const message: Message = {
      ...fixtureMessages.result,
      outputs: { output: { dtype: 'bool', dims: [3], data: backing.subarray(3, 6) } },
    }
    expect(decodeMessage(encodeMessage(message))).toEqual(fixtureMessages.result)
  })

  test('behavior: credit amounts keep full uint64 precision', () => {
    const message: Message = { ...fixtureMessages.credit, amount: 2n ** 64n - 1n }
    expect(decodeMessage(encodeMessage(message))).toEqual(message)
  })

  test('behavior: property: every valid message round-trips to an equal value', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(decodeMessage(encodeMessage(message))).toEqual(message)
      }),
      { numRuns: 400 },
    )
  })

  test('behavior: property: each message type round-trips', () => {
    for (const arb of Object.values(messageArbs)) {
      fc.assert(
        fc.property(arb, (message) => {
          expect(decodeMessage(encodeMessage(message))).toEqual(message)
        }),
        { numRuns: 60 },
      )
    }
  })

  test('error: invalid field is reported with its path', () => {
    const message = { ...fixtureMessages.slots, free: -1 }
    expect(() => encodeMessage(message)).toThrowErrorMatchingInlineSnapshot(`
      [EncodeError: The message does not satisfy the protocol schema.

      Cause: Malformed field slots.free: expected 0 to 256.

      Code: PROTOCOL_INVALID_MESSAGE]
    `)
  })

  test('error: unknown field', () => {
    const message = { ...fixtureMessages.slots, extra: 1 } as Message
    const error = catchError(() => encodeMessage(message))
    expect(error).toBeInstanceOf(EncodeError)
    expect(error).toMatchObject({
      code: 'PROTOCOL_INVALID_MESSAGE',
      details: { path: 'slots.extra', reason: 'unknown field' },
    })
  })

  test('error: tensor with wrong byte length throws TensorError', () => {
    const message: Message = {
      ...fixtureMessages.assign,
      inputs: { x: { dtype: 'float32', dims: [2], data: new Uint8Array(7) } },
    }
    const error = catchError(() => encodeMessage(message))
    expect(error).toBeInstanceOf(TensorError)
    expect(error).toMatchObject({ code: 'TENSOR_SIZE_MISMATCH' })
  })

  test('error: hello delegating another key', () => {
    const { hello } = fixtureMessages
    const message: Message = {
      ...hello,
      delegation: {
        ...hello.delegation,
        delegation: { ...hello.delegation.delegation, sessionKey: `0x${'12'.repeat(32)}` },
      },
    }
    expect(catchError(() => encodeMessage(message))).toMatchObject({
      code: 'PROTOCOL_INVALID_MESSAGE',
      details: { path: 'hello.delegation', reason: 'delegates a key other than sessionKey' },
    })
  })

  test('error: P-256 key without the uncompressed-point prefix', () => {
    const message: Message = {
      ...fixtureMessages.hello,
      delegation: undefined,
      sessionKey: { keyType: 'P-256', publicKey: `0x05${'11'.repeat(64)}` },
    }
    expect(catchError(() => encodeMessage(message))).toMatchObject({
      code: 'PROTOCOL_INVALID_MESSAGE',
      details: { path: 'hello.sessionKey.publicKey' },
    })
  })

  test('error: string with a lone surrogate (it would not survive UTF-8)', () => {
    const message: Message = { ...fixtureMessages.hello, clientVersion: 'v\uD800' }
    expect(catchError(() => encodeMessage(message))).toMatchObject({
      code: 'PROTOCOL_INVALID_MESSAGE',
      details: { path: 'hello.clientVersion', reason: 'lone surrogate in string' },
    })
  })

  test('error: wrong version', () => {
    const message = { ...fixtureMessages.slots, v: 2 } as unknown as Message
    expect(catchError(() => encodeMessage(message))).toMatchObject({
      name: 'EncodeError',
      code: 'PROTOCOL_INVALID_MESSAGE',
    })
  })

  test('error: encoded size above maxBytes', () => {
    expect(catchError(() => encodeMessage(fixtureMessages.assign, { maxBytes: 16 }))).toMatchObject(
      {
        name: 'EncodeError',
        code: 'PROTOCOL_MESSAGE_TOO_LARGE',
      },
    )
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}
