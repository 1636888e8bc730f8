import type { ModelId } from '../../protocol/messages.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type { Startable } from '../Startable.ts'

/** A model the gateway serves: its manifest, and where its bytes are. */
export type RegisteredModel = {
  manifest: ModelManifest
  /** The body of `GET /v1/models/:id`, serialized once. */
  manifestJson: string
  /** Strong ETag of `manifestJson` (quoted). */
  manifestEtag: string
  /** Absolute path of the ONNX file. */
  file: string
  /** Absolute path of each asset named in `manifest.assets`. */
  assetFiles: Readonly<Record<string, string>>
}

/** One line of `GET /v1/models`. */
export type ModelSummary = Pick<ModelManifest, 'id' | 'name' | 'task' | 'size' | 'description'>

export type AddModelParameters = {
  /** The ONNX bytes as they arrive (an HTTP request body). */
  body: AsyncIterable<Uint8Array>
  name: string
  description?: string | undefined
  /** Refuse, mid-stream if need be, a body larger than this. */
  maxBytes: number
  signal?: AbortSignal | undefined
}

export type AddModelReturnType = {
  model: RegisteredModel
  /** False when a model with these exact bytes was already registered (its entry is returned). */
  created: boolean
}

/**
 * The gateway's models: built-ins from npm packages and models operators added, each with a
 * manifest whose known answer onnxruntime-node computed. `start()` makes every manifest ready
 * (from the cache in <dataDir>/models when it can) before the gateway listens.
 */
export type ModelRegistry = Startable & {
  /** Every model, sorted by name. */
  list(): ModelSummary[]
  get(id: ModelId): RegisteredModel | undefined
  /**
   * Stores an operator's ONNX model: streams it to disk while hashing it, checks that
   * onnxruntime-node loads and runs it, builds its manifest. Throws ModelError: MODEL_TOO_LARGE,
   * MODEL_INVALID_ONNX, MODEL_UNSUPPORTED, MODEL_NAME_TAKEN; ModelManifestError for a bad name.
   */
  add(parameters: AddModelParameters): Promise<AddModelReturnType>
}
