import { describe, expect, test } from 'vitest'
import {
  BaseError,
  DecodeError,
  deserializeError,
  type ErrorCode,
  errorCodes,
  InternalError,
  JobError,
  SignatureError,
  serializeError,
  TensorError,
} from '../../src/protocol/index'

describe('BaseError', () => {
  test('default', () => {
    const error = new DecodeError('The input ends early.', {
      code: 'PROTOCOL_TRUNCATED',
      details: { offset: 3 },
      metaMessages: ['Stream: /inference-grid/work/1.0.0'],
    })
    expect(error).toBeInstanceOf(BaseError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('DecodeError')
    expect(error.shortMessage).toBe('The input ends early.')
    expect(error.details).toEqual({ offset: 3 })
    expect(error.httpStatus).toBe(400)
    expect(error).toMatchInlineSnapshot(`
      [DecodeError: The input ends early.

      Stream: /inference-grid/work/1.0.0

      Code: PROTOCOL_TRUNCATED]
    `)
  })

  test('behavior: walk follows the cause chain', () => {
    const root = new TypeError('root')
    const middle = new TensorError('middle', { code: 'TENSOR_INVALID_DATA', cause: root })
    const top = new JobError('top', { code: 'JOB_INVALID_INPUT', cause: middle })
    expect(top.walk()).toBe(root)
    expect(top.walk((err) => err instanceof TensorError)).toBe(middle)
    expect(top.walk((err) => err instanceof SignatureError)).toBeNull()
    expect(top.message).toContain('Cause: middle')
  })

  test('behavior: walk stops on a cyclic chain', () => {
    const a = new InternalError('a', { code: 'INTERNAL' })
    const b = new InternalError('b', { code: 'INTERNAL', cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    expect([a, b]).toContain(a.walk())
  })
})

describe('errorCodes', () => {
  test('default', () => {
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/)
      expect(info.httpStatus).toBeGreaterThanOrEqual(400)
      expect(info.httpStatus).toBeLessThan(600)
      expect(info.description.length).toBeGreaterThan(10)
    }
  })
})

describe('serializeError', () => {
  test('default', () => {
    const error = new SignatureError('The delegation has expired.', {
      code: 'DELEGATION_EXPIRED',
      details: { expiresAt: 10, now: 20 },
    })
    expect(serializeError(error)).toEqual({
      name: 'SignatureError',
      code: 'DELEGATION_EXPIRED',
      message: 'The delegation has expired.',
      details: { expiresAt: 10, now: 20 },
    })
  })

  test('behavior: foreign errors become INTERNAL', () => {
    expect(serializeError(new RangeError('boom'))).toEqual({
      name: 'InternalError',
      code: 'INTERNAL',
      message: 'boom',
      details: { originalName: 'RangeError' },
    })
    expect(serializeError('a string')).toMatchObject({
      code: 'INTERNAL',
      message: 'Unknown error.',
    })
  })

  test('behavior: clipped to wire limits', () => {
    const error = new JobError(`${'x'.repeat(4095)}\u{1F600}`, {
      code: 'JOB_INFERENCE_FAILED',
      details: { long: 'y'.repeat(5000), nan: Number.NaN },
    })
    const serialized = serializeError(error)
    expect(serialized.message).toBe('x'.repeat(4095)) // no half surrogate pair left behind
    expect(serialized.details).toEqual({ long: 'y'.repeat(1024), nan: null })
  })
})

describe('deserializeError', () => {
  test('default', () => {
    const original = new TensorError('Bad dims.', {
      code: 'TENSOR_INVALID_DIMS',
      details: { path: 'inputs["x"]' },
    })
    const rebuilt = deserializeError(structuredClone(serializeError(original)))
    expect(rebuilt).toBeInstanceOf(TensorError)
    expect(rebuilt).toMatchObject({
      name: 'TensorError',
      code: 'TENSOR_INVALID_DIMS',
      shortMessage: 'Bad dims.',
      details: { path: 'inputs["x"]' },
    })
  })

  test('behavior: every code rebuilds as the class the table names', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const rebuilt = deserializeError({ name: 'ignored', code, message: 'm', details: {} })
      expect(rebuilt.name).toBe(errorCodes[code].errorName)
      expect(rebuilt.code).toBe(code)
      expect(rebuilt.httpStatus).toBe(errorCodes[code].httpStatus)
    }
  })

  test('behavior: unknown code from a newer peer', () => {
    const rebuilt = deserializeError({
      name: 'FutureError',
      code: 'FUTURE_CODE_FROM_A_NEWER_PEER',
      message: 'Too many jobs.',
      details: { limit: 5 },
    })
    expect(rebuilt).toBeInstanceOf(InternalError)
    expect(rebuilt).toMatchObject({
      code: 'INTERNAL',
      shortMessage: 'Too many jobs.',
      details: { limit: 5, remoteCode: 'FUTURE_CODE_FROM_A_NEWER_PEER', remoteName: 'FutureError' },
    })
  })

  test('behavior: malformed input', () => {
    for (const value of [null, 'x', 42, { code: 1 }, { code: 'INTERNAL' }]) {
      expect(deserializeError(value)).toBeInstanceOf(InternalError)
    }
    const rebuilt = deserializeError({
      code: 'PROTOCOL_TRUNCATED',
      message: 'm',
      details: { ok: 1, bad: { nested: true }, inf: Number.POSITIVE_INFINITY },
    })
    expect(rebuilt).toBeInstanceOf(DecodeError)
    expect(rebuilt.details).toEqual({ ok: 1 })
  })
})
