/**
 * Fuzzing decodeMessage: whatever the bytes, it must return a valid message or throw a
 * DecodeError / TensorError whose code is in the codes table. Anything else (a TypeError, a
 * RangeError from deep recursion, an InternalError from the last-resort wrapper) fails.
 */
import { decode, encode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  DecodeError,
  decodeMessage,
  encodeMessage,
  errorCodes,
  isErrorCode,
  type Message,
  TensorError,
} from '../../src/protocol/index'
import { messageArb } from './arbitraries'
import { fixtureMessages } from './fixtures'

type Outcome = { ok: true; message: Message } | { ok: false; code: string }

function decodeOutcome(bytes: Uint8Array): Outcome {
  try {
    const message = decodeMessage(bytes)
    // Anything accepted must itself be a valid message: it re-encodes and decodes to itself.
    expect(decodeMessage(encodeMessage(message))).toEqual(message)
    return { ok: true, message }
  } catch (err) {
    if (!(err instanceof DecodeError || err instanceof TensorError)) {
      throw new Error(`decodeMessage threw a non-protocol error: ${String(err)}`, { cause: err })
    }
    expect(isErrorCode(err.code)).toBe(true)
    expect(errorCodes[err.code].errorName).toBe(err.name)
    return { ok: false, code: err.code }
  }
}

const validEncodings = Object.values(fixtureMessages).map((message) => encodeMessage(message))

describe('decodeMessage (fuzz)', () => {
  test('behavior: random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        decodeOutcome(bytes)
      }),
      { numRuns: 3000 },
    )
  })

  test('behavior: random bytes behind a plausible map header', () => {
    // Random bytes rarely get past the first byte; a map header gets them into the field checks.
    fc.assert(
      fc.property(
        fc.integer({ min: 0xa1, max: 0xa8 }),
        fc.uint8Array({ maxLength: 128 }),
        (h, b) => {
          decodeOutcome(new Uint8Array([h, 0x61, 0x76, 0x01, ...b]))
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('behavior: every strict prefix of a valid encoding is reported as truncated', () => {
    let cases = 0
    for (const bytes of validEncodings) {
      for (let length = 0; length < bytes.length; length++) {
        expect(decodeOutcome(bytes.subarray(0, length))).toEqual({
          ok: false,
          code: 'PROTOCOL_TRUNCATED',
        })
        cases++
      }
    }
    expect(cases).toBeGreaterThan(500)
  })

  test('behavior: single-byte mutations of valid encodings', () => {
    const arb = fc.tuple(
      fc.constantFrom(...validEncodings),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
    )
    const seen = new Set<string>()
    fc.assert(
      fc.property(arb, ([bytes, at, value]) => {
        const mutated = bytes.slice()
        mutated[at % mutated.length] = value
        const outcome = decodeOutcome(mutated)
        seen.add(outcome.ok ? 'ok' : outcome.code)
      }),
      { numRuns: 3000 },
    )
    // The mutations reach every layer: CBOR structure, version/type, fields, tensors.
    expect(seen).toContain('ok')
    expect(seen).toContain('PROTOCOL_MALFORMED_FIELD')
    expect(seen).toContain('PROTOCOL_INVALID_CBOR')
    expect(seen.size).toBeGreaterThanOrEqual(6)
  })

  test('behavior: byte mutations of random valid messages', () => {
    const arb = fc.tuple(
      messageArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    fc.assert(
      fc.property(arb, ([message, mutations]) => {
        const bytes = encodeMessage(message).slice()
        for (const [at, value] of mutations) bytes[at % bytes.length] = value
        decodeOutcome(bytes)
      }),
      { numRuns: 1000 },
    )
  })

  test('behavior: valid CBOR with one field replaced by a random value', () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        fc.constant(null),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(tie('any'), { maxLength: 3 }),
        fc
          .array(fc.tuple(fc.string({ maxLength: 3 }), tie('any')), { maxLength: 3 })
          .map((e) => new Map(e)),
      ),
    })).any
    const arb = fc.tuple(messageArb, fc.nat(), value)
    fc.assert(
      fc.property(arb, ([message, which, replacement]) => {
        const wire = decode(encodeMessage(message), { useMaps: true }) as Map<string, unknown>
        const keys = [...wire.keys()]
        const key = keys[which % keys.length] ?? 'v'
        wire.set(key, replacement)
        decodeOutcome(encode(wire))
      }),
      { numRuns: 1500 },
    )
  })

  test('behavior: decoding is bounded in time for large hostile inputs', () => {
    const cases = [
      new Uint8Array(1 << 20).fill(0x81), // deep nesting
      encode(new Array(1 << 20).fill(0)), // many items
      new Uint8Array([0x9a, 0xff, 0xff, 0xff, 0xff, 0]), // array claiming 2^32 - 1 items
      new Uint8Array([0x5a, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]), // 4 GiB byte string, 3 bytes given
    ]
    // A hang or a stack overflow here would show as a test timeout or a non-protocol error.
    expect(cases.map((bytes) => decodeOutcome(bytes))).toEqual([
      { ok: false, code: 'PROTOCOL_TOO_COMPLEX' },
      { ok: false, code: 'PROTOCOL_TOO_COMPLEX' },
      { ok: false, code: 'PROTOCOL_TRUNCATED' },
      { ok: false, code: 'PROTOCOL_TRUNCATED' },
    ])
  })
})
