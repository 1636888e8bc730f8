import type { ModelId } from '../../protocol/messages.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'

export type ReferenceRunParameters = {
  modelId: ModelId
  inputs: TensorMap
  outputNames: readonly string[]
}

/**
 * Computes a job's outputs on the gateway for a spot-check: onnxruntime-node on the CPU, in a
 * worker thread (createOnnxReferenceRunner), so a re-run never blocks the event loop.
 */
export type ReferenceRunner = {
  run(
    parameters: ReferenceRunParameters,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<{ outputs: TensorMap; runUs: number }>
}
