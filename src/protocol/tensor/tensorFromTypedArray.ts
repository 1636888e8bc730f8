import { TensorError } from '../errors/TensorError'
import type { DType } from './dtypes'
import type { Tensor } from './Tensor'
import { assertLittleEndian, type TypedArrayFor, typedArrayConstructors } from './typedArrays'
import { validateTensor } from './validateTensor'

export type TensorFromTypedArrayParameters<dtype extends DType> = {
  dtype: dtype
  dims: readonly number[]
  data: TypedArrayFor[dtype]
}

export type TensorFromTypedArrayErrorType = TensorError

/**
 * Builds a Tensor over a typed array's bytes without copying (the tensor shares its memory), and
 * validates it. The typed array must be the kind `TypedArrayFor[dtype]` names.
 */
export function tensorFromTypedArray<dtype extends DType>(
  parameters: TensorFromTypedArrayParameters<dtype>,
): Tensor {
  const { dtype, dims, data } = parameters
  assertLittleEndian()
  const expected = typedArrayConstructors[dtype] as unknown as typeof Uint8Array
  // Checked at run time too: plain JavaScript callers and `as` casts get past the types.
  if (!(data instanceof expected)) {
    throw new TensorError(`A ${dtype} tensor needs a ${expected.name}.`, {
      code: 'TENSOR_INVALID_DATA',
      details: { dtype, got: typeNameOf(data) },
    })
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return validateTensor({ dtype, dims: [...dims], data: bytes })
}

function typeNameOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value
  return value.constructor?.name ?? 'object'
}
