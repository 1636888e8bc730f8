import { describe, expect, test } from 'vitest'
import { connectionTransportOf } from '../../src/p2p/connectionTransportOf.ts'

const gw = '12D3KooWAKpn2JBxjzsXTokhXdMaBDT2WZfmcBWD3grU3JCRRJXK'
const peer = '12D3KooWHQyZ8Zq3bbnzpctcAf5pbeNozksnLTT5LgxqkWQ1kmdH'
const direct = `/ip4/10.254.0.2/udp/39393/webrtc-direct/certhash/uEiAVAFvPkzptLJ09IPn5EWZIFgisaOdNTokw40m1hOp-Cw/p2p/${gw}`

describe('connectionTransportOf', () => {
  test('default: WebRTC-Direct to the gateway', () => {
    expect(connectionTransportOf(direct)).toBe('webrtc-direct')
  })

  test('behavior: WebSocket, plain and secure', () => {
    expect(connectionTransportOf(`/ip4/127.0.0.1/tcp/8701/ws/p2p/${gw}`)).toBe('websocket')
    expect(connectionTransportOf(`/dns4/grid.example/tcp/443/tls/ws/p2p/${gw}`)).toBe('websocket')
    expect(connectionTransportOf(`/dns4/grid.example/tcp/443/wss/p2p/${gw}`)).toBe('websocket')
  })

  test('behavior: browser-to-browser WebRTC set up over the relay is direct', () => {
    expect(connectionTransportOf(`${direct}/p2p-circuit/webrtc/p2p/${peer}`)).toBe('webrtc')
    expect(connectionTransportOf(`/webrtc/p2p/${peer}`)).toBe('webrtc')
  })

  test('behavior: a relayed connection is not mistaken for a direct one', () => {
    expect(connectionTransportOf(`${direct}/p2p-circuit/p2p/${peer}`)).toBe('circuit-relay')
    expect(connectionTransportOf(`/ip4/1.2.3.4/tcp/1/ws/p2p/${gw}/p2p-circuit/p2p/${peer}`)).toBe(
      'circuit-relay',
    )
  })

  test('behavior: anything else', () => {
    expect(connectionTransportOf(`/ip4/1.2.3.4/tcp/4001/p2p/${gw}`)).toBe('other')
  })
})
