import type { FastifyInstance } from 'fastify'
import { WORK_PROTOCOL_ID } from '../../protocol/workProtocolId.ts'
import type { DelegationNonces } from '../work/DelegationNonces.ts'

/** What a browser needs to join the grid: whom to dial, over what, and what to sign. */
export type NetworkInfo = {
  peerId: string
  /** Every dialable multiaddr, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
  /** The same, by transport, in the order a browser should try them. */
  webrtcDirect: string[]
  websocket: string[]
  /** The work protocol's libp2p protocol id. */
  protocol: string
  /** Chain id of the EIP-712 domain that delegations and results are signed in. */
  chainId: number
  /** Origins a delegation may name. */
  origins: string[]
}

export type NetworkRoutesComponents = {
  /** The node's current addresses (they change as listeners bind, and at certificate renewal). */
  networkInfo(): NetworkInfo
  nonces: Pick<DelegationNonces, 'issue'>
  now?: (() => number) | undefined
}

/**
 * `GET /v1/network`: the gateway's peer id and dialable multiaddrs, for browsers to bootstrap
 * from (no libp2p address is baked into the app). `POST /v1/delegations/nonce`: a fresh nonce for
 * the wallet delegation a tab is about to ask its wallet to sign.
 */
export function registerNetworkRoutes(
  app: FastifyInstance,
  components: NetworkRoutesComponents,
): void {
  const now = components.now ?? Date.now
  app.get('/v1/network', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return components.networkInfo()
  })
  app.post('/v1/delegations/nonce', async (_request, reply) => {
    const { nonce, expiresAt } = await components.nonces.issue(now())
    reply.code(201).header('cache-control', 'no-store')
    return { nonce, expiresAt: new Date(expiresAt).toISOString() }
  })
}

/** Builds NetworkInfo from the node's multiaddrs. */
export function toNetworkInfo(parameters: {
  peerId: string
  multiaddrs: readonly string[]
  chainId: number
  origins: readonly string[]
}): NetworkInfo {
  const { peerId, chainId } = parameters
  const multiaddrs = parameters.multiaddrs.map((ma) =>
    ma.includes('/p2p/') ? ma : `${ma}/p2p/${peerId}`,
  )
  return {
    peerId,
    multiaddrs,
    webrtcDirect: multiaddrs.filter((ma) => ma.includes('/webrtc-direct/')),
    websocket: multiaddrs.filter((ma) => /\/(ws|wss|tls\/ws)\//.test(`${ma}/`)),
    protocol: WORK_PROTOCOL_ID,
    chainId,
    origins: [...parameters.origins],
  }
}
