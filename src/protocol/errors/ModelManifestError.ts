import { ModelError } from './ModelError.ts'

export type ModelManifestErrorType = ModelManifestError & { name: 'ModelManifestError' }

/**
 * A model manifest is not valid; `details.path` names the field (`inputs[0].dims[2]`,
 * `comparison["output"].atol`, `knownAnswer.inputs["x"]`).
 */
export class ModelManifestError extends ModelError<'MODEL_MANIFEST_INVALID'> {
  override name = 'ModelManifestError' as const
}
