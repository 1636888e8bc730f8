import { useSyncExternalStore } from 'react'
import {
  type ContributorSettings,
  createSettingsStore,
  type SettingsStore,
} from './createSettingsStore.ts'

let store: SettingsStore | undefined
function settingsStore(): SettingsStore {
  store ??= createSettingsStore()
  return store
}

export type UseContributorSettingsReturnType = [
  ContributorSettings,
  (change: (settings: ContributorSettings) => ContributorSettings) => void,
]

/** The contributor's controls (one store per page, persisted in localStorage) and their setter. */
export function useContributorSettings(): UseContributorSettingsReturnType {
  const current = settingsStore()
  const settings = useSyncExternalStore(current.subscribe, current.get)
  return [settings, current.set]
}
