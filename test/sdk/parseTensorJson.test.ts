import { describe, expect, test } from 'vitest'
import { TensorError } from '../../src/protocol/errors/TensorError.ts'
import { tensorToTypedArray } from '../../src/protocol/tensor/tensorToTypedArray.ts'
import { errorFromResponse } from '../../src/sdk/errorFromResponse.ts'
import { parseTensorJson } from '../../src/sdk/parseTensorJson.ts'
import { SdkError } from '../../src/sdk/SdkError.ts'

describe('parseTensorJson', () => {
  test('default: numbers in row-major order become the dtype’s bytes', () => {
    const tensor = parseTensorJson({ dtype: 'float32', dims: [2, 2], data: [1, 2.5, -3, 4] }, 'x')
    expect(tensor.dims).toEqual([2, 2])
    expect([...(tensorToTypedArray(tensor) as Float32Array)]).toEqual([1, 2.5, -3, 4])
  })

  test('behavior: base64 is taken as the raw little-endian bytes', () => {
    const data = Buffer.from(new Int32Array([7, -8]).buffer).toString('base64')
    const tensor = parseTensorJson({ dtype: 'int32', dims: [2], data }, 'x')
    expect([...(tensorToTypedArray(tensor) as Int32Array)]).toEqual([7, -8])
  })

  test('behavior: int64 takes numbers or decimal strings (beyond 2^53); bool takes true/false', () => {
    const big = parseTensorJson(
      { dtype: 'int64', dims: [2], data: [16000, '9007199254740993'] },
      'x',
    )
    expect([...(tensorToTypedArray(big) as BigInt64Array)]).toEqual([16000n, 9007199254740993n])
    const flags = parseTensorJson({ dtype: 'bool', dims: [3], data: [true, false, 1] }, 'x')
    expect([...flags.data]).toEqual([1, 0, 1])
  })

  test.each([
    [{ dtype: 'float128', dims: [1], data: [1] }, 'TENSOR_UNSUPPORTED_DTYPE', /x\.dtype/],
    [{ dtype: 'float32', dims: 4, data: [1] }, 'TENSOR_INVALID_DIMS', /x\.dims/],
    [{ dtype: 'float32', dims: [3], data: [1, 2] }, 'TENSOR_SIZE_MISMATCH', /byte length/],
    [
      { dtype: 'uint8', dims: [1], data: [256] },
      'TENSOR_INVALID_DATA',
      /x\.data\[0\] is not a uint8/,
    ],
    [{ dtype: 'int32', dims: [1], data: [1.5] }, 'TENSOR_INVALID_DATA', /not a int32/],
    [{ dtype: 'float32', dims: [1], data: ['1'] }, 'TENSOR_INVALID_DATA', /finite number/],
    [{ dtype: 'float32', dims: [1], data: 'AAA' }, 'TENSOR_INVALID_DATA', /base64/],
    [{ dtype: 'float32', dims: [1], data: [1], shape: [1] }, 'TENSOR_INVALID_DATA', /x\.shape/],
    [{ dtype: 'float16', dims: [1], data: [1] }, 'TENSOR_INVALID_DATA', /float16 .* base64/],
  ])('error: %j is %s', (value, code, message) => {
    let error: unknown
    try {
      parseTensorJson(value, 'x')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TensorError)
    expect((error as TensorError).code).toBe(code)
    expect((error as TensorError).shortMessage).toMatch(message)
  })
})

describe('errorFromResponse', () => {
  test('default: the gateway’s code picks the class; status and Retry-After go in details', () => {
    const error = errorFromResponse({
      status: 429,
      body: JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Too many requests.' } }),
      retryAfter: '3',
      what: 'POST /v1/jobs',
    })
    expect(error.code).toBe('RATE_LIMITED')
    expect(error.name).toBe('RateLimitError')
    expect(error.shortMessage).toBe('Too many requests.')
    expect(error.details).toEqual({ status: 429, retryAfterS: 3 })
  })

  test('behavior: protocol codes come back as their protocol class', () => {
    const error = errorFromResponse({
      status: 400,
      body: JSON.stringify({ error: { code: 'TENSOR_SIZE_MISMATCH', message: 'Bad size.' } }),
      what: 'POST /v1/jobs',
    })
    expect(error).toBeInstanceOf(TensorError)
  })

  test('error: an answer that is not the gateway’s error JSON is SDK_INVALID_RESPONSE', () => {
    for (const body of ['<html>502 Bad Gateway</html>', '{"error": "nope"}', '']) {
      const error = errorFromResponse({ status: 502, body, what: 'GET /v1/models' })
      expect(error).toBeInstanceOf(SdkError)
      expect(error.code).toBe('SDK_INVALID_RESPONSE')
      expect(error.shortMessage).toMatch(/^GET \/v1\/models failed with HTTP 502/)
    }
  })
})
