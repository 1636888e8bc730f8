import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'

/** An ICE server for WebRTC, as RTCConfiguration lists them. */
export type IceServer = { urls: string[]; username?: string; credential?: string }

export type CreateBrowserNodeParameters = {
  /**
   * STUN/TURN servers for browser-to-browser WebRTC. Default none: @libp2p/webrtc would otherwise
   * contact four public STUN servers, which a grid on a LAN (or offline) must not do. Production
   * deployments behind NAT configure their own.
   */
  iceServers?: readonly IceServer[] | undefined
  /**
   * Allow dialing loopback, private-range and plain ws:// addresses. libp2p's browser default
   * refuses them, which is right on the public web (a page must not probe the visitor's LAN), but
   * a gateway on this machine (npm start, the test suite) has nothing else to offer. The app sets
   * this only when the page itself was served from localhost / 127.0.0.1 / [::1], i.e. when the
   * gateway is already local.
   */
  allowInsecureLocal?: boolean | undefined
  /** Listen for other browsers (relay reservation + WebRTC). Default true. */
  dialable?: boolean | undefined
}

export type BrowserNodeServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
}

export type BrowserNode = Libp2p<BrowserNodeServices>

export type CreateBrowserNodeReturnType = BrowserNode

/**
 * A contributor tab's libp2p node (main thread: RTCPeerConnection does not exist in workers).
 * Transports in the order the worker prefers them: WebRTC-Direct to the gateway (no TLS
 * certificate, lowest latency), WebSocket as the fallback, and WebRTC over a circuit-relay-v2
 * reservation on the gateway so other browsers can dial this one directly (listening on
 * /p2p-circuit and /webrtc). Encryption and muxing match the gateway: Noise and Yamux.
 * Works in Node too (node-datachannel), which is how it is unit-tested.
 */
export async function createBrowserNode(
  parameters: CreateBrowserNodeParameters = {},
): Promise<CreateBrowserNodeReturnType> {
  const { allowInsecureLocal = false, dialable = true } = parameters
  const rtcConfiguration = { iceServers: (parameters.iceServers ?? []).map((s) => ({ ...s })) }
  return createLibp2p<BrowserNodeServices>({
    addresses: { listen: dialable ? ['/p2p-circuit', '/webrtc'] : [] },
    transports: [
      webRTCDirect({ rtcConfiguration }),
      webSockets(),
      webRTC({ rtcConfiguration }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(allowInsecureLocal ? { connectionGater: { denyDialMultiaddr: () => false } } : {}),
    services: { identify: identify(), ping: ping() },
  })
}
