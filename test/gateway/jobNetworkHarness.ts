/**
 * Builds the real job network in-process for tests: a temporary data directory, the gateway's
 * SQLite database with its real migrations, the libp2p host on loopback with OS-chosen ports, the
 * scheduler and work protocol, and (with `http: true`) the whole gateway with the requester API.
 * Models come from the fake catalog (test/fixtures/fakeModelCatalog.ts).
 */
import '../../src/p2p/polyfills.node.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { prepareJob } from '../../src/gateway/api/prepareJob.ts'
import {
  type JobNetworkConfig,
  parseJobNetworkConfig,
} from '../../src/gateway/config/parseJobNetworkConfig.ts'
import { createGateway, type Gateway } from '../../src/gateway/createGateway.ts'
import { createJobNetwork, type JobNetwork } from '../../src/gateway/createJobNetwork.ts'
import { createMetrics, type GatewayMetrics } from '../../src/gateway/metrics/createMetrics.ts'
import type { ModelCatalog } from '../../src/gateway/scheduler/ModelCatalog.ts'
import { openDatabase, type SqliteGatewayDatabase } from '../../src/gateway/storage/openDatabase.ts'
import type { ReferenceRunner } from '../../src/gateway/verification/ReferenceRunner.ts'
import type { TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import { fakeModelCatalog, float32Tensor } from '../fixtures/fakeModelCatalog.ts'
import { memoryLogger } from './memoryLogger.ts'

export const TEST_CHAIN_ID = 31337
export const TEST_ORIGIN = 'http://grid.test'

export type StartJobNetworkOptions = {
  /** Reuse a data directory (a restart); a fresh temporary one by default. */
  dataDir?: string
  /** Overrides on top of test defaults (short leases and heartbeats). */
  config?: Partial<Omit<JobNetworkConfig, 'p2p'>> & { p2p?: Partial<JobNetworkConfig['p2p']> }
  args?: string[]
  catalog?: ModelCatalog
  /** Also start the whole gateway (HTTP API) around it. */
  http?: boolean
  operatorToken?: string
  /** Spot-check re-runs (e.g. fakeReferenceRunner); without one, single results go unchecked. */
  reference?: ReferenceRunner
  /** Spot-check sampling in [0, 1). */
  random?: () => number
}

export type TestJobNetwork = {
  network: JobNetwork
  database: SqliteGatewayDatabase
  dataDir: string
  metrics: GatewayMetrics
  gateway: Gateway | undefined
  /** http://127.0.0.1:<port> when `http` was asked for. */
  baseUrl: string
  multiaddrs: string[]
  logs(): { level: string; msg: string; [key: string]: unknown }[]
  /** Stops everything; keeps the data directory unless `remove`. */
  stop(options?: { remove?: boolean }): Promise<void>
}

export async function startJobNetwork(
  options: StartJobNetworkOptions = {},
): Promise<TestJobNetwork> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'grid-network-')))
  const { logger, lines } = memoryLogger('debug')
  const parsed = parseJobNetworkConfig({
    args: ['--p2p-ws-port', '0', '--p2p-webrtc-port', '0', ...(options.args ?? [])],
    host: '127.0.0.1',
  })
  const config: JobNetworkConfig = {
    ...parsed,
    leaseMs: 5_000,
    heartbeatMs: 1_000,
    gridOrigins: [TEST_ORIGIN],
    chainId: TEST_CHAIN_ID,
    ...options.config,
    p2p: { ...parsed.p2p, inboundConnectionsPerHostPerSecond: 1000, ...options.config?.p2p },
  }
  const database = await openDatabase({ dataDir, logger })
  const metrics = createMetrics({ version: 'test', collectDefaults: false })
  const network = createJobNetwork({
    config,
    dataDir,
    sqlite: database.sqlite,
    catalog: options.catalog ?? fakeModelCatalog(),
    logger,
    registry: metrics.registry,
    version: 'test',
    defaultOrigins: () => [TEST_ORIGIN],
    operatorToken: options.operatorToken,
    reference: options.reference,
    random: options.random,
  })
  let gateway: Gateway | undefined
  let baseUrl = ''
  if (options.http) {
    gateway = createGateway({
      config: {
        host: '127.0.0.1',
        port: 0,
        appDir: path.join(dataDir, 'no-app'),
        publicUrl: undefined,
      },
      logger,
      database,
      metrics,
      version: 'test',
      jobNetwork: network,
    })
    await gateway.start()
    baseUrl = gateway.address().listenUrl.replace(/\/$/, '')
  } else {
    await network.start()
  }
  return {
    network,
    database,
    dataDir,
    metrics,
    gateway,
    baseUrl,
    multiaddrs: network.networkInfo().multiaddrs,
    logs: () => lines(),
    async stop({ remove = false } = {}) {
      if (gateway) await gateway.stop()
      else {
        await network.stop()
        await database.close()
      }
      if (remove) await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls `check` until it returns true (for states reached asynchronously, like a requeue). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

export type TestJobRequest = {
  model?: string
  inputs?: TensorMap
  outputs?: string[]
  priority?: number
  redundancy?: number
  maxAttempts?: number
  requester?: string
  price?: bigint
}

/** Submits jobs straight to the scheduler (the HTTP path has its own tests); returns their ids. */
export async function submitJobs(
  network: JobNetwork,
  requests: readonly TestJobRequest[],
  catalog: ModelCatalog = fakeModelCatalog(),
): Promise<string[]> {
  const jobs = requests.map((request, i) =>
    prepareJob({
      request: {
        model: request.model ?? 'test-sum',
        inputs: request.inputs ?? { x: float32Tensor([1, 4], [i, 1, 2, 3]) },
        outputs: request.outputs,
        priority: request.priority ?? 0,
        redundancy: request.redundancy ?? 1,
        maxAttempts: request.maxAttempts,
        price: request.price,
      },
      requester: request.requester ?? 'requester-a',
      catalog,
      maxInputBytes: 16 * 1024 * 1024,
      defaultMaxAttempts: 3,
      now: Date.now(),
    }),
  )
  const outcome = await network.scheduler.submit(jobs)
  if (!outcome.ok) throw new Error('quota refused the jobs')
  return jobs.map((job) => job.id)
}
