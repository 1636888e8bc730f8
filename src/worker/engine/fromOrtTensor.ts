import type { Tensor as OrtTensor } from 'onnxruntime-web'
import { EngineError } from '../../protocol/errors/EngineError.ts'
import { isDType } from '../../protocol/tensor/dtypes.ts'
import type { Tensor } from '../../protocol/tensor/Tensor.ts'

/**
 * Our tensor over an onnxruntime-web output's bytes. onnxruntime copies CPU outputs out of the
 * WebAssembly heap into a fresh typed array, so the bytes are normally a view of a buffer of
 * their own, which the worker can transfer to the page without a copy. Anything else (a view of
 * a larger or shared buffer) is copied, so transferring never detaches or shares memory by
 * accident.
 */
export function fromOrtTensor(name: string, tensor: OrtTensor): Tensor {
  if (!isDType(tensor.type)) {
    throw new EngineError(`Output ${JSON.stringify(name)} has a type the grid cannot carry.`, {
      code: 'ENGINE_INFERENCE_FAILED',
      details: { output: name, type: tensor.type },
    })
  }
  if (tensor.location !== 'cpu') {
    throw new EngineError(`Output ${JSON.stringify(name)} is not on the CPU.`, {
      code: 'ENGINE_INFERENCE_FAILED',
      details: { output: name, location: tensor.location },
    })
  }
  const view = tensor.data as ArrayBufferView
  const ownsBuffer =
    view.buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength
  const data = ownsBuffer
    ? new Uint8Array(view.buffer, 0, view.byteLength)
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice()
  return { dtype: tensor.type, dims: [...tensor.dims], data }
}
