import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { LimitName } from '../limits/LimitName.ts'
import { createConnectionLimits } from './createConnectionLimits.ts'
import type { WebRtcDirectCertificate } from './loadOrCreateNodeIdentity.ts'

/** An ICE server for WebRTC, as RTCConfiguration lists them. */
export type IceServer = { urls: string[]; username?: string; credential?: string }

/** Limits of the circuit-relay-v2 server: browsers use it only to exchange WebRTC signalling. */
export type RelayLimits = {
  /** Most peers holding a reservation at once (libp2p's default of 15 is far too low here). */
  maxReservations: number
  /** How long a reservation lasts before the peer must renew it. */
  reservationTtlMs: number
  /** A relayed connection is cut after this long. */
  durationLimitMs: number
  /** ... or after this many bytes, whichever comes first. */
  dataLimitBytes: number
  /** Concurrent inbound hop (reserve / connect) streams. */
  maxInboundHopStreams: number
}

export type GatewayNodeConfig = {
  /** Multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/8701/ws and /ip4/0.0.0.0/udp/8702/webrtc-direct. */
  listen: string[]
  /** Public multiaddrs to advertise instead of the listening ones (behind NAT or a proxy). */
  announce: string[]
  /** STUN/TURN servers for WebRTC. Empty by default: no traffic to public STUN servers. */
  iceServers: IceServer[]
  /** Most open connections (workers, relayed browsers). */
  maxConnections: number
  /** New inbound connections accepted per second from one IP address. */
  inboundConnectionsPerHostPerSecond: number
  /** Inbound connections allowed to be mid-handshake at once. */
  maxPendingInboundConnections: number
  /** Most open connections from one IP address; 0: no limit. */
  maxConnectionsPerIp: number
  relay: RelayLimits
}

export type CreateGatewayNodeParameters = {
  config: GatewayNodeConfig
  privateKey: PrivateKey
  certificate: WebRtcDirectCertificate
  /** Start listening before returning (default true). */
  start?: boolean | undefined
  /** Told of each inbound connection a limit refused (metrics and logs). */
  onLimit?: ((limit: LimitName, subject: string) => void) | undefined
}

export type GatewayNodeServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  relay: ReturnType<ReturnType<typeof circuitRelayServer>>
}

export type GatewayNode = Libp2p<GatewayNodeServices>

export type CreateGatewayNodeReturnType = GatewayNode

/**
 * The gateway's libp2p host: WebSocket and WebRTC-Direct listeners that browsers dial, a
 * circuit-relay-v2 server (with explicit limits) that lets browsers reach each other to set up
 * direct WebRTC connections, identify and ping. The persisted private key and certificate keep
 * the peer id and certhash stable across restarts.
 */
export async function createGatewayNode(
  parameters: CreateGatewayNodeParameters,
): Promise<CreateGatewayNodeReturnType> {
  const { config, privateKey, certificate, start = true } = parameters
  const rtcConfiguration = { iceServers: config.iceServers }
  let node: GatewayNode | undefined
  const limits = createConnectionLimits(config, {
    remoteAddrs: () => (node?.getConnections() ?? []).map((c) => c.remoteAddr),
    onLimit: parameters.onLimit,
  })
  node = await createLibp2p<GatewayNodeServices>({
    privateKey,
    start,
    addresses: { listen: config.listen, announce: config.announce },
    transports: [webSockets(), webRTCDirect({ certificate, rtcConfiguration })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The gater applies the total, per-IP and per-IP rate limits and counts what it refuses;
    // libp2p's own checks run first and refuse silently, so they are set past ours (their total
    // still bounds connections mid-handshake, which the gater cannot see).
    connectionGater: limits,
    connectionManager: {
      maxConnections: config.maxConnections + config.maxPendingInboundConnections,
      inboundConnectionThreshold: 1_000_000_000,
      maxIncomingPendingConnections: config.maxPendingInboundConnections,
    },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        maxInboundHopStreams: config.relay.maxInboundHopStreams,
        reservations: {
          maxReservations: config.relay.maxReservations,
          reservationTtl: config.relay.reservationTtlMs,
          applyDefaultLimit: true,
          defaultDurationLimit: config.relay.durationLimitMs,
          defaultDataLimit: BigInt(config.relay.dataLimitBytes),
        },
      }),
    },
  })
  return node
}
