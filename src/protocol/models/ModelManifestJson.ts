import type { DType } from '../tensor/dtypes'
import type { ModelManifest } from './ModelManifest.ts'

/** A tensor in JSON: the raw little-endian element bytes as standard padded base64. */
export type TensorJson = { dtype: DType; dims: number[]; data: string }

/**
 * A manifest as it travels over HTTP (`GET /v1/models/:id`): the same fields, with the
 * known-answer tensors' bytes in base64. `manifestToJson` writes it, `parseManifest` reads it.
 */
export type ModelManifestJson = Omit<ModelManifest, 'knownAnswer'> & {
  knownAnswer: {
    inputs: Record<string, TensorJson>
    outputs: Record<string, TensorJson>
    reference: string
  }
}
