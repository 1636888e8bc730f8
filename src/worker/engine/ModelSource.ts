import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'

/** Download progress of a model's bytes. */
export type ModelSourceProgress = {
  loadedBytes: number
  totalBytes: number
  /** The bytes came from the source's cache, not the network. */
  cached?: boolean | undefined
}

export type ModelSourceGetOptions = {
  signal?: AbortSignal | undefined
  onProgress?: ((progress: ModelSourceProgress) => void) | undefined
}

/**
 * Where the engine gets a model's bytes: the browser's ModelStore (fetch from the gateway with
 * progress, sha256 check against manifest.id, Cache Storage) in the app; anything that answers
 * `get` in tests. The engine trusts the bytes it is given to match `manifest.id` (verifying is
 * the source's job) and takes ownership of them: the worker proxy transfers their ArrayBuffer to
 * the worker, so a source must hand out bytes it does not keep using.
 */
export type ModelSource = {
  get(manifest: ModelManifest, options?: ModelSourceGetOptions): Promise<Uint8Array>
}
