import type { ConnectionGater, MultiaddrConnection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createRateLimiter } from '../api/createRateLimiter.ts'
import type { LimitName } from '../limits/LimitName.ts'

export type ConnectionLimitsInit = {
  /** Most open connections in all. */
  maxConnections: number
  /** Most open connections from one IP address; 0: no limit. */
  maxConnectionsPerIp: number
  /** New inbound connections per second from one IP address (bursts of as many). */
  inboundConnectionsPerHostPerSecond: number
}

export type ConnectionLimitsComponents = {
  /** Remote addresses of the node's open connections (late-bound: the node is built after). */
  remoteAddrs(): Iterable<Multiaddr>
  /** Called for each refused connection, with the remote IP address (or `unknown`). */
  onLimit?: ((limit: LimitName, subject: string) => void) | undefined
  /** Milliseconds, for the per-IP rate (tests pass a clock they move). */
  now?: (() => number) | undefined
}

export type CreateConnectionLimitsReturnType = Pick<ConnectionGater, 'denyInboundConnection'>

/**
 * The gateway's inbound connection limits, as a libp2p connection gater: checked by the upgrader
 * right after a socket (or WebRTC-Direct connection) is accepted and before the Noise handshake,
 * so a refused peer costs no crypto. libp2p's own connection manager has the same total and
 * per-IP rate limits but refuses silently; here each refusal is counted (`onLimit`) and a
 * per-IP ceiling on open connections is added (libp2p 3 has none). The refused dialer sees its
 * connection closed during the upgrade (its dial fails); nothing reaches the work protocol.
 */
export function createConnectionLimits(
  init: ConnectionLimitsInit,
  components: ConnectionLimitsComponents,
): CreateConnectionLimitsReturnType {
  const rate = createRateLimiter({ now: components.now })
  const perSecond = init.inboundConnectionsPerHostPerSecond
  const refuse = (limit: LimitName, subject: string) => {
    components.onLimit?.(limit, subject)
    return true
  }
  return {
    denyInboundConnection(maConn: MultiaddrConnection): boolean {
      const host = ipOf(maConn.remoteAddr)
      let open = 0
      let fromHost = 0
      for (const addr of components.remoteAddrs()) {
        open++
        if (host !== undefined && init.maxConnectionsPerIp > 0 && ipOf(addr) === host) fromHost++
      }
      if (open >= init.maxConnections) return refuse('p2p_connections', host ?? 'unknown')
      if (host === undefined) return false
      if (rate.take(host, { ratePerSecond: perSecond, burst: perSecond }) > 0)
        return refuse('p2p_inbound_rate', host)
      if (init.maxConnectionsPerIp > 0 && fromHost >= init.maxConnectionsPerIp)
        return refuse('p2p_connections_per_ip', host)
      return false
    },
  }
}

/** The IP address a connection comes from; undefined for relayed or non-IP addresses. */
export function ipOf(addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  if (components.some((c) => c.name === 'p2p-circuit')) return undefined
  const ip = components.find((c) => c.name === 'ip4' || c.name === 'ip6')
  return ip?.value
}
