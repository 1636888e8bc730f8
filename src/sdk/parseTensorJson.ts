import { TensorError } from '../protocol/errors/TensorError.ts'
import { isDType } from '../protocol/tensor/dtypes.ts'
import type { Tensor } from '../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../protocol/tensor/tensorFromTypedArray.ts'
import { typedArrayConstructors } from '../protocol/tensor/typedArrays.ts'
import { validateTensor } from '../protocol/tensor/validateTensor.ts'
import { base64ToBytes } from '../protocol/utils/base64ToBytes.ts'

/**
 * A tensor written as JSON, the CLI's input format: `{ "dtype": "float32", "dims": [1, 4],
 * "data": ... }` where data is either standard base64 of the raw little-endian bytes (what the
 * HTTP API's JSON form uses) or an array of numbers in row-major order (integers as numbers or
 * decimal strings for int64/uint64; bool as true/false or 0/1). Throws a TensorError naming
 * `path` for anything else.
 */
export function parseTensorJson(value: unknown, path: string): Tensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'must be an object { dtype, dims, data }', 'TENSOR_INVALID_DATA')
  const { dtype, dims, data, ...rest } = value as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined)
    throw invalid(`${path}.${extra}`, 'is not a tensor field', 'TENSOR_INVALID_DATA')
  if (!isDType(dtype))
    throw invalid(`${path}.dtype`, 'must be a dtype such as float32', 'TENSOR_UNSUPPORTED_DTYPE')
  if (!Array.isArray(dims))
    throw invalid(`${path}.dims`, 'must be an array of sizes', 'TENSOR_INVALID_DIMS')
  if (typeof data === 'string') {
    const bytes = base64ToBytes(data)
    if (!bytes)
      throw invalid(`${path}.data`, 'must be standard padded base64', 'TENSOR_INVALID_DATA')
    return validateTensor({ dtype, dims, data: bytes }, { path })
  }
  if (!Array.isArray(data))
    throw invalid(`${path}.data`, 'must be base64 or an array of numbers', 'TENSOR_INVALID_DATA')
  if (dtype === 'float16')
    throw invalid(`${path}.data`, 'of a float16 tensor must be base64', 'TENSOR_INVALID_DATA')
  const big = dtype === 'int64' || dtype === 'uint64'
  const values = data.map((item, i) => element(item, big, dtype === 'bool', `${path}.data[${i}]`))
  const Constructor = typedArrayConstructors[dtype] as unknown as {
    from(values: unknown[]): Parameters<typeof tensorFromTypedArray>[0]['data']
  }
  let array: Parameters<typeof tensorFromTypedArray>[0]['data']
  try {
    array = Constructor.from(values)
  } catch {
    throw invalid(`${path}.data`, `holds a value out of range for ${dtype}`, 'TENSOR_INVALID_DATA')
  }
  // Typed arrays wrap or truncate silently (Int8Array.from([300]) holds 44): refuse instead.
  if (!dtype.startsWith('float')) {
    const bad = values.findIndex((v, i) => (array as ArrayLike<number | bigint>)[i] !== v)
    if (bad !== -1)
      throw invalid(`${path}.data[${bad}]`, `is not a ${dtype} value`, 'TENSOR_INVALID_DATA')
  }
  return tensorFromTypedArray({ dtype, dims, data: array } as Parameters<
    typeof tensorFromTypedArray
  >[0])
}

function element(item: unknown, big: boolean, bool: boolean, path: string): number | bigint {
  if (bool && typeof item === 'boolean') return item ? 1 : 0
  if (big && (typeof item === 'number' || typeof item === 'string')) {
    if (typeof item === 'number' && !Number.isSafeInteger(item))
      throw invalid(
        path,
        'must be an integer (large ones as decimal strings)',
        'TENSOR_INVALID_DATA',
      )
    if (typeof item === 'string' && !/^-?\d{1,20}$/.test(item))
      throw invalid(path, 'must be a decimal integer', 'TENSOR_INVALID_DATA')
    return BigInt(item)
  }
  if (typeof item === 'number' && Number.isFinite(item)) return item
  throw invalid(path, 'must be a finite number', 'TENSOR_INVALID_DATA')
}

function invalid(
  path: string,
  what: string,
  code: 'TENSOR_INVALID_DATA' | 'TENSOR_UNSUPPORTED_DTYPE' | 'TENSOR_INVALID_DIMS',
): TensorError {
  return new TensorError(`${path} ${what}.`, { code, details: { path } })
}
