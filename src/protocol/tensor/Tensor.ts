import type { DType } from './dtypes'

/**
 * A tensor as it travels: element type, shape, and the raw little-endian bytes of its elements in
 * row-major order. Raw bytes (not number arrays) keep transfer and hashing cheap and exact.
 */
export type Tensor = {
  dtype: DType
  dims: readonly number[]
  data: Uint8Array
}

/** Named tensors: the inputs or outputs of one model run, keyed by the ONNX input/output name. */
export type TensorMap = Record<string, Tensor>
