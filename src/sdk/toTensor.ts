import { BaseError } from '../protocol/errors/BaseError.ts'
import type { Tensor } from '../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../protocol/tensor/tensorFromTypedArray.ts'
import { validateTensor } from '../protocol/tensor/validateTensor.ts'
import type { TensorInput } from './GridJob.ts'
import { SdkError } from './SdkError.ts'

/**
 * A caller's input tensor as protocol bytes: a Uint8Array is taken as the raw little-endian
 * bytes already; any other typed array must be the dtype's own kind (Float32Array for float32).
 * Checked here, so a wrong dtype or size fails before anything is sent, with the tensor's name.
 */
export function toTensor(name: string, input: TensorInput): Tensor {
  try {
    if (input.data instanceof Uint8Array) return validateTensor(input, { path: name })
    return tensorFromTypedArray(input as Parameters<typeof tensorFromTypedArray>[0])
  } catch (error) {
    if (error instanceof BaseError) throw error
    throw new SdkError(`Input ${name} is not a tensor ({ dtype, dims, data }).`, {
      code: 'SDK_INVALID_ARGUMENT',
      cause: error,
      details: { tensor: name },
    })
  }
}
