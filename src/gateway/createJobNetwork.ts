import type { Database } from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { type ApiKeyStore, createSqliteApiKeyStore } from './api/ApiKeyStore.ts'
import { createRateLimiter } from './api/createRateLimiter.ts'
import { openApiDocument } from './api/openApiDocument.ts'
import { registerApiKeyRoutes } from './api/registerApiKeyRoutes.ts'
import { registerIpRateLimit } from './api/registerIpRateLimit.ts'
import { registerJobRoutes } from './api/registerJobRoutes.ts'
import {
  type NetworkInfo,
  registerNetworkRoutes,
  toNetworkInfo,
} from './api/registerNetworkRoutes.ts'
import { registerNetworkStatsRoute } from './api/registerNetworkStatsRoute.ts'
import { createSiweAuth } from './auth/createSiweAuth.ts'
import { registerAuthRoutes } from './auth/registerAuthRoutes.ts'
import type { JobNetworkConfig } from './config/parseJobNetworkConfig.ts'
import { DEMO_REQUESTER } from './demo/createDemoRequester.ts'
import { registerLedgerRoutes } from './ledger/registerLedgerRoutes.ts'
import { createLimitReporter } from './limits/createLimitReporter.ts'
import { type Logger, namespacedLogger } from './logging/createLogger.ts'
import {
  createJobNetworkMetrics,
  type JobNetworkMetrics,
} from './metrics/createJobNetworkMetrics.ts'
import { createModelMetrics } from './metrics/createModelMetrics.ts'
import { createGatewayNode, type GatewayNode } from './p2p/createGatewayNode.ts'
import { loadOrCreateNodeIdentity } from './p2p/loadOrCreateNodeIdentity.ts'
import type { Startable } from './Startable.ts'
import { createScheduler, type Scheduler } from './scheduler/createScheduler.ts'
import { createSqliteJobStore } from './scheduler/createSqliteJobStore.ts'
import type { JobStore } from './scheduler/JobStore.ts'
import type { ModelCatalog } from './scheduler/ModelCatalog.ts'
import { createSqliteVerificationStore } from './verification/createSqliteVerificationStore.ts'
import { createVerifier, type Verifier } from './verification/createVerifier.ts'
import type { ReferenceRunner } from './verification/ReferenceRunner.ts'
import { createContractSignatureVerifier } from './work/createContractSignatureVerifier.ts'
import { createWorkProtocol, type WorkProtocol } from './work/createWorkProtocol.ts'
import { createSqliteDelegationNonces, type DelegationNonces } from './work/DelegationNonces.ts'

export type JobNetworkComponents = {
  config: JobNetworkConfig
  /** Where the libp2p identity (peer key, WebRTC certificate) is kept: the gateway's data dir. */
  dataDir: string
  /** The gateway's SQLite handle (migrated: the job network's tables exist). */
  sqlite: Database
  catalog: ModelCatalog
  logger: Logger
  /** The gateway's Prometheus registry. */
  registry: Registry
  version: string
  /** Origins delegations may name when the config lists none (known once HTTP listens). */
  defaultOrigins: () => string[]
  /** Enables the operator API-key routes (/v1/operator/api-keys). */
  operatorToken?: string | undefined
  /**
   * Re-runs jobs for spot-checks (onnxruntime-node in a worker thread in main.ts). Without one,
   * single-replica results cannot be checked and are all accepted unchecked (credit held back).
   */
  reference?: ReferenceRunner | undefined
  /** Uniform in [0, 1) for spot-check sampling (tests and the bench pass a seeded one). */
  random?: (() => number) | undefined
  now?: (() => number) | undefined
}

export type JobNetwork = Startable & {
  /** Adds the requester API and /v1/network to the gateway's HTTP server (before it listens). */
  registerRoutes(app: FastifyInstance): void
  networkInfo(): NetworkInfo
  /** Throws before start(). */
  node(): GatewayNode
  readonly scheduler: Scheduler
  readonly store: JobStore
  readonly apiKeys: ApiKeyStore
  readonly nonces: DelegationNonces
  readonly metrics: JobNetworkMetrics
  readonly work: WorkProtocol
  readonly verifier: Verifier
}

export type CreateJobNetworkReturnType = JobNetwork

export const MAX_BATCH_JOBS = 1000
export const MAX_REDUNDANCY = 8

/**
 * The job network as one service (issue 4): the libp2p host, the scheduler over SQLite, the work
 * protocol and the requester API, wired from injected components. Start order: scheduler (so
 * leases a previous run left are requeued first), work protocol handler, then the node starts
 * listening; stop runs the other way, telling workers the gateway is stopping.
 */
export function createJobNetwork(components: JobNetworkComponents): CreateJobNetworkReturnType {
  const { config, sqlite, catalog, registry } = components
  const logger = namespacedLogger(components.logger, 'gateway:network')
  const now = components.now ?? Date.now
  const metrics = createJobNetworkMetrics(registry)
  const limits = createLimitReporter({
    counter: metrics.limitRejections,
    logger: components.logger,
    now,
  })
  const store = createSqliteJobStore(sqlite)
  const apiKeys = createSqliteApiKeyStore(sqlite)
  const nonces = createSqliteDelegationNonces({ db: sqlite })
  let verifier: Verifier | undefined
  const scheduler = createScheduler(
    // Demo jobs only ever fill capacity that real requesters leave idle.
    { leaseMs: config.leaseMs, backgroundRequesters: [DEMO_REQUESTER] },
    {
      store,
      logger: components.logger,
      metrics,
      now,
      onJobCompleted: (jobId) => verifier?.jobCompleted(jobId),
      isSuspended: (identity) => verifier?.isSuspended(identity) ?? false,
    },
  )
  const { verification } = config
  verifier = createVerifier(
    {
      spotCheck: {
        floor: verification.spotCheckFloor,
        probation: verification.spotCheckProbation,
      },
      split: {
        workerBps: verification.workerShareBps,
        partnerBps: verification.partnerShareBps,
      },
      suspendAfterInvalid: verification.suspendAfterInvalid,
      holdbackMs: verification.holdbackMs,
    },
    {
      store: createSqliteVerificationStore(sqlite),
      scheduler,
      catalog,
      reference: components.reference,
      logger: components.logger,
      now,
      random: components.random,
      metrics,
      onSuspended: (identity, reason) => {
        work.suspend(identity, reason).catch((error: unknown) => {
          logger.error(
            { err: error, identity },
            'ending the sessions of a suspended identity failed',
          )
        })
      },
      onCredit: (credit) =>
        work.sendCredit(credit.sessionId, credit.jobId, credit.amount, credit.status),
    },
  )
  const origins = () => config.gridOrigins ?? components.defaultOrigins()
  const siwe = createSiweAuth(
    { origins, chainId: config.chainId, rpcUrl: config.rpcUrl },
    { db: sqlite },
  )
  let gatewayNode: GatewayNode | undefined
  let started = false

  const registrar = {
    handle: (...args: Parameters<GatewayNode['handle']>) => requireNode().handle(...args),
    unhandle: (protocol: string) => requireNode().unhandle(protocol),
  }
  const work = createWorkProtocol(
    {
      heartbeatIntervalMs: config.heartbeatMs,
      peerTimeoutMs: 3 * config.heartbeatMs,
      helloTimeoutMs: Math.max(5_000, config.heartbeatMs),
      maxSlotsPerWorker: config.maxWorkerSlots,
      allowedOrigins: origins,
      chainId: config.chainId,
      limits: {
        frameRate: config.limits.workFrameRate,
        maxSessionsPerWallet: config.limits.maxSessionsPerWallet,
        maxSessionsPerIp: config.limits.maxSessionsPerIp,
        maxResultBytes: config.limits.maxResultBytes,
      },
      verifyContractSignature: config.rpcUrl
        ? createContractSignatureVerifier({ rpcUrl: config.rpcUrl })
        : undefined,
    },
    {
      registrar,
      scheduler,
      store,
      catalog,
      nonces,
      logger: components.logger,
      metrics,
      limits,
      now,
      suspension: (identity) => verifier.suspension(identity),
    },
  )

  createModelMetrics(registry, {
    models: () => catalog.list?.() ?? [],
    workersFor: (modelId) => scheduler.workersFor(modelId),
    workersByBackend: () => work.workersByBackend(),
  })

  function requireNode(): GatewayNode {
    if (!gatewayNode) throw new Error('The job network has not started: await start() first.')
    return gatewayNode
  }

  function networkInfo(): NetworkInfo {
    const node = requireNode()
    return toNetworkInfo({
      peerId: node.peerId.toString(),
      multiaddrs: node.getMultiaddrs().map((ma) => ma.toString()),
      chainId: config.chainId,
      origins: origins(),
    })
  }

  return {
    scheduler,
    store,
    apiKeys,
    nonces,
    metrics,
    work,
    verifier,
    networkInfo,
    node: requireNode,
    isStarted: () => started,

    registerRoutes(app) {
      registerIpRateLimit(
        app,
        {
          ratePerSecond: config.limits.ipRatePerSecond,
          burst: config.limits.ipBurst,
          prefixes: ['/v1/auth/', '/v1/earnings', '/v1/delegations/', '/v1/ledger/'],
        },
        { limiter: createRateLimiter(), limits },
      )
      registerNetworkRoutes(app, { networkInfo, nonces, now })
      registerNetworkStatsRoute(app, { registry, now })
      registerAuthRoutes(app, {
        auth: siwe,
        db: sqlite,
        // The dashboard's origins: https ones get a Secure cookie.
        secureCookie: () => origins().every((origin) => origin.startsWith('https:')),
        now,
      })
      registerApiKeyRoutes(app, { apiKeys, operatorToken: components.operatorToken, now })
      registerLedgerRoutes(app, {
        db: sqlite,
        auth: siwe,
        operatorToken: components.operatorToken,
        catalog,
        now,
      })
      registerJobRoutes(
        app,
        {
          maxBodyBytes: config.apiMaxBodyBytes,
          maxInputBytes: config.limits.maxJobInputBytes,
          maxBatchJobs: MAX_BATCH_JOBS,
          maxWaitSeconds: config.apiMaxWaitSeconds,
          maxRedundancy: MAX_REDUNDANCY,
          defaultMaxAttempts: config.maxAttempts,
          maxAttemptsLimit: 100,
          defaultPrice: verification.defaultPrice,
          maxOpenJobsPerKey: config.limits.maxOpenJobsPerKey,
        },
        { scheduler, catalog, apiKeys, rateLimiter: createRateLimiter(), limits, now },
      )
      const document = openApiDocument({
        version: components.version,
        maxBatchJobs: MAX_BATCH_JOBS,
        maxWaitSeconds: config.apiMaxWaitSeconds,
        maxRedundancy: MAX_REDUNDANCY,
        maxAttempts: 100,
      })
      app.get('/v1/openapi.json', async () => document)
    },

    async start() {
      if (started) return
      const identity = await loadOrCreateNodeIdentity({ dataDir: components.dataDir })
      if (identity.created.length > 0)
        logger.info({ created: identity.created }, 'p2p identity created')
      gatewayNode = await createGatewayNode({
        config: config.p2p,
        privateKey: identity.privateKey,
        certificate: identity.certificate,
        start: false,
        onLimit: (limit, subject) => limits.reject(limit, subject),
      })
      try {
        await scheduler.start()
        await verifier.start()
        await work.start()
        await gatewayNode.start()
      } catch (error) {
        await work.stop().catch(() => undefined)
        await Promise.resolve(gatewayNode.stop()).catch(() => undefined)
        await verifier.stop().catch(() => undefined)
        await scheduler.stop().catch(() => undefined)
        gatewayNode = undefined
        throw error
      }
      started = true
      logger.info(
        {
          peerId: gatewayNode.peerId.toString(),
          multiaddrs: gatewayNode.getMultiaddrs().map((ma) => ma.toString()),
          certificateExpires: new Date(identity.certificateNotAfter).toISOString(),
        },
        'p2p listening',
      )
    },

    async stop() {
      if (!started) return
      started = false
      await work
        .stop()
        .catch((error: unknown) => logger.error({ err: error }, 'work protocol stop failed'))
      await Promise.resolve(gatewayNode?.stop()).catch((error: unknown) =>
        logger.error({ err: error }, 'libp2p stop failed'),
      )
      await verifier.stop()
      await scheduler.stop()
      gatewayNode = undefined
    },
  }
}
