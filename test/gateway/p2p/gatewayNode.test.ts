import '../../../src/p2p/polyfills.node.ts'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseJobNetworkConfig } from '../../../src/gateway/config/parseJobNetworkConfig.ts'
import { createGatewayNode, type GatewayNode } from '../../../src/gateway/p2p/createGatewayNode.ts'
import {
  certhashOf,
  certificateFileName,
  loadOrCreateNodeIdentity,
  peerKeyFileName,
} from '../../../src/gateway/p2p/loadOrCreateNodeIdentity.ts'
import { createTestNode } from '../../fixtures/simulatedWorker.ts'

let dataDir: string
const config = parseJobNetworkConfig({
  args: ['--p2p-ws-port', '0', '--p2p-webrtc-port', '0', '--relay-max-reservations', '7'],
  host: '127.0.0.1',
})

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'grid-identity-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

async function startNode(): Promise<GatewayNode> {
  const identity = await loadOrCreateNodeIdentity({ dataDir })
  return createGatewayNode({ config: config.p2p, ...identity })
}

const certhashOfAddrs = (node: GatewayNode) =>
  node
    .getMultiaddrs()
    .map((ma) => ma.toString())
    .find((ma) => ma.includes('/certhash/'))
    ?.match(/\/certhash\/([^/]+)/)?.[1]

describe('gateway libp2p identity', () => {
  test('default: the peer key and certificate are created once, owner-only, and then reused', async () => {
    const first = await loadOrCreateNodeIdentity({ dataDir })
    expect(first.created).toEqual(['peer-key', 'certificate'])
    const again = await loadOrCreateNodeIdentity({ dataDir })
    expect(again.created).toEqual([])
    expect(again.privateKey.equals(first.privateKey)).toBe(true)
    expect(again.certificate).toEqual(first.certificate)
    for (const file of [peerKeyFileName, certificateFileName]) {
      expect((await stat(path.join(dataDir, 'p2p', file))).mode & 0o077).toBe(0)
    }
    // The certhash is the multihash of the DER certificate, as libp2p computes it.
    const der = Buffer.from(first.certificate.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    expect(first.certificate.certhash).toBe(certhashOf(der))
  })

  test('behavior: a certificate near its expiry is replaced at start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grid-identity-renew-'))
    try {
      const now = Date.now()
      const short = await loadOrCreateNodeIdentity({
        dataDir: dir,
        certificateLifespanMs: 40 * 86_400_000,
      })
      const later = await loadOrCreateNodeIdentity({
        dataDir: dir,
        now: () => now + 20 * 86_400_000,
      })
      expect(later.created).toEqual(['certificate'])
      expect(later.certificate.certhash).not.toBe(short.certificate.certhash)
      expect(later.privateKey.equals(short.privateKey)).toBe(true)
      const stored = JSON.parse(await readFile(path.join(dir, 'p2p', certificateFileName), 'utf8'))
      expect(stored.certificate.certhash).toBe(later.certificate.certhash)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('behavior: peer id and certhash survive a restart, and WebRTC-Direct dials work with them', async () => {
    const first = await startNode()
    const peerId = first.peerId.toString()
    const certhash = certhashOfAddrs(first)
    await first.stop()
    const second = await startNode()
    try {
      expect(second.peerId.toString()).toBe(peerId)
      expect(certhashOfAddrs(second)).toBe(certhash)
      const client = await createTestNode()
      try {
        for (const transport of ['/ws/', '/webrtc-direct/']) {
          const address = second.getMultiaddrs().find((ma) => ma.toString().includes(transport))
          expect(address, transport).toBeDefined()
          const connection = await client.dial(multiaddr(address?.toString() ?? ''), {
            signal: AbortSignal.timeout(10_000),
          })
          expect(connection.remotePeer.toString()).toBe(peerId)
          expect(connection.remoteAddr.toString()).toContain(transport)
          await connection.close()
        }
      } finally {
        await client.stop()
      }
    } finally {
      await second.stop()
    }
  })

  test('default: listens on the configured loopback host, with the relay service and no STUN servers', async () => {
    const node = await startNode()
    try {
      const addrs = node.getMultiaddrs().map((ma) => ma.toString())
      expect(addrs.every((ma) => ma.startsWith('/ip4/127.0.0.1/'))).toBe(true)
      expect(node.services.relay).toBeDefined()
      expect(config.p2p.iceServers).toEqual([])
      expect(config.p2p.relay.maxReservations).toBe(7)
      expect(node.getProtocols()).toContain('/libp2p/circuit/relay/0.2.0/hop')
      expect(node.getProtocols()).toContain('/ipfs/ping/1.0.0')
    } finally {
      await node.stop()
    }
  })
})
