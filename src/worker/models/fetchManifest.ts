import { ModelError } from '../../protocol/errors/ModelError.ts'
import { ModelManifestError } from '../../protocol/errors/ModelManifestError.ts'
import type { ModelId } from '../../protocol/messages.ts'
import { isModelId } from '../../protocol/models/isModelId.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import { parseManifest } from '../../protocol/models/parseManifest.ts'

export type FetchManifestOptions = {
  /** The gateway's origin; the current page's or worker's by default. */
  baseUrl?: string | URL | undefined
  signal?: AbortSignal | undefined
}

export type FetchManifestErrorType = ModelError

/**
 * `GET /v1/models/:id`, parsed and validated by parseManifest (a ModelManifestError names the bad
 * field). The manifest's id must be the one asked for.
 */
export async function fetchManifest(
  id: ModelId,
  { baseUrl = globalThis.location.origin, signal }: FetchManifestOptions = {},
): Promise<ModelManifest> {
  if (!isModelId(id))
    throw new ModelError('A model id is 0x and 64 lowercase hex digits.', {
      code: 'MODEL_INVALID_ID',
    })
  const url = new URL(`/v1/models/${id}`, baseUrl).href
  let response: Response
  try {
    response = await fetch(url, { signal, credentials: 'same-origin' })
  } catch (error) {
    if (signal?.aborted)
      throw new ModelError('Fetching the manifest was aborted.', {
        code: 'MODEL_DOWNLOAD_ABORTED',
        cause: signal.reason,
      })
    throw new ModelError(`Fetching ${url} failed.`, { code: 'MODEL_DOWNLOAD_FAILED', cause: error })
  }
  if (!response.ok)
    throw new ModelError(`Fetching ${url} failed with HTTP ${response.status}.`, {
      code: response.status === 404 ? 'MODEL_NOT_FOUND' : 'MODEL_DOWNLOAD_FAILED',
      details: { url, status: response.status },
    })
  const json: unknown = await response.json().catch((error: unknown) => {
    throw new ModelManifestError(`The manifest at ${url} is not JSON.`, {
      code: 'MODEL_MANIFEST_INVALID',
      cause: error,
      details: { path: 'manifest', url },
    })
  })
  const manifest = parseManifest(json)
  if (manifest.id !== id)
    throw new ModelError(`The manifest at ${url} describes another model (${manifest.id}).`, {
      code: 'MODEL_DOWNLOAD_FAILED',
      details: { url, got: manifest.id },
    })
  return manifest
}
