import { useCallback, useSyncExternalStore } from 'react'
import type { Contributor, ContributorStatus } from './createContributor.ts'

/** Before Start there is no contributor: this is what the page shows then. */
export const IDLE_STATUS: ContributorStatus = {
  state: 'idle',
  models: [],
  network: undefined,
  error: undefined,
  engine: undefined,
  compute: undefined,
  pausedBy: [],
  dutyCycle: 1,
}

/** The contributor's status, re-rendering on each change. */
export function useContributorStatus(contributor: Contributor | undefined): ContributorStatus {
  const subscribe = useCallback(
    (listener: () => void) => contributor?.subscribe(listener) ?? (() => undefined),
    [contributor],
  )
  return useSyncExternalStore(subscribe, () => contributor?.status() ?? IDLE_STATUS)
}
