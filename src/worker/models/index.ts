/**
 * Models in the browser: the ModelStore (fetch from the gateway with progress, sha256 check
 * against the id, Cache Storage with LRU eviction, the contributor's download cap) and
 * fetchManifest (the validated manifest of a model). Pure web-platform code: runs on a page and in
 * a Web Worker alike. A ModelStore is a valid engine ModelSource.
 */

export { ModelDownloadCapError } from '../../protocol/errors/ModelDownloadCapError.ts'
export { ModelError } from '../../protocol/errors/ModelError.ts'
export { ModelIntegrityError } from '../../protocol/errors/ModelIntegrityError.ts'
export { ModelManifestError } from '../../protocol/errors/ModelManifestError.ts'
export { manifestToJson } from '../../protocol/models/manifestToJson.ts'
export { parseManifest } from '../../protocol/models/parseManifest.ts'
export type { DownloadProgress } from './downloadModelBytes.ts'
export { type FetchManifestOptions, fetchManifest } from './fetchManifest.ts'
export {
  type CachedModel,
  ModelStore,
  type ModelStoreCallOptions,
  type ModelStoreEvent,
  type ModelStoreGetOptions,
  type ModelStoreOptions,
  type ModelStoreUsage,
} from './ModelStore.ts'
