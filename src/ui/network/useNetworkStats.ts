import { useEffect, useState } from 'react'
import type { NetworkStats } from '../../protocol/network/NetworkStats.ts'
import { fetchNetworkStats } from './fetchNetworkStats.ts'

export type NetworkStatsState = {
  /** The latest figures (kept while a later refresh fails). */
  stats: NetworkStats | undefined
  /** Why the latest refresh failed; cleared by the next success. */
  error: Error | undefined
}

/**
 * The network figures, refreshed every `intervalMs` while the page is visible (a hidden tab asks
 * nothing; it refreshes at once when shown again). One request at a time: the next waits for the
 * previous to settle.
 */
export function useNetworkStats(intervalMs: number): NetworkStatsState {
  const [state, setState] = useState<NetworkStatsState>({ stats: undefined, error: undefined })
  useEffect(() => {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let inFlight = false
    const refresh = async () => {
      clearTimeout(timer)
      if (inFlight || controller.signal.aborted) return
      inFlight = true
      try {
        const stats = await fetchNetworkStats({ signal: controller.signal })
        setState({ stats, error: undefined })
      } catch (error) {
        if (controller.signal.aborted) return
        setState((previous) => ({
          stats: previous.stats,
          error: error instanceof Error ? error : new Error(String(error)),
        }))
      } finally {
        inFlight = false
      }
      if (!controller.signal.aborted && document.visibilityState !== 'hidden')
        timer = setTimeout(refresh, intervalMs)
    }
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void refresh()
    }
    document.addEventListener('visibilitychange', onVisibility)
    void refresh()
    return () => {
      controller.abort()
      clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [intervalMs])
  return state
}
