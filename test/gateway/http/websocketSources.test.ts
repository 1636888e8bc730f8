import { describe, expect, test } from 'vitest'
import { websocketSources } from '../../../src/gateway/http/websocketSources.ts'

const peer = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

describe('websocketSources', () => {
  test('default: a gateway WebSocket listener becomes its ws:// origin', () => {
    expect(websocketSources([`/ip4/127.0.0.1/tcp/8701/ws/p2p/${peer}`])).toEqual([
      'ws://127.0.0.1:8701',
    ])
  })

  test.each([
    [`/dns4/Grid.Example/tcp/443/wss/p2p/${peer}`, 'wss://grid.example:443'],
    ['/dns/grid.example/tcp/443/tls/ws', 'wss://grid.example:443'],
    ['/dns6/grid.example/tcp/8443/tls/sni/grid.example/ws', 'wss://grid.example:8443'],
    ['/ip4/10.254.0.1/tcp/40111/ws', 'ws://10.254.0.1:40111'],
  ])('args: %s', (address, source) => {
    expect(websocketSources([address])).toEqual([source])
  })

  test('behavior: IPv6 listeners add the scheme only (CSP cannot name an IPv6 literal)', () => {
    expect(websocketSources(['/ip6/::1/tcp/8701/ws', '/ip6/fe80::1/tcp/9/wss'])).toEqual([
      'ws:',
      'wss:',
    ])
  })

  test('behavior: other transports and duplicates are left out', () => {
    expect(
      websocketSources([
        `/ip4/127.0.0.1/udp/8702/webrtc-direct/certhash/uEiD4lIgSQTu9SeJHtrAMO_zd5hzh1Sh6U81h1iyk4CKsPQ/p2p/${peer}`,
        '/ip4/127.0.0.1/tcp/8703',
        `/ip4/127.0.0.1/tcp/8701/ws/p2p/${peer}/p2p-circuit`,
        '/ip4/127.0.0.1/tcp/8701/ws',
        `/ip4/127.0.0.1/tcp/8701/ws/p2p/${peer}`,
      ]),
    ).toEqual(['ws://127.0.0.1:8701'])
  })

  test('error: strings that are not multiaddrs are skipped, not thrown', () => {
    expect(websocketSources(['ws://127.0.0.1:8701', '', '/ip4/999.1.1.1/tcp/1/ws'])).toEqual([])
  })
})
