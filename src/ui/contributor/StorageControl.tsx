import { useCallback, useEffect, useState } from 'react'
import type { ModelStoreUsage } from '../../worker/models/ModelStore.ts'
import { formatBytes } from './formatBytes.ts'

type Usage = ModelStoreUsage | { error: string }

async function readUsage(): Promise<ModelStoreUsage> {
  const { ModelStore } = await import('../../worker/models/ModelStore.ts')
  return new ModelStore().usage()
}

async function clearModels(): Promise<void> {
  const { ModelStore } = await import('../../worker/models/ModelStore.ts')
  await new ModelStore().clear()
}

export type StorageControlProps = {
  /** The tab is running (or starting): clearing is refused until it stops. */
  active: boolean
  /** Changes when the cache may have changed (a model downloaded): the figures are read again. */
  revision: string
}

/**
 * Storage this site uses (navigator.storage.estimate) and what the cached models take, with a
 * button that deletes them. Refused while the tab runs: its engine holds sessions built from
 * those models and would download them again at the next Start anyway.
 */
export function StorageControl({ active, revision }: StorageControlProps) {
  const [usage, setUsage] = useState<Usage | undefined>()
  const [message, setMessage] = useState<string | undefined>()
  const refresh = useCallback(() => {
    readUsage().then(setUsage, (error: unknown) =>
      setUsage({ error: error instanceof Error ? error.message : String(error) }),
    )
  }, [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the refresh trigger
  useEffect(refresh, [refresh, revision])

  const clear = async () => {
    if (active) return
    try {
      await clearModels()
      setMessage('Cached models deleted. They download again at the next Start.')
    } catch (error) {
      setMessage(
        `Could not delete the cached models: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
    refresh()
  }

  return (
    <div className="control" data-testid="storage">
      <span className="control-label">Storage</span>
      <p data-testid="storage-used" aria-live="polite">
        {usage === undefined
          ? 'Reading storage…'
          : 'error' in usage
            ? `Storage cannot be read here: ${usage.error}`
            : `${usage.models} cached model${usage.models === 1 ? '' : 's'}, ${formatBytes(usage.modelBytes)}; this site uses ${formatBytes(usage.usage)} of ${formatBytes(usage.quota)} available to it.`}
      </p>
      <button
        type="button"
        className="secondary"
        onClick={() => void clear()}
        disabled={active}
        aria-describedby="storage-clear-hint"
        data-testid="storage-clear"
      >
        Clear cached models
      </button>
      <p id="storage-clear-hint" className="muted">
        {active ? 'Stop contributing first: the running tab uses these models.' : message}
      </p>
    </div>
  )
}
