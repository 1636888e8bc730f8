import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ModelId } from '../../../protocol/messages.ts'
import type { TensorJson } from '../../../protocol/models/ModelManifestJson.ts'
import type { TensorMap } from '../../../protocol/tensor/Tensor.ts'
import { validateTensorMap } from '../../../protocol/tensor/validateTensorMap.ts'
import { base64ToBytes } from '../../../protocol/utils/base64ToBytes.ts'
import { bytesToBase64 } from '../../../protocol/utils/bytesToBase64.ts'
import type { OnnxModelMetadata } from '../onnx/OnnxMetadata.ts'

/** What one onnxruntime-node run taught us about a model, kept so later starts skip the run. */
export type KnownAnswerCacheEntry = {
  modelId: ModelId
  runtimeVersion: string
  metadata: OnnxModelMetadata
  /** The known-answer inputs (for built-ins, checked against the table's: a change recomputes). */
  inputs: TensorMap
  outputs: TensorMap
}

const FORMAT = 1

/** <dir>/<id without 0x>.ort-<version>.json: one file per model and onnxruntime-node version. */
export function knownAnswerCacheFile(
  dir: string,
  modelId: ModelId,
  runtimeVersion: string,
): string {
  const version = runtimeVersion.replace(/[^0-9A-Za-z.+-]/g, '_')
  return path.join(dir, `${modelId.slice(2)}.ort-${version}.json`)
}

/** The cached entry, or undefined when there is none or it cannot be read (then recompute). */
export async function readKnownAnswerCache(
  dir: string,
  modelId: ModelId,
  runtimeVersion: string,
): Promise<KnownAnswerCacheEntry | undefined> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(knownAnswerCacheFile(dir, modelId, runtimeVersion), 'utf8'))
  } catch {
    return undefined
  }
  try {
    const entry = json as Record<string, unknown>
    if (entry.format !== FORMAT || entry.modelId !== modelId) return undefined
    if (entry.runtimeVersion !== runtimeVersion) return undefined
    const metadata = entry.metadata as OnnxModelMetadata
    if (!Array.isArray(metadata?.inputs) || !Array.isArray(metadata?.outputs)) return undefined
    return {
      modelId,
      runtimeVersion,
      metadata,
      inputs: tensorMapFromJson(entry.inputs),
      outputs: tensorMapFromJson(entry.outputs),
    }
  } catch {
    return undefined
  }
}

function tensorMapFromJson(value: unknown): TensorMap {
  const entries = Object.entries(value as Record<string, TensorJson>).map(([name, t]) => [
    name,
    { dtype: t.dtype, dims: t.dims, data: base64ToBytes(t.data) },
  ])
  return validateTensorMap(Object.fromEntries(entries))
}

function tensorMapToJson(map: TensorMap): Record<string, TensorJson> {
  return Object.fromEntries(
    Object.entries(map).map(([name, t]) => [
      name,
      { dtype: t.dtype, dims: [...t.dims], data: bytesToBase64(t.data) },
    ]),
  )
}

/** Writes the entry atomically (temp file, then rename), so a crash never leaves half a file. */
export async function writeKnownAnswerCache(
  dir: string,
  entry: KnownAnswerCacheEntry,
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const file = knownAnswerCacheFile(dir, entry.modelId, entry.runtimeVersion)
  const json = {
    format: FORMAT,
    modelId: entry.modelId,
    runtimeVersion: entry.runtimeVersion,
    metadata: entry.metadata,
    inputs: tensorMapToJson(entry.inputs),
    outputs: tensorMapToJson(entry.outputs),
  }
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, JSON.stringify(json))
  await rename(temp, file)
}
