/** The duty cycles the page offers, as fractions of wall time. */
export const DUTY_CYCLES = [0.25, 0.5, 0.75, 1] as const

/** What a contributor chose; kept in localStorage, applied live while the tab runs. */
export type ContributorSettings = {
  /** Compute at most this fraction of wall time: one of DUTY_CYCLES. */
  dutyCycle: number
  /** Take no new jobs while the tab is hidden (document.visibilityState). */
  pauseWhenHidden: boolean
  /**
   * Pause on battery (not charging) below `stopBelow` percent; resume at `resumeAbove` percent or
   * when charging. resumeAbove > stopBelow, so a level near the threshold does not flap.
   */
  battery: { enabled: boolean; stopBelow: number; resumeAbove: number }
  /** Cap on model bytes this browser downloads and caches, MB (10^6 bytes); null: no cap. */
  maxDownloadMB: number | null
}

export const DEFAULT_SETTINGS: ContributorSettings = {
  dutyCycle: 1,
  pauseWhenHidden: true,
  battery: { enabled: true, stopBelow: 20, resumeAbove: 40 },
  maxDownloadMB: null,
}

export type SettingsStorage = Pick<Storage, 'getItem' | 'setItem'>

export type CreateSettingsStoreParameters = {
  /** Default: localStorage (an in-memory store where the browser denies it). */
  storage?: SettingsStorage | undefined
  key?: string | undefined
}

export type SettingsStore = {
  get(): ContributorSettings
  /** Applies a change (normalized: see normalizeSettings), saves it, tells subscribers. */
  set(change: (settings: ContributorSettings) => ContributorSettings): void
  subscribe(listener: () => void): () => void
}

export type CreateSettingsStoreReturnType = SettingsStore

const DEFAULT_KEY = 'inference-grid:contributor-settings:v1'

/**
 * The contributor's controls as an external store (useSyncExternalStore): read once from
 * storage, each field checked on its own (a bad or missing field falls back to its default, so
 * an old or hand-edited entry never breaks the page), written back on every change.
 */
export function createSettingsStore(
  parameters: CreateSettingsStoreParameters = {},
): CreateSettingsStoreReturnType {
  const storage = parameters.storage ?? defaultStorage()
  const key = parameters.key ?? DEFAULT_KEY
  const listeners = new Set<() => void>()
  let settings = normalizeSettings(read(storage, key))
  return {
    get: () => settings,
    set(change) {
      settings = normalizeSettings(change(settings))
      try {
        storage.setItem(key, JSON.stringify(settings))
      } catch {
        // Storage full or denied: the setting still applies to this page.
      }
      for (const listener of listeners) listener()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** Every field valid: unknown values become defaults, percentages whole and ordered. */
export function normalizeSettings(value: unknown): ContributorSettings {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const battery = (
    typeof raw.battery === 'object' && raw.battery !== null ? raw.battery : {}
  ) as Record<string, unknown>
  const percent = (v: unknown, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v)
      ? Math.min(100, Math.max(0, Math.round(v)))
      : fallback
  const stopBelow = Math.min(99, percent(battery.stopBelow, DEFAULT_SETTINGS.battery.stopBelow))
  const resumeAbove = Math.max(
    stopBelow + 1,
    percent(battery.resumeAbove, DEFAULT_SETTINGS.battery.resumeAbove),
  )
  const cap = raw.maxDownloadMB
  return {
    dutyCycle: (DUTY_CYCLES as readonly unknown[]).includes(raw.dutyCycle)
      ? (raw.dutyCycle as number)
      : DEFAULT_SETTINGS.dutyCycle,
    pauseWhenHidden:
      typeof raw.pauseWhenHidden === 'boolean'
        ? raw.pauseWhenHidden
        : DEFAULT_SETTINGS.pauseWhenHidden,
    battery: {
      enabled:
        typeof battery.enabled === 'boolean' ? battery.enabled : DEFAULT_SETTINGS.battery.enabled,
      stopBelow,
      resumeAbove: Math.min(100, resumeAbove),
    },
    maxDownloadMB:
      typeof cap === 'number' && Number.isFinite(cap) && cap >= 0 ? Math.round(cap) : null,
  }
}

function read(storage: SettingsStorage, key: string): unknown {
  try {
    const text = storage.getItem(key)
    return text === null ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

function defaultStorage(): SettingsStorage {
  try {
    const storage = globalThis.localStorage
    if (storage) return storage
  } catch {
    // A sandboxed frame may throw on access.
  }
  const memory = new Map<string, string>()
  return {
    getItem: (k) => memory.get(k) ?? null,
    setItem: (k, v) => void memory.set(k, v),
  }
}
