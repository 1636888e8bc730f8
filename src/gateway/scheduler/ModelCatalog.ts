import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'

/**
 * What the scheduler, the requester API and the result checks need from the model registry: the
 * manifest of a model the gateway serves, found by id (0x sha256) or by name. Lookups are
 * synchronous because they sit on the hot path of every submission and every result; a registry
 * that loads manifests asynchronously keeps them in memory for this view.
 */
export type ModelCatalog = {
  getManifest(idOrName: string): ModelManifest | undefined
  /** Every model the gateway serves, for the network figures (optional: lookups do not need it). */
  list?(): readonly ModelManifest[]
}
