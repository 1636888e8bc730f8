import { NetworkError } from './NetworkError.ts'

/** GET /v1/network: whom a browser dials and what it signs (src/gateway/api/registerNetworkRoutes.ts). */
export type GridNetworkInfo = {
  peerId: string
  /** Every dialable multiaddr, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
  /** The work protocol's libp2p protocol id. */
  protocol: string
  /** Chain id of the EIP-712 domain that delegations and results are signed in. */
  chainId: number
  origins: string[]
}

export type FetchNetworkInfoParameters = {
  /** The gateway's origin (the page's in the app). */
  baseUrl: string
  signal?: AbortSignal | undefined
}

export type FetchNetworkInfoErrorType = NetworkError

/** Bootstraps from the gateway's HTTP API: no libp2p address is baked into the app. */
export async function fetchNetworkInfo(
  parameters: FetchNetworkInfoParameters,
): Promise<GridNetworkInfo> {
  const url = new URL('/v1/network', parameters.baseUrl).href
  let body: unknown
  try {
    const response = await fetch(url, {
      signal: parameters.signal ?? null,
      headers: { accept: 'application/json' },
    })
    if (!response.ok)
      throw new NetworkError(`GET ${url} answered HTTP ${response.status}.`, {
        code: 'NETWORK_BOOTSTRAP_FAILED',
        details: { url, status: response.status },
      })
    body = await response.json()
  } catch (error) {
    if (error instanceof NetworkError) throw error
    throw new NetworkError(`GET ${url} failed.`, { code: 'NETWORK_BOOTSTRAP_FAILED', cause: error })
  }
  return parseNetworkInfo(body, url)
}

function parseNetworkInfo(body: unknown, url: string): GridNetworkInfo {
  const fail = (field: string) =>
    new NetworkError(`GET ${url} answered no valid ${field}.`, {
      code: 'NETWORK_BOOTSTRAP_FAILED',
      details: { url, field },
    })
  if (typeof body !== 'object' || body === null) throw fail('object')
  const value = body as Record<string, unknown>
  const strings = (field: string) => {
    const list = value[field]
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) throw fail(field)
    return list as string[]
  }
  if (typeof value.peerId !== 'string') throw fail('peerId')
  if (typeof value.protocol !== 'string') throw fail('protocol')
  if (typeof value.chainId !== 'number' || !Number.isSafeInteger(value.chainId))
    throw fail('chainId')
  return {
    peerId: value.peerId,
    multiaddrs: strings('multiaddrs'),
    protocol: value.protocol,
    chainId: value.chainId,
    origins: strings('origins'),
  }
}
