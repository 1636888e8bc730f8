import { connectionTransportOf } from './connectionTransportOf.ts'

export type OrderGatewayAddressesParameters = {
  /** The gateway's multiaddrs, each with /p2p/<peerId> (GET /v1/network). */
  multiaddrs: readonly string[]
  /** Keep loopback, private and plain ws:// addresses (a gateway on this machine). */
  allowInsecureLocal: boolean
}

/**
 * The order a browser tries the gateway's addresses in: WebRTC-Direct first (no TLS certificate
 * needed, lower latency), then WebSocket. Within each, non-loopback before loopback: Chromium
 * gathers ICE candidates only on the interface with the default route, so on a machine without
 * one a WebRTC-Direct dial to 127.0.0.1 only wastes its timeout, while a LAN address works. Without `allowInsecureLocal`, loopback,
 * private-range and plain ws:// addresses are dropped, as libp2p's browser gater would.
 */
export function orderGatewayAddresses(parameters: OrderGatewayAddressesParameters): string[] {
  const { multiaddrs, allowInsecureLocal } = parameters
  const rank = (ma: string) => {
    const transport = connectionTransportOf(ma)
    const kind = transport === 'webrtc-direct' ? 0 : transport === 'websocket' ? 2 : -1
    if (kind < 0) return -1
    return kind + (isLoopback(ma) ? 1 : 0)
  }
  return multiaddrs
    .filter((ma) => rank(ma) >= 0)
    .filter(
      (ma) => allowInsecureLocal || (!isLoopback(ma) && !isPrivate(ma) && !isPlainWebSocket(ma)),
    )
    .map((ma, index) => ({ ma, index, rank: rank(ma) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ ma }) => ma)
}

function hostOf(ma: string): string {
  const parts = ma.split('/')
  return parts[2] ?? ''
}

function isLoopback(ma: string): boolean {
  const host = hostOf(ma)
  return host.startsWith('127.') || host === '::1' || host === 'localhost'
}

function isPrivate(ma: string): boolean {
  const host = hostOf(ma)
  if (/^(10\.|192\.168\.|169\.254\.)/.test(host)) return true
  const second = /^172\.(\d+)\./.exec(host)?.[1]
  if (second && Number(second) >= 16 && Number(second) <= 31) return true
  return /^f[cd]/i.test(host) || /^fe80:/i.test(host)
}

function isPlainWebSocket(ma: string): boolean {
  return connectionTransportOf(ma) === 'websocket' && !ma.includes('/tls/') && !ma.includes('/wss')
}
