import type { TensorMap } from '../../protocol/tensor/Tensor.ts'

/**
 * Each distinct transferable ArrayBuffer under a tensor map: the transfer list that moves the
 * tensors to another thread without copying. Several tensors may share one buffer (a decoded
 * message); SharedArrayBuffers are left out (they are shared, not moved).
 */
export function buffersOf(tensors: TensorMap): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const tensor of Object.values(tensors)) {
    const { buffer } = tensor.data
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) buffers.add(buffer)
  }
  return [...buffers]
}
