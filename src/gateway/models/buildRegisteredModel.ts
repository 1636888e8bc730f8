import { createHash } from 'node:crypto'
import { ModelError } from '../../protocol/errors/ModelError.ts'
import { ModelManifestError } from '../../protocol/errors/ModelManifestError.ts'
import type { ModelManifest, TensorSpec } from '../../protocol/models/ModelManifest.ts'
import { manifestToJson } from '../../protocol/models/manifestToJson.ts'
import { parseManifest } from '../../protocol/models/parseManifest.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import type { RegisteredModel } from './ModelRegistry.ts'
import type { ModelRecord } from './storage/ModelRecord.ts'

export type BuildRegisteredModelParameters = {
  record: ModelRecord
  specs: { inputs: TensorSpec[]; outputs: TensorSpec[] }
  knownAnswer: { inputs: TensorMap; outputs: TensorMap }
  runtimeVersion: string
  file: string
  assetFiles?: Readonly<Record<string, string>> | undefined
}

export type BuildRegisteredModelErrorType = ModelError<'MODEL_UNSUPPORTED'>

/**
 * Assembles a model's manifest and checks it with the same `parseManifest` every reader uses, so
 * the gateway never serves a manifest a browser would refuse (an output whose real dims disagree
 * with the model's declared ones, a policy axis out of range...). Throws MODEL_UNSUPPORTED with
 * the manifest error as its cause and the field path in details.
 */
export function buildRegisteredModel({
  record,
  specs,
  knownAnswer,
  runtimeVersion,
  file,
  assetFiles = {},
}: BuildRegisteredModelParameters): RegisteredModel {
  const manifest: ModelManifest = {
    id: record.id,
    name: record.name,
    description: record.description,
    task: record.task,
    size: record.size,
    inputs: specs.inputs,
    outputs: specs.outputs,
    comparison: record.comparison,
    knownAnswer: {
      inputs: knownAnswer.inputs,
      outputs: knownAnswer.outputs,
      reference: `onnxruntime-node@${runtimeVersion}`,
    },
    source: record.source,
  }
  if (record.assets) manifest.assets = record.assets
  const json = manifestToJson(manifest)
  try {
    parseManifest(json)
  } catch (error) {
    if (!(error instanceof ModelManifestError)) throw error
    throw new ModelError(
      `The model's manifest would be invalid: ${error.shortMessage} (does the model's declared output shape match what it computes?)`,
      { code: 'MODEL_UNSUPPORTED', cause: error, details: error.details },
    )
  }
  const manifestJson = JSON.stringify(json)
  const digest = createHash('sha256').update(manifestJson).digest('hex').slice(0, 32)
  return { manifest, manifestJson, manifestEtag: `"${digest}"`, file, assetFiles }
}
