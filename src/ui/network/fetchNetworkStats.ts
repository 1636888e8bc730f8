import { NetworkError } from '../../p2p/NetworkError.ts'
import type { NetworkStats } from '../../protocol/network/NetworkStats.ts'

export type FetchNetworkStatsParameters = { signal?: AbortSignal | undefined }

export type FetchNetworkStatsReturnType = NetworkStats

/** `GET /v1/network/stats` from the gateway that served the page. */
export async function fetchNetworkStats({
  signal,
}: FetchNetworkStatsParameters = {}): Promise<FetchNetworkStatsReturnType> {
  let response: Response
  try {
    response = await fetch('/v1/network/stats', {
      signal,
      headers: { accept: 'application/json' },
      cache: 'no-store',
    })
  } catch (error) {
    if (signal?.aborted) throw error
    throw new NetworkError('The gateway did not answer.', {
      code: 'NETWORK_STATS_UNAVAILABLE',
      cause: error,
    })
  }
  if (!response.ok)
    throw new NetworkError(`The gateway answered HTTP ${response.status}.`, {
      code: 'NETWORK_STATS_UNAVAILABLE',
      details: { status: response.status },
    })
  const body = (await response.json().catch(() => undefined)) as NetworkStats | undefined
  if (!body || typeof body.workers?.online !== 'number' || !Array.isArray(body.throughput))
    throw new NetworkError('The gateway answered something that is not the network figures.', {
      code: 'NETWORK_STATS_UNAVAILABLE',
    })
  return body
}
