import { TensorError } from '../errors/TensorError'
import { MAX_RANK } from '../limits'
import { dtypes, isDType } from './dtypes'
import type { Tensor } from './Tensor'

export type ValidateTensorOptions = {
  /** Where the tensor sits (e.g. `inputs["x"]`), for error details. */
  path?: string | undefined
}

export type ValidateTensorErrorType = TensorError

/**
 * Asserts that a value is a well-formed Tensor: a supported dtype, at most 8 non-negative safe
 * integer dims, and exactly product(dims) * bytesPerElement bytes (bool bytes all 0 or 1).
 * Called at every boundary, because a size mismatch would otherwise surface as a wrong answer or
 * an out-of-bounds read deep inside a backend.
 */
export function validateTensor(tensor: unknown, options: ValidateTensorOptions = {}): Tensor {
  const path = options.path ?? 'tensor'
  if (typeof tensor !== 'object' || tensor === null) {
    throw new TensorError('Tensor must be an object.', {
      code: 'TENSOR_INVALID_DATA',
      details: { path },
    })
  }
  const { dtype, dims, data } = tensor as Record<string, unknown>
  assertDType(dtype, path)
  assertDims(dims, path)
  assertData(data, path)
  assertSize(dtype, dims, data, path)
  if (dtype === 'bool') assertBools(data, path)
  return tensor as Tensor
}

function assertDType(dtype: unknown, path: string): asserts dtype is Tensor['dtype'] {
  if (isDType(dtype)) return
  throw new TensorError(`Unsupported tensor dtype: ${String(dtype).slice(0, 32)}.`, {
    code: 'TENSOR_UNSUPPORTED_DTYPE',
    details: { path, dtype: String(dtype).slice(0, 32) },
  })
}

function assertDims(dims: unknown, path: string): asserts dims is readonly number[] {
  if (!Array.isArray(dims) || dims.length > MAX_RANK) {
    throw new TensorError(`Tensor dims must be an array of at most ${MAX_RANK} sizes.`, {
      code: 'TENSOR_INVALID_DIMS',
      details: { path, rank: Array.isArray(dims) ? dims.length : null },
    })
  }
  const bad = dims.findIndex((dim) => !Number.isSafeInteger(dim) || dim < 0)
  if (bad === -1) return
  throw new TensorError('Tensor dims must be non-negative safe integers.', {
    code: 'TENSOR_INVALID_DIMS',
    details: { path, index: bad },
  })
}

function assertData(data: unknown, path: string): asserts data is Uint8Array {
  if (data instanceof Uint8Array) return
  throw new TensorError('Tensor data must be a Uint8Array of raw little-endian bytes.', {
    code: 'TENSOR_INVALID_DATA',
    details: { path },
  })
}

function assertSize(
  dtype: Tensor['dtype'],
  dims: readonly number[],
  data: Uint8Array,
  path: string,
): void {
  const expected = expectedByteLength(dtype, dims)
  if (expected === data.byteLength) return
  throw new TensorError('Tensor byte length does not match its dtype and dims.', {
    code: 'TENSOR_SIZE_MISMATCH',
    details: {
      path,
      dtype,
      dims: dims.join('x'),
      expectedBytes: expected ?? 'overflow',
      actualBytes: data.byteLength,
    },
  })
}

/** product(dims) * element size, or undefined when that exceeds the safe integer range. */
export function expectedByteLength(
  dtype: Tensor['dtype'],
  dims: readonly number[],
): number | undefined {
  // BigInt, because the product of valid dims can overflow a double long before it is rejected.
  let product = BigInt(dtypes[dtype].bytes)
  for (const dim of dims) product *= BigInt(dim)
  return product <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(product) : undefined
}

function assertBools(data: Uint8Array, path: string): void {
  const bad = data.findIndex((byte) => byte > 1)
  if (bad === -1) return
  throw new TensorError('bool tensor bytes must be 0 or 1.', {
    code: 'TENSOR_INVALID_DATA',
    details: { path, index: bad },
  })
}
