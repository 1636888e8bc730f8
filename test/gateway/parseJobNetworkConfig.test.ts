import { describe, expect, test } from 'vitest'
import { parseJobNetworkConfig } from '../../src/gateway/config/parseJobNetworkConfig.ts'
import { ConfigError } from '../../src/gateway/errors/config.ts'

const parse = (args: string[], env: Record<string, string> = {}, host = '127.0.0.1') =>
  parseJobNetworkConfig({ args, env, host })

function errorOf(args: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parse(args, env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseJobNetworkConfig', () => {
  test('args: verification and ledger settings', () => {
    expect(
      parse([
        '--job-price',
        '250',
        '--spot-check-floor',
        '0.1',
        '--credit-holdback-s',
        '60',
        '--suspend-after-invalid',
        '3',
      ]).verification,
    ).toMatchObject({
      defaultPrice: 250n,
      spotCheckFloor: 0.1,
      holdbackMs: 60_000,
      suspendAfterInvalid: 3,
    })
  })

  test('args: abuse limits (flags and variables; 0 turns the per-wallet and per-IP ones off)', () => {
    const config = parse(
      [
        '--ip-rate',
        '5',
        '--ip-burst',
        '7',
        '--max-open-jobs-per-key',
        '100',
        '--work-frame-rate',
        '50',
        '--max-sessions-per-wallet',
        '0',
        '--max-result-mib',
        '2',
        '--max-job-input-mib',
        '3',
        '--p2p-max-connections-per-ip',
        '3',
      ],
      { INFERENCE_GRID_MAX_SESSIONS_PER_IP: '9' },
    )
    expect(config.limits).toEqual({
      ipRatePerSecond: 5,
      ipBurst: 7,
      maxOpenJobsPerKey: 100,
      maxJobInputBytes: 3 * 1024 * 1024,
      workFrameRate: 50,
      maxSessionsPerWallet: 0,
      maxSessionsPerIp: 9,
      maxResultBytes: 2 * 1024 * 1024,
    })
    expect(config.p2p.maxConnectionsPerIp).toBe(3)
    expect(errorOf(['--max-result-mib', '32']).shortMessage).toMatchInlineSnapshot(
      `"--max-result-mib must be a whole number from 1 to 31; got "32"."`,
    )
    expect(errorOf(['--work-frame-rate', '0']).code).toBe('CONFIG_INVALID_VALUE')
  })

  test('default', () => {
    expect(parse([])).toMatchInlineSnapshot(`
      {
        "apiMaxBodyBytes": 67108864,
        "apiMaxWaitSeconds": 60,
        "chainId": 31337,
        "gridOrigins": undefined,
        "heartbeatMs": 10000,
        "leaseMs": 30000,
        "limits": {
          "ipBurst": 200,
          "ipRatePerSecond": 20,
          "maxJobInputBytes": 16777216,
          "maxOpenJobsPerKey": 10000,
          "maxResultBytes": 16777216,
          "maxSessionsPerIp": 256,
          "maxSessionsPerWallet": 64,
          "workFrameRate": 2000,
        },
        "maxAttempts": 3,
        "maxWorkerSlots": 16,
        "p2p": {
          "announce": [],
          "iceServers": [],
          "inboundConnectionsPerHostPerSecond": 20,
          "listen": [
            "/ip4/127.0.0.1/tcp/8701/ws",
            "/ip4/127.0.0.1/udp/8702/webrtc-direct",
          ],
          "maxConnections": 2048,
          "maxConnectionsPerIp": 256,
          "maxPendingInboundConnections": 256,
          "relay": {
            "dataLimitBytes": 1048576,
            "durationLimitMs": 120000,
            "maxInboundHopStreams": 64,
            "maxReservations": 1024,
            "reservationTtlMs": 7200000,
          },
        },
        "rpcUrl": undefined,
        "verification": {
          "defaultPrice": 1000n,
          "holdbackMs": 86400000,
          "partnerShareBps": 1000,
          "spotCheckFloor": 0.01,
          "spotCheckProbation": 10,
          "suspendAfterInvalid": 2,
          "workerShareBps": 7000,
        },
      }
    `)
  })

  test('args: flags win over variables', () => {
    const config = parse(
      [
        '--p2p-ws-port',
        '9001',
        '--lease-ms',
        '1500',
        '--ice-servers',
        'stun:stun.example.org:3478',
      ],
      {
        INFERENCE_GRID_P2P_WS_PORT: '9999',
        INFERENCE_GRID_CHAIN_ID: '8453',
        INFERENCE_GRID_ORIGINS: 'https://grid.example.org',
        INFERENCE_GRID_RPC_URL: 'http://127.0.0.1:8545',
      },
    )
    expect(config.p2p.listen[0]).toBe('/ip4/127.0.0.1/tcp/9001/ws')
    expect(config.leaseMs).toBe(1500)
    expect(config.chainId).toBe(8453)
    expect(config.gridOrigins).toEqual(['https://grid.example.org'])
    expect(config.rpcUrl).toBe('http://127.0.0.1:8545/')
    expect(config.p2p.iceServers).toEqual([{ urls: ['stun:stun.example.org:3478'] }])
  })

  test('args: --p2p-listen replaces the default listeners; hosts map to addresses', () => {
    expect(parse(['--p2p-listen', '/ip4/0.0.0.0/tcp/4001/ws']).p2p.listen).toEqual([
      '/ip4/0.0.0.0/tcp/4001/ws',
    ])
    expect(parse([], {}, 'localhost').p2p.listen[0]).toBe('/ip4/127.0.0.1/tcp/8701/ws')
    expect(parse([], {}, '::1').p2p.listen[1]).toBe('/ip6/::1/udp/8702/webrtc-direct')
    expect(parse([], {}, 'grid.example.org').p2p.listen[0]).toBe('/ip4/0.0.0.0/tcp/8701/ws')
  })

  test.each([
    [
      ['--p2p-ws-port', '70000'],
      '--p2p-ws-port must be a whole number from 0 to 65535; got "70000".',
    ],
    [
      ['--p2p-listen', 'not-a-multiaddr'],
      '--p2p-listen must be comma-separated multiaddrs such as /ip4/0.0.0.0/tcp/8701/ws; got "not-a-multiaddr".',
    ],
    [
      ['--ice-servers', 'http://x'],
      '--ice-servers must be comma-separated stun:, stuns:, turn: or turns: URLs; got "http://x".',
    ],
    [
      ['--grid-origins', 'https://a.example/path'],
      '--grid-origins must be comma-separated origins such as https://grid.example.org; got "https://a.example/path".',
    ],
    [
      ['--rpc-url', 'ws://node:8546'],
      '--rpc-url must be an http:// or https:// URL; got "ws://node:8546".',
    ],
    [['--lease-ms', '5'], '--lease-ms must be a whole number from 100 to 86400000; got "5".'],
    [
      ['--spot-check-floor', '2%'],
      '--spot-check-floor must be a fraction from 0 to 1, such as 0.02; got "2%".',
    ],
    [
      ['--worker-share-bps', '9500', '--partner-share-bps', '1000'],
      '--partner-share-bps must be at most 500 with a worker share of 9500 bps (together at most 10000); got "1000".',
    ],
  ])('error: %j', (args, message) => {
    const error = errorOf(args)
    expect(error.code).toBe('CONFIG_INVALID_VALUE')
    expect(error.shortMessage).toBe(message)
  })
})
