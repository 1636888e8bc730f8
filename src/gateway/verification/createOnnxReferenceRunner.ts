import type { ModelId } from '../../protocol/messages.ts'
import { VerificationError } from '../errors/verification.ts'
import type { RegisteredModel } from '../models/ModelRegistry.ts'
import type { OnnxInspector } from '../models/onnx/createOnnxInspector.ts'
import type { ReferenceRunner } from './ReferenceRunner.ts'

export type CreateOnnxReferenceRunnerComponents = {
  inspector: Pick<OnnxInspector, 'run'>
  models: { get(id: ModelId): Pick<RegisteredModel, 'file'> | undefined }
}

/** The spot-check reference: the registered model's file run in the gateway's ONNX thread. */
export function createOnnxReferenceRunner(
  components: CreateOnnxReferenceRunnerComponents,
): ReferenceRunner {
  return {
    async run({ modelId, inputs, outputNames }, options = {}) {
      const model = components.models.get(modelId.toLowerCase() as ModelId)
      if (!model)
        throw new VerificationError(
          `The model ${modelId} is no longer registered; its results cannot be re-run.`,
          { code: 'VERIFICATION_UNAVAILABLE', details: { modelId } },
        )
      return components.inspector.run({ file: model.file, inputs, outputNames }, options)
    },
  }
}
