/** How a worker reaches a peer, read from the connection's remote multiaddr. */
export type ConnectionTransport =
  | 'webrtc-direct'
  | 'webrtc'
  | 'websocket'
  | 'circuit-relay'
  | 'other'

/**
 * Names the transport of a connection from its remote multiaddr (as a string): a browser-to-
 * browser WebRTC connection ends in `/webrtc/p2p/<id>` after the relay part, a relayed one ends
 * in `/p2p-circuit/p2p/<id>` with no `/webrtc` after the circuit. WebRTC-Direct and WebSocket
 * addresses name themselves.
 */
export function connectionTransportOf(remoteAddr: string): ConnectionTransport {
  const parts = remoteAddr.split('/')
  const last = (name: string) => parts.lastIndexOf(name)
  const circuit = last('p2p-circuit')
  if (last('webrtc') > circuit && last('webrtc') >= 0) return 'webrtc'
  if (circuit >= 0) return 'circuit-relay'
  if (last('webrtc-direct') >= 0) return 'webrtc-direct'
  if (last('ws') >= 0 || last('wss') >= 0) return 'websocket'
  return 'other'
}
