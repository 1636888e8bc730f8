import type { TensorMap } from '../tensor/Tensor'
import { bytesToBase64 } from '../utils/bytesToBase64.ts'
import type { ModelManifest } from './ModelManifest.ts'
import type { ModelManifestJson, TensorJson } from './ModelManifestJson.ts'

export type ManifestToJsonReturnType = ModelManifestJson

/**
 * The JSON form of a manifest (tensor bytes as base64), ready for `JSON.stringify`. Copies every
 * field, so later changes to the manifest do not leak into the result. `parseManifest` reverses it.
 */
export function manifestToJson(manifest: ModelManifest): ManifestToJsonReturnType {
  const json: ModelManifestJson = {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    task: manifest.task,
    size: manifest.size,
    inputs: manifest.inputs.map((spec) => ({ ...spec, dims: [...spec.dims] })),
    outputs: manifest.outputs.map((spec) => ({ ...spec, dims: [...spec.dims] })),
    comparison: Object.fromEntries(
      Object.entries(manifest.comparison).map(([name, policy]) => [name, { ...policy }]),
    ),
    knownAnswer: {
      inputs: tensorMapToJson(manifest.knownAnswer.inputs),
      outputs: tensorMapToJson(manifest.knownAnswer.outputs),
      reference: manifest.knownAnswer.reference,
    },
    source: { ...manifest.source },
  }
  if (manifest.assets)
    json.assets = Object.fromEntries(
      Object.entries(manifest.assets).map(([name, asset]) => [name, { ...asset }]),
    )
  return json
}

function tensorMapToJson(map: TensorMap): Record<string, TensorJson> {
  return Object.fromEntries(
    Object.entries(map).map(([name, tensor]) => [
      name,
      { dtype: tensor.dtype, dims: [...tensor.dims], data: bytesToBase64(tensor.data) },
    ]),
  )
}
