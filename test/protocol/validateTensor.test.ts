import { describe, expect, test } from 'vitest'
import {
  dtypes,
  expectedByteLength,
  type Tensor,
  TensorError,
  tensorFromTypedArray,
  tensorToTypedArray,
  validateTensor,
  validateTensorMap,
} from '../../src/protocol/index'

function errorOf(fn: () => unknown): TensorError {
  try {
    fn()
  } catch (err) {
    if (err instanceof TensorError) return err
    throw err
  }
  throw new Error('expected a TensorError')
}

describe('validateTensor', () => {
  test('default', () => {
    const tensor: Tensor = { dtype: 'float32', dims: [2, 3], data: new Uint8Array(24) }
    expect(validateTensor(tensor)).toBe(tensor)
  })

  test('behavior: scalars and empty tensors', () => {
    expect(() =>
      validateTensor({ dtype: 'int64', dims: [], data: new Uint8Array(8) }),
    ).not.toThrow()
    expect(() =>
      validateTensor({ dtype: 'int64', dims: [0, 5], data: new Uint8Array() }),
    ).not.toThrow()
  })

  test('behavior: every dtype has its element size', () => {
    for (const [dtype, { bytes }] of Object.entries(dtypes)) {
      expect(expectedByteLength(dtype as Tensor['dtype'], [3])).toBe(3 * bytes)
    }
  })

  test('error: size mismatch', () => {
    const error = errorOf(() =>
      validateTensor({ dtype: 'float32', dims: [2, 3], data: new Uint8Array(23) }),
    )
    expect(error).toMatchInlineSnapshot(`
      [TensorError: Tensor byte length does not match its dtype and dims.

      Code: TENSOR_SIZE_MISMATCH]
    `)
    expect(error.details).toEqual({
      path: 'tensor',
      dtype: 'float32',
      dims: '2x3',
      expectedBytes: 24,
      actualBytes: 23,
    })
  })

  test('error: product overflow is a mismatch, not a wrap-around', () => {
    const dims = [2 ** 26, 2 ** 26, 2 ** 26, 2 ** 26]
    expect(
      errorOf(() => validateTensor({ dtype: 'uint8', dims, data: new Uint8Array() })).details,
    ).toMatchObject({ expectedBytes: 'overflow' })
  })

  test('error: invalid dims', () => {
    for (const dims of [[-1], [1.5], [Number.NaN], [2 ** 53], new Array(9).fill(1), 'x']) {
      const error = errorOf(() =>
        validateTensor({ dtype: 'uint8', dims, data: new Uint8Array(1) } as unknown as Tensor),
      )
      expect(error.code).toBe('TENSOR_INVALID_DIMS')
    }
  })

  test('error: unsupported dtype', () => {
    const error = errorOf(() =>
      validateTensor({ dtype: 'string', dims: [], data: new Uint8Array() } as unknown as Tensor),
    )
    expect(error.code).toBe('TENSOR_UNSUPPORTED_DTYPE')
  })

  test('error: data not a Uint8Array', () => {
    const tensor = { dtype: 'float32', dims: [1], data: new Float32Array(1) } as unknown as Tensor
    expect(errorOf(() => validateTensor(tensor)).code).toBe('TENSOR_INVALID_DATA')
    expect(errorOf(() => validateTensor(null)).code).toBe('TENSOR_INVALID_DATA')
  })

  test('error: bool bytes other than 0 and 1', () => {
    const error = errorOf(() =>
      validateTensor({ dtype: 'bool', dims: [2], data: new Uint8Array([1, 255]) }),
    )
    expect(error).toMatchObject({ code: 'TENSOR_INVALID_DATA', details: { index: 1 } })
  })
})

describe('validateTensorMap', () => {
  test('default', () => {
    const map = { a: { dtype: 'uint8' as const, dims: [1], data: new Uint8Array(1) } }
    expect(validateTensorMap(map)).toBe(map)
  })

  test('error: invalid names', () => {
    const tensor = { dtype: 'uint8' as const, dims: [1], data: new Uint8Array(1) }
    for (const name of ['', 'x'.repeat(257), 'a\uDC00']) {
      expect(errorOf(() => validateTensorMap({ [name]: tensor })).code).toBe('TENSOR_INVALID_NAME')
    }
  })

  test('error: too many tensors', () => {
    const tensor = { dtype: 'uint8' as const, dims: [1], data: new Uint8Array(1) }
    const map = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`t${i}`, tensor]))
    expect(errorOf(() => validateTensorMap(map)).code).toBe('TENSOR_MAP_TOO_LARGE')
  })
})

describe('tensorFromTypedArray', () => {
  test('default', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6])
    const tensor = tensorFromTypedArray({ dtype: 'float32', dims: [2, 3], data })
    expect(tensor.dtype).toBe('float32')
    expect(tensor.dims).toEqual([2, 3])
    expect(tensor.data.byteLength).toBe(24)
    // Little-endian 1.0f
    expect([...tensor.data.subarray(0, 4)]).toEqual([0, 0, 128, 63])
  })

  test('behavior: shares memory with a subarray view (no copy)', () => {
    const backing = new Int32Array([9, 1, 2, 9])
    const tensor = tensorFromTypedArray({ dtype: 'int32', dims: [2], data: backing.subarray(1, 3) })
    expect(tensor.data.byteOffset).toBe(4)
    backing[1] = 7
    expect(tensorToTypedArray({ ...tensor, dtype: 'int32' })[0]).toBe(7)
  })

  test('error: typed array kind does not match the dtype', () => {
    const data = new Float64Array(2) as unknown as Float32Array
    expect(errorOf(() => tensorFromTypedArray({ dtype: 'float32', dims: [2], data })).code).toBe(
      'TENSOR_INVALID_DATA',
    )
  })

  test('error: dims do not match the array length', () => {
    const data = new Float32Array(5)
    expect(errorOf(() => tensorFromTypedArray({ dtype: 'float32', dims: [2, 3], data })).code).toBe(
      'TENSOR_SIZE_MISMATCH',
    )
  })
})

describe('tensorToTypedArray', () => {
  test('default', () => {
    const tensor = tensorFromTypedArray({
      dtype: 'int64',
      dims: [2],
      data: new BigInt64Array([-1n, 2n ** 40n]),
    })
    const array = tensorToTypedArray({ ...tensor, dtype: 'int64' })
    expect(array).toBeInstanceOf(BigInt64Array)
    expect([...array]).toEqual([-1n, 2n ** 40n])
  })

  test('behavior: aligned bytes give a view', () => {
    const data = new Uint8Array(new Float32Array([0.5]).buffer)
    const array = tensorToTypedArray({ dtype: 'float32', dims: [1], data })
    expect(array.buffer).toBe(data.buffer)
  })

  test('behavior: unaligned bytes are copied into an aligned buffer', () => {
    const backing = new Uint8Array(9)
    backing.set(new Uint8Array(new Float64Array([Math.PI]).buffer), 1)
    const data = backing.subarray(1)
    const array = tensorToTypedArray({ dtype: 'float64', dims: [1], data })
    expect(array.buffer).not.toBe(backing.buffer)
    expect(array[0]).toBe(Math.PI)
  })

  test('behavior: float16 comes back as raw halves', () => {
    const data = new Uint8Array([0x00, 0x3c]) // 1.0 in IEEE half precision
    const array = tensorToTypedArray({ dtype: 'float16', dims: [1], data })
    expect(array).toBeInstanceOf(Uint16Array)
    expect(array[0]).toBe(0x3c00)
  })
})
