import type { AbortOptions, Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { type ConnectionTransport, connectionTransportOf } from './connectionTransportOf.ts'
import type { BrowserNode } from './createBrowserNode.ts'
import { NetworkError } from './NetworkError.ts'

/** One open connection of this node, as a person debugging connectivity wants to see it. */
export type PeerConnectionInfo = {
  peerId: string
  remoteAddr: string
  transport: ConnectionTransport
  direction: 'inbound' | 'outbound'
  /** A relayed connection carries data and time limits (circuit relay v2); a direct one none. */
  limited: boolean
}

export type PeerDiagnostics = {
  peerId(): string
  /** Where other peers can reach this node: relay reservations and the /webrtc addresses on them. */
  addresses(): string[]
  connections(): PeerConnectionInfo[]
  /**
   * Dials another peer (typically a `/p2p-circuit/webrtc/p2p/<id>` address another tab lists in
   * `addresses()`: the relay carries the WebRTC signalling, then the data flows directly) and
   * pings it over the new connection.
   */
  connectPeer(
    address: string,
    options?: AbortOptions,
  ): Promise<PeerConnectionInfo & { rttMs: number }>
}

export type CreatePeerDiagnosticsReturnType = PeerDiagnostics

const toConnectionInfo = (connection: Connection): PeerConnectionInfo => {
  const remoteAddr = connection.remoteAddr.toString()
  return {
    peerId: connection.remotePeer.toString(),
    remoteAddr,
    transport: connectionTransportOf(remoteAddr),
    direction: connection.direction,
    limited: connection.limits !== undefined,
  }
}

/**
 * The contributor tab's libp2p node seen from the browser console (the app installs it as
 * `globalThis.inferenceGrid`): its addresses, its connections with their transports, and a way
 * to dial another contributor directly. For contributors and operators checking whether browsers
 * behind their NAT can reach each other, and for the end-to-end tests that prove they can.
 */
export function createPeerDiagnostics(node: BrowserNode): CreatePeerDiagnosticsReturnType {
  return {
    peerId: () => node.peerId.toString(),
    addresses: () => node.getMultiaddrs().map((ma) => ma.toString()),
    connections: () => node.getConnections().map(toConnectionInfo),
    async connectPeer(address, options = {}) {
      let target: ReturnType<typeof multiaddr>
      try {
        target = multiaddr(address)
      } catch (cause) {
        throw new NetworkError(`"${address}" is not a multiaddr.`, {
          code: 'NETWORK_DIAL_FAILED',
          details: { address },
          cause,
        })
      }
      let connection: Connection
      try {
        connection = await node.dial(target, options)
      } catch (cause) {
        throw new NetworkError(`Could not connect to ${address}.`, {
          code: 'NETWORK_DIAL_FAILED',
          details: { address },
          cause,
        })
      }
      const rttMs = await node.services.ping.ping(connection.remotePeer, options)
      return { ...toConnectionInfo(connection), rttMs }
    },
  }
}
