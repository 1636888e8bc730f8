import type { TensorError } from '../errors/TensorError'
import type { DType } from './dtypes'
import type { Tensor } from './Tensor'
import { assertLittleEndian, type TypedArrayFor, typedArrayConstructors } from './typedArrays'
import { validateTensor } from './validateTensor'

export type TensorToTypedArrayErrorType = TensorError

/**
 * Reads a tensor's elements as the typed array for its dtype. Returns a view when the bytes sit
 * at an offset aligned to the element size, and a copy otherwise (a byte string decoded from a
 * message may start anywhere in its buffer, and typed arrays reject unaligned offsets).
 */
export function tensorToTypedArray<dtype extends DType>(
  tensor: Tensor & { dtype: dtype },
): TypedArrayFor[dtype] {
  validateTensor(tensor)
  assertLittleEndian()
  const TypedArrayType = typedArrayConstructors[tensor.dtype]
  const { data } = tensor
  const length = data.byteLength / TypedArrayType.BYTES_PER_ELEMENT
  if (data.byteOffset % TypedArrayType.BYTES_PER_ELEMENT === 0 && isArrayBuffer(data.buffer)) {
    return new TypedArrayType(data.buffer, data.byteOffset, length)
  }
  const copy = new Uint8Array(data.byteLength)
  copy.set(data)
  return new TypedArrayType(copy.buffer, 0, length)
}

// A SharedArrayBuffer-backed tensor is copied too, so callers never get a view whose contents
// another thread can change under them.
function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return buffer instanceof ArrayBuffer
}
