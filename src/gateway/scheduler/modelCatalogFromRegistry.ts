import type { ModelId } from '../../protocol/messages.ts'
import type { ModelRegistry } from '../models/ModelRegistry.ts'
import type { ModelCatalog } from './ModelCatalog.ts'

const modelIdPattern = /^0x[0-9a-fA-F]{64}$/

/** The scheduler's view of the gateway's model registry: manifests by id or by name. */
export function modelCatalogFromRegistry(
  registry: Pick<ModelRegistry, 'get' | 'list'>,
): ModelCatalog {
  return {
    getManifest(idOrName) {
      if (modelIdPattern.test(idOrName))
        return registry.get(idOrName.toLowerCase() as ModelId)?.manifest
      const summary = registry.list().find((model) => model.name === idOrName)
      return summary ? registry.get(summary.id)?.manifest : undefined
    },
    list: () =>
      registry.list().flatMap((summary) => {
        const model = registry.get(summary.id)
        return model ? [model.manifest] : []
      }),
  }
}
