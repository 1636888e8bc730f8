import { TensorError } from '../errors/TensorError'
import type { DType } from './dtypes'

/**
 * The typed array each dtype is read into. float16 has no typed array in Node 20 (Float16Array
 * is newer), so its raw 16-bit halves come back as a Uint16Array; bool comes back as 0/1 bytes.
 */
export type TypedArrayFor = {
  float32: Float32Array
  float16: Uint16Array
  float64: Float64Array
  int8: Int8Array
  uint8: Uint8Array
  int16: Int16Array
  uint16: Uint16Array
  int32: Int32Array
  uint32: Uint32Array
  int64: BigInt64Array
  uint64: BigUint64Array
  bool: Uint8Array
}

export type TypedArray = TypedArrayFor[DType]

type TypedArrayConstructor<array> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): array
  readonly BYTES_PER_ELEMENT: number
}

export const typedArrayConstructors: {
  [dtype in DType]: TypedArrayConstructor<TypedArrayFor[dtype]>
} = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
}

// Typed arrays use the platform's byte order, tensors are little-endian. Every platform we run on
// (x86, ARM browsers and Node) is little-endian; we check once and refuse views elsewhere rather
// than return silently byte-swapped numbers.
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Throws TENSOR_PLATFORM_BIG_ENDIAN on a big-endian platform. */
export function assertLittleEndian(): void {
  if (IS_LITTLE_ENDIAN) return
  throw new TensorError('Typed-array tensor views need a little-endian platform.', {
    code: 'TENSOR_PLATFORM_BIG_ENDIAN',
  })
}
