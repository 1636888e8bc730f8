import type { Tensor as OrtTensor } from 'onnxruntime-web'
import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../protocol/tensor/tensorToTypedArray.ts'
import type { Ort } from './loadOrt.ts'

/**
 * An onnxruntime-web tensor over our tensor's bytes: a view, no copy, when the bytes are aligned
 * for their element type (always, for tensors that crossed the worker boundary on their own
 * buffer); a copy otherwise. Our dtype names are onnxruntime's.
 */
export function toOrtTensor(ort: Ort, tensor: Tensor): OrtTensor {
  const data = tensorToTypedArray(tensor)
  return new ort.Tensor(tensor.dtype, data as never, [...tensor.dims])
}
