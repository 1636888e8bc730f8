// Inbound libp2p connection limits (issue 9): the connection gater the gateway installs
// (createConnectionLimits) refuses, counts and logs: past the total, past the open connections
// of one IP address, and past the new connections per second of one IP address. The refused
// dialer's dial fails during the upgrade (before Noise); peers already connected keep working.
import type { MultiaddrConnection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { afterEach, describe, expect, test } from 'vitest'
import type { LimitName } from '../../../src/gateway/limits/LimitName.ts'
import { createConnectionLimits } from '../../../src/gateway/p2p/createConnectionLimits.ts'
import {
  createTestNode,
  type SimulatedWorker,
  startSimulatedWorker,
} from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'
import { readLimitRejections } from './readLimitRejections.ts'

const inbound = (address: string) => ({ remoteAddr: multiaddr(address) }) as MultiaddrConnection

describe('createConnectionLimits', () => {
  test('behavior: total, per-IP open connections and per-IP rate, each refused and reported', () => {
    const open = [
      multiaddr('/ip4/10.0.0.1/tcp/1000'),
      multiaddr('/ip4/10.0.0.1/tcp/1001'),
      multiaddr('/ip4/10.0.0.2/udp/1002/webrtc-direct'),
    ]
    let t = 0
    const refused: [LimitName, string][] = []
    const gater = createConnectionLimits(
      { maxConnections: 4, maxConnectionsPerIp: 2, inboundConnectionsPerHostPerSecond: 2 },
      {
        remoteAddrs: () => open,
        onLimit: (limit, subject) => refused.push([limit, subject]),
        now: () => t,
      },
    )
    const deny = (address: string) => gater.denyInboundConnection?.(inbound(address))
    // 10.0.0.1 already holds two connections.
    expect(deny('/ip4/10.0.0.1/tcp/2000/ws')).toBe(true)
    // 10.0.0.3: two a second, then refused until the bucket refills.
    expect(deny('/ip4/10.0.0.3/tcp/2001/ws')).toBe(false)
    expect(deny('/ip4/10.0.0.3/tcp/2002/ws')).toBe(false)
    expect(deny('/ip4/10.0.0.3/tcp/2003/ws')).toBe(true)
    t += 1000
    expect(deny('/ip4/10.0.0.3/tcp/2004/ws')).toBe(false)
    // Four open in all: everyone is refused, whatever the address.
    open.push(multiaddr('/ip4/10.0.0.4/tcp/1003'))
    expect(deny('/ip4/10.0.0.5/tcp/2005/ws')).toBe(true)
    open.pop()
    // Relayed connections have no IP of their own: only the total applies.
    expect(deny('/ip4/10.0.0.1/tcp/1/p2p-circuit')).toBe(false)
    expect(refused).toEqual([
      ['p2p_connections_per_ip', '10.0.0.1'],
      ['p2p_inbound_rate', '10.0.0.3'],
      ['p2p_connections', '10.0.0.5'],
    ])
  })
})

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('gateway connection limits', () => {
  test('behavior: past --p2p-max-connections-per-ip a dial fails and is counted; connected workers carry on; a slot frees when one leaves', async () => {
    const grid: TestJobNetwork = await startJobNetwork({
      args: ['--p2p-max-connections-per-ip', '2'],
    })
    cleanups.push(() => grid.stop({ remove: true }))
    const workers: SimulatedWorker[] = []
    for (let i = 0; i < 2; i++) {
      const w = await startSimulatedWorker({ gateway: grid.multiaddrs, chainId: TEST_CHAIN_ID })
      cleanups.push(() => w.stop())
      workers.push(w)
    }
    await eventually(() => grid.network.work.activeSessions() === 2, { what: 'two sessions' })
    const third: Libp2p = await createTestNode()
    cleanups.push(async () => third.stop())
    const address = grid.multiaddrs.find((ma) => ma.includes('/ws/')) ?? ''
    const refusal = await third
      .dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    // What the refused dialer sees: its connection ends during the upgrade.
    expect(refusal).toBeInstanceOf(Error)
    console.log(`[limits] a dial past the per-IP limit fails with: ${String(refusal)}`)
    expect(await readLimitRejections(grid.metrics.registry, 'p2p_connections_per_ip')).toBe(1)
    expect(
      grid
        .logs()
        .some((l) => l.msg === 'limit refused a request' && l.limit === 'p2p_connections_per_ip'),
    ).toBe(true)
    // The two admitted workers still complete jobs.
    const ids = await submitJobs(
      grid.network,
      Array.from({ length: 6 }, () => ({})),
    )
    await eventually(
      async () => {
        const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
        return jobs.every((job) => job?.state === 'completed')
      },
      { timeoutMs: 20_000, what: 'the connected workers complete jobs' },
    )
    // One leaves: the address may connect again.
    await workers[0]?.stop()
    await eventually(() => grid.network.node().getConnections().length === 1, {
      what: 'the connection to close',
    })
    const connection = await third.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) })
    expect(connection.status).toBe('open')
  }, 60_000)
})
