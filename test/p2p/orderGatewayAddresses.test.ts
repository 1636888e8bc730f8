import { describe, expect, test } from 'vitest'
import { orderGatewayAddresses } from '../../src/p2p/orderGatewayAddresses.ts'

const p2p = '/p2p/12D3KooWAKpn2JBxjzsXTokhXdMaBDT2WZfmcBWD3grU3JCRRJXK'
const cert = '/certhash/uEiAVAFvPkzptLJ09IPn5EWZIFgisaOdNTokw40m1hOp-Cw'
const wsLoop = `/ip4/127.0.0.1/tcp/8701/ws${p2p}`
const wsLan = `/ip4/10.254.0.1/tcp/8701/ws${p2p}`
const rtcLoop = `/ip4/127.0.0.1/udp/8702/webrtc-direct${cert}${p2p}`
const rtcLan = `/ip4/10.254.0.1/udp/8702/webrtc-direct${cert}${p2p}`
const rtcPublic = `/ip4/203.0.113.7/udp/8702/webrtc-direct${cert}${p2p}`
const wss = `/dns4/grid.example/tcp/443/tls/ws${p2p}`
const tcp = `/ip4/203.0.113.7/tcp/4001${p2p}`

describe('orderGatewayAddresses', () => {
  test('default: WebRTC-Direct before WebSocket, non-loopback before loopback', () => {
    expect(
      orderGatewayAddresses({
        multiaddrs: [wsLoop, wsLan, rtcLoop, rtcLan, tcp],
        allowInsecureLocal: true,
      }),
    ).toEqual([rtcLan, rtcLoop, wsLan, wsLoop])
  })

  test('behavior: without allowInsecureLocal only public WebRTC-Direct and secure WebSocket stay', () => {
    expect(
      orderGatewayAddresses({
        multiaddrs: [wsLoop, wsLan, rtcLoop, rtcLan, wss, rtcPublic],
        allowInsecureLocal: false,
      }),
    ).toEqual([rtcPublic, wss])
  })

  test('behavior: nothing dialable gives an empty list', () => {
    expect(orderGatewayAddresses({ multiaddrs: [tcp], allowInsecureLocal: true })).toEqual([])
  })
})
