import type { Connection, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { createGridDomain } from '../../protocol/eip712/createGridDomain.ts'
import { MAX_MESSAGE_BYTES } from '../../protocol/limits.ts'
import { WORK_PROTOCOL_ID } from '../../protocol/workProtocolId.ts'
import { createRateLimiter } from '../api/createRateLimiter.ts'
import { WorkSessionError } from '../errors/work.ts'
import type { LimitReporter } from '../limits/createLimitReporter.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { JobNetworkMetrics } from '../metrics/createJobNetworkMetrics.ts'
import { ipOf } from '../p2p/createConnectionLimits.ts'
import type { Startable } from '../Startable.ts'
import type { Scheduler } from '../scheduler/createScheduler.ts'
import type { JobStore } from '../scheduler/JobStore.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import { createWorkerSession, type WorkerSession } from './createWorkerSession.ts'
import type { DelegationNonces } from './DelegationNonces.ts'
import type { VerifyContractSignature } from './verifyHello.ts'

export type WorkProtocolInit = {
  /** How often the gateway sends each worker a heartbeat. */
  heartbeatIntervalMs: number
  /** A worker that sends nothing for this long is disconnected and its jobs requeued. */
  peerTimeoutMs: number
  /** A stream that sends no hello within this long is closed. */
  helloTimeoutMs: number
  maxSlotsPerWorker: number
  /** Largest frame, either way. Default MAX_MESSAGE_BYTES (32 MiB). */
  maxMessageBytes?: number | undefined
  /** Origins a delegation may name (read at each hello: the listening URL is known late). */
  allowedOrigins: () => readonly string[]
  chainId: number
  maxDelegationLifetimeSeconds?: number | undefined
  /** Smart-contract wallet checks (ERC-1271/6492), when the gateway has a chain RPC. */
  verifyContractSignature?: VerifyContractSignature | undefined
  /** Abuse limits (issue 9); each absent or 0 is no limit. */
  limits?: WorkLimits | undefined
}

export type WorkLimits = {
  /**
   * Frames per second one peer may send after its hello (bursts of twice that). Frames over it
   * are refused; as many refusals as this number end the session (WORK_RATE_LIMITED).
   */
  frameRate?: number | undefined
  maxSessionsPerWallet?: number | undefined
  maxSessionsPerIp?: number | undefined
  /** Output bytes of one result. Default: the frame limit (no separate limit). */
  maxResultBytes?: number | undefined
}

/** The part of a libp2p node the protocol needs: registering its stream handler. */
export type ProtocolRegistrar = {
  handle(
    protocol: string,
    handler: (stream: Stream, connection: Connection) => void | Promise<void>,
    options?: StreamHandlerOptions,
  ): Promise<void>
  unhandle(protocol: string): Promise<void>
}

export type WorkProtocolComponents = {
  registrar: ProtocolRegistrar
  scheduler: Scheduler
  store: Pick<JobStore, 'recordSession' | 'endSession'>
  catalog: ModelCatalog
  nonces: DelegationNonces
  logger: Logger
  metrics: JobNetworkMetrics
  /** Counts and logs refusals by the abuse limits. */
  limits: LimitReporter
  now?: (() => number) | undefined
  /** Why an identity (wallet or `peer:<id>`) is suspended; its hello is then refused. */
  suspension?: ((identity: string) => string | undefined) | undefined
}

export type WorkProtocol = Startable & {
  /** Sessions that said a verified hello. */
  activeSessions(): number
  /** Active workers by backend offered (a worker offering two counts under both). */
  workersByBackend(): Map<string, number>
  /**
   * Tells a worker what one of its results earned (a `credit` message), if the session that
   * delivered it is still connected; false otherwise (the ledger has it either way).
   */
  /**
   * Ends every session of a suspended identity now, telling it why (WORK_IDENTITY_SUSPENDED):
   * the jobs it holds go back to the queue without counting as failures.
   */
  suspend(identity: string, reason: string): Promise<void>
  sendCredit(
    sessionId: string,
    jobId: string,
    amount: bigint,
    status: 'pending' | 'verified' | 'rejected',
  ): boolean
}

export type CreateWorkProtocolReturnType = WorkProtocol

/**
 * The gateway end of the work protocol (`/inference-grid/work/1.0.0`): one session per inbound
 * stream (createWorkerSession), at most one active session per peer (a newer stream from the
 * same peer replaces the older), and one timer that sends heartbeats and disconnects workers
 * that went silent. Only direct connections: a relayed (limited) connection cannot carry jobs.
 */
export function createWorkProtocol(
  init: WorkProtocolInit,
  components: WorkProtocolComponents,
): CreateWorkProtocolReturnType {
  const logger = namespacedLogger(components.logger, 'gateway:work')
  const now = components.now ?? Date.now
  const sessions = new Set<WorkerSession>()
  const activeByPeer = new Map<string, WorkerSession>()
  const domain = createGridDomain({ chainId: init.chainId })
  let started = false
  let timer: ReturnType<typeof setInterval> | undefined
  let heartbeatSeq = 0
  const limits = init.limits ?? {}
  const frameRate = limits.frameRate ?? 0
  const frameLimiter = createRateLimiter()
  const frameBudget = { ratePerSecond: frameRate, burst: 2 * frameRate }
  /** Sessions admitted past their hello (active, or about to be): what the session limits count. */
  const admitted = new Set<WorkerSession>()

  function admitSession(candidate: WorkerSession): WorkSessionError | undefined {
    const ip = ipOf(candidate.connection.remoteAddr)
    const wallet = candidate.wallet?.toLowerCase()
    let sameWallet = 0
    let sameIp = 0
    for (const other of admitted) {
      // A newer stream of the same peer replaces the older one: it does not count against it.
      if (other.peerId === candidate.peerId) continue
      if (wallet !== undefined && other.wallet?.toLowerCase() === wallet) sameWallet++
      if (ip !== undefined && ipOf(other.connection.remoteAddr) === ip) sameIp++
    }
    const perWallet = limits.maxSessionsPerWallet ?? 0
    if (wallet !== undefined && perWallet > 0 && sameWallet >= perWallet) {
      components.limits.reject('sessions_per_wallet', wallet, { peerId: candidate.peerId })
      return new WorkSessionError(
        `This wallet already has ${sameWallet} work sessions open, the most this gateway allows; close another tab or worker first.`,
        { code: 'WORK_SESSION_LIMIT', details: { limit: perWallet, scope: 'wallet' } },
      )
    }
    const perIp = limits.maxSessionsPerIp ?? 0
    if (ip !== undefined && perIp > 0 && sameIp >= perIp) {
      components.limits.reject('sessions_per_ip', ip, { peerId: candidate.peerId })
      return new WorkSessionError(
        `This IP address already has ${sameIp} work sessions open, the most this gateway allows; close another tab or worker first.`,
        { code: 'WORK_SESSION_LIMIT', details: { limit: perIp, scope: 'ip' } },
      )
    }
    admitted.add(candidate)
    return undefined
  }

  const settings = {
    helloTimeoutMs: init.helloTimeoutMs,
    maxSlotsPerWorker: init.maxSlotsPerWorker,
    maxMessageBytes: init.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    maxResultBytes: limits.maxResultBytes ?? init.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    refusedFramesBeforeDisconnect: frameRate,
    allowedOrigins: init.allowedOrigins,
    chainId: init.chainId,
    domain,
    maxDelegationLifetimeSeconds: init.maxDelegationLifetimeSeconds,
    verifyContractSignature: init.verifyContractSignature,
  }

  function handler(stream: Stream, connection: Connection): void {
    if (!started) {
      stream.abort(new Error('The gateway is stopping.'))
      return
    }
    const session = createWorkerSession(stream, connection, settings, {
      scheduler: components.scheduler,
      store: components.store,
      catalog: components.catalog,
      nonces: components.nonces,
      logger,
      metrics: components.metrics,
      limits: components.limits,
      now,
      suspension: components.suspension,
      admitFrame: (peerId) => frameRate <= 0 || frameLimiter.take(peerId, frameBudget) === 0,
      admitSession,
      onActive(active) {
        const previous = activeByPeer.get(active.peerId)
        activeByPeer.set(active.peerId, active)
        if (previous && previous !== active) {
          void previous.close({
            error: new WorkSessionError('A newer work stream from this peer replaced this one.', {
              code: 'WORK_SESSION_REPLACED',
            }),
            code: 'WORK_SESSION_REPLACED',
            countsAsFailure: false,
            disconnect: false,
          })
        }
      },
      onClosed(closed) {
        sessions.delete(closed)
        admitted.delete(closed)
        if (activeByPeer.get(closed.peerId) === closed) activeByPeer.delete(closed.peerId)
      },
    })
    sessions.add(session)
  }

  function tick(): void {
    const at = now()
    const seq = heartbeatSeq++
    for (const session of sessions) {
      if (!session.isActive()) continue
      if (at - session.lastReceivedAt() > init.peerTimeoutMs) {
        logger.info({ peerId: session.peerId, sessionId: session.id }, 'worker went silent')
        void session.close({
          error: new WorkSessionError(`Nothing arrived for ${init.peerTimeoutMs} ms.`, {
            code: 'WORK_PEER_TIMEOUT',
          }),
          code: 'WORK_PEER_TIMEOUT',
          countsAsFailure: true,
          disconnect: true,
        })
        continue
      }
      session.heartbeat(seq)
    }
  }

  return {
    isStarted: () => started,
    activeSessions: () => activeByPeer.size,
    workersByBackend() {
      const counts = new Map<string, number>()
      for (const session of activeByPeer.values()) {
        if (!session.isActive()) continue
        for (const backend of new Set(session.backends()))
          counts.set(backend, (counts.get(backend) ?? 0) + 1)
      }
      return counts
    },
    async suspend(identity, reason) {
      const sessions = [...activeByPeer.values()].filter((s) => s.identity === identity)
      await Promise.all(
        sessions.map((session) =>
          session.close({
            error: new WorkSessionError(reason, { code: 'WORK_IDENTITY_SUSPENDED' }),
            code: 'WORK_IDENTITY_SUSPENDED',
            countsAsFailure: false,
            disconnect: true,
          }),
        ),
      )
    },

    sendCredit(sessionId, jobId, amount, status) {
      for (const session of activeByPeer.values())
        if (session.id === sessionId) return session.credit(jobId, amount, status)
      return false
    },

    async start() {
      if (started) return
      await components.registrar.handle(WORK_PROTOCOL_ID, handler, {
        // A worker keeps one stream; a second is allowed so a reconnect can replace a stale one.
        maxInboundStreams: 2,
      })
      started = true
      timer = setInterval(
        tick,
        Math.max(10, Math.min(init.heartbeatIntervalMs, init.peerTimeoutMs / 3)),
      )
      logger.info(
        { protocol: WORK_PROTOCOL_ID, heartbeatIntervalMs: init.heartbeatIntervalMs },
        'work protocol ready',
      )
    },

    async stop() {
      if (!started) return
      started = false
      if (timer) clearInterval(timer)
      await components.registrar.unhandle(WORK_PROTOCOL_ID).catch(() => undefined)
      await Promise.all(
        [...sessions].map((session) =>
          session.close({
            error: new WorkSessionError('The gateway is shutting down.', {
              code: 'WORK_GATEWAY_STOPPING',
            }),
            code: 'WORK_GATEWAY_STOPPING',
            countsAsFailure: false,
            disconnect: false,
          }),
        ),
      )
    },
  }
}
