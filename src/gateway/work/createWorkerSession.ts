import { randomUUID } from 'node:crypto'
import type { Connection, Stream } from '@libp2p/interface'
import type { Address } from 'viem'
import { createMessageChannel, type MessageChannel } from '../../p2p/createMessageChannel.ts'
import type { GridDomain } from '../../protocol/eip712/createGridDomain.ts'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import { JobError } from '../../protocol/errors/JobError.ts'
import { serializeError } from '../../protocol/errors/serializeError.ts'
import {
  type AssignMessage,
  type HelloMessage,
  type Message,
  type ModelId,
  PROTOCOL_VERSION,
  type ResultMessage,
} from '../../protocol/messages.ts'
import { WorkSessionError } from '../errors/work.ts'
import type { LimitReporter } from '../limits/createLimitReporter.ts'
import type { Logger } from '../logging/createLogger.ts'
import type { JobNetworkMetrics } from '../metrics/createJobNetworkMetrics.ts'
import type { ModelFit, Scheduler, SchedulerWorker } from '../scheduler/createScheduler.ts'
import type { JobStore } from '../scheduler/JobStore.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import { checkResult } from './checkResult.ts'
import type { DelegationNonces } from './DelegationNonces.ts'
import { type VerifiedHello, type VerifyContractSignature, verifyHello } from './verifyHello.ts'

export type WorkerSessionSettings = {
  helloTimeoutMs: number
  /** A worker may hold at most this many jobs, whatever it advertises. */
  maxSlotsPerWorker: number
  maxMessageBytes: number
  /** Largest total of output bytes in one result; a larger one is refused (RESULT_TOO_LARGE). */
  maxResultBytes: number
  /**
   * Frames over the peer's rate that end the session (WORK_RATE_LIMITED and a disconnect);
   * 0: never.
   */
  refusedFramesBeforeDisconnect: number
  allowedOrigins: () => readonly string[]
  chainId: number
  domain: GridDomain
  maxDelegationLifetimeSeconds?: number | undefined
  verifyContractSignature?: VerifyContractSignature | undefined
}

export type WorkerSessionComponents = {
  scheduler: Scheduler
  store: Pick<JobStore, 'recordSession' | 'endSession'>
  catalog: ModelCatalog
  nonces: DelegationNonces
  logger: Logger
  metrics: JobNetworkMetrics
  now: () => number
  /** Why an identity is suspended (its hello is refused), or undefined. */
  suspension?: ((identity: string) => string | undefined) | undefined
  limits: LimitReporter
  /** Takes one frame from the peer's rate budget; false: over it, the frame is refused. */
  admitFrame(peerId: string): boolean
  /**
   * After the hello verified: a refusal when the wallet or IP address already holds as many
   * sessions as allowed, else undefined (the session is then counted until it closes).
   */
  admitSession(session: WorkerSession): WorkSessionError | undefined
  /** Called once the hello verified (the protocol retires an older session of the peer). */
  onActive(session: WorkerSession): void
  onClosed(session: WorkerSession): void
}

export type WorkerSession = SchedulerWorker & {
  readonly connection: Connection
  /** Milliseconds since the epoch when the last message arrived. */
  lastReceivedAt(): number
  isActive(): boolean
  /** Closing or closed. */
  isEnded(): boolean
  /** The backends its hello offered (wasm, webgpu...); none before the hello. */
  backends(): readonly string[]
  /** Sends a heartbeat (from the protocol's shared timer). */
  heartbeat(seq: number): void
  /** Sends what a result earned once the verifier decided it; false when not active. */
  credit(jobId: string, amount: bigint, status: 'pending' | 'verified' | 'rejected'): boolean
  /**
   * Ends the session. With an error code the worker is told why first. `disconnect` also closes
   * the connection (a peer that broke the protocol); `countsAsFailure` decides whether the jobs it
   * held count as failed attempts.
   */
  close(reason?: CloseReason): Promise<void>
  /** Settles when the read loop has ended and the scheduler has forgotten this worker. */
  readonly done: Promise<void>
}

export type CloseReason = {
  error?: BaseError | undefined
  /** Error code recorded for the session and its leases. */
  code: string
  countsAsFailure: boolean
  disconnect: boolean
}

/** Worker error codes that say the job cannot run on this worker, not that the job is bad. */
const unavailableCodes = new Set(['JOB_MODEL_UNAVAILABLE', 'JOB_BACKEND_UNAVAILABLE'])

/**
 * One worker's work stream, gateway side: the hello (verified before anything else is accepted),
 * then slots, results, errors and heartbeats in; assignments, acks and errors out. A frame that is
 * not a valid message, or a message a worker may not send, gets an `error` back and the peer is
 * disconnected; nothing it sent reaches the scheduler unchecked, and other sessions are unaffected.
 */
export function createWorkerSession(
  stream: Stream,
  connection: Connection,
  settings: WorkerSessionSettings,
  components: WorkerSessionComponents,
): WorkerSession {
  const { scheduler, catalog, metrics, now } = components
  const id = randomUUID()
  const peerId = connection.remotePeer.toString()
  const logger = components.logger.child({ sessionId: id, peerId })
  const channel: MessageChannel = createMessageChannel(stream, {
    maxMessageBytes: settings.maxMessageBytes,
    // A scheduler pass's assignments and a turn's acks leave in one transport write.
    schedule: setImmediate,
  })
  let state: 'hello' | 'active' | 'closing' | 'closed' = 'hello'
  let verified: VerifiedHello | undefined
  let identity = `peer:${peerId}`
  let cached = new Set<string>()
  /** Models each backend failed the self-test for; a model failed on every backend is skipped. */
  let backends: { backend: string; failed: Set<string> }[] = []
  const unavailable = new Set<string>()
  /** Jobs this session answered and had accepted (the newest few thousand): a copy is a replay. */
  const answered = new Set<string>()
  /** Jobs assigned to this session (the newest few thousand): a result for any other is abuse. */
  const assigned = new Set<string>()
  let refusedFrames = 0
  let lastReceived = now()
  let closing: Promise<void> | undefined
  let resolveDone: () => void = () => undefined
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })

  const helloTimer = setTimeout(() => {
    void session.close({
      error: new WorkSessionError(`No hello within ${settings.helloTimeoutMs} ms.`, {
        code: 'WORK_HELLO_TIMEOUT',
      }),
      code: 'WORK_HELLO_TIMEOUT',
      countsAsFailure: false,
      disconnect: true,
    })
  }, settings.helloTimeoutMs)

  function send(message: Message): boolean {
    if (state === 'closed' || state === 'closing') return false
    try {
      channel.send(message).catch((error: unknown) => {
        logger.debug({ err: error }, 'send failed; closing the session')
        void session.close({
          code: 'WORK_WORKER_DISCONNECTED',
          countsAsFailure: true,
          disconnect: false,
        })
      })
      return true
    } catch (error) {
      // Our own message broke the schema: a gateway bug, not the worker's.
      logger.error({ err: error, type: message.type }, 'could not encode a message')
      return false
    }
  }

  function protocolViolation(error: BaseError): Promise<void> {
    metrics.protocolErrors.inc({ code: error.code })
    logger.info({ code: error.code, message: error.shortMessage }, 'protocol violation')
    return session.close({ error, code: error.code, countsAsFailure: true, disconnect: true })
  }

  async function onHello(hello: HelloMessage): Promise<void> {
    clearTimeout(helloTimer)
    try {
      verified = await verifyHello({
        hello,
        allowedOrigins: settings.allowedOrigins(),
        chainId: settings.chainId,
        nonces: components.nonces,
        now: now(),
        maxDelegationLifetimeSeconds: settings.maxDelegationLifetimeSeconds,
        verifyContractSignature: settings.verifyContractSignature,
      })
    } catch (error) {
      const rejected =
        error instanceof BaseError
          ? error
          : new WorkSessionError('The hello could not be verified.', {
              code: 'WORK_HELLO_REQUIRED',
              cause: error,
            })
      logger.info({ code: rejected.code }, 'hello rejected')
      await session.close({
        error: rejected,
        code: rejected.code,
        countsAsFailure: false,
        disconnect: true,
      })
      return
    }
    if (state !== 'hello') return
    identity = verified.wallet ?? `peer:${peerId}`
    const suspended = components.suspension?.(identity)
    if (suspended !== undefined) {
      logger.info({ identity }, 'hello refused: suspended')
      await session.close({
        error: new WorkSessionError(suspended, { code: 'WORK_IDENTITY_SUSPENDED' }),
        code: 'WORK_IDENTITY_SUSPENDED',
        countsAsFailure: false,
        disconnect: true,
      })
      return
    }
    const refusal = components.admitSession(session)
    if (refusal) {
      logger.info({ code: refusal.code }, 'hello refused: session limit')
      await session.close({
        error: refusal,
        code: refusal.code,
        countsAsFailure: false,
        disconnect: true,
      })
      return
    }
    checkSlots(hello.slots)
    cached = new Set(hello.cachedModels.map((model) => model.toLowerCase()))
    backends = hello.backends.map((report) => ({
      backend: report.backend,
      failed: new Set(
        report.selfTests.filter((t) => !t.passed).map((t) => t.modelId.toLowerCase()),
      ),
    }))
    await components.store.recordSession({
      sessionId: id,
      peerId,
      wallet: verified.wallet,
      partner: verified.partner,
      sessionKey: verified.publicKey,
      keyType: verified.keyType,
      delegation: verified.delegationJson,
      clientVersion: hello.clientVersion,
      connectedAt: now(),
    })
    if (state !== 'hello') return
    state = 'active'
    components.onActive(session)
    scheduler.addWorker(session, Math.min(hello.slots, settings.maxSlotsPerWorker))
    logger.info(
      {
        wallet: verified.wallet ?? null,
        slots: hello.slots,
        backends: hello.backends.map((b) => b.backend),
        cachedModels: hello.cachedModels.length,
        clientVersion: hello.clientVersion,
      },
      'worker joined',
    )
  }

  /** A worker may ask for more slots than the cap: it gets the cap, and the ask is counted. */
  function checkSlots(asked: number): void {
    if (asked > settings.maxSlotsPerWorker)
      components.limits.reject('worker_slots', peerId, {
        asked,
        cap: settings.maxSlotsPerWorker,
      })
  }

  /**
   * A frame over the peer's rate: not acted on. A result is answered with a negative ack and its
   * lease given back (the job is requeued at once, not counted as a failed attempt); any other
   * frame is dropped. A peer that keeps on is told WORK_RATE_LIMITED and disconnected.
   */
  async function refuseFrame(message: Message): Promise<void> {
    refusedFrames++
    components.limits.reject('work_frame_rate', peerId, { type: message.type })
    if (message.type === 'result') {
      const lease = scheduler.claimLease(id, message.jobId)
      if (lease) await scheduler.failLease(lease, 'WORK_RATE_LIMITED', false)
      metrics.resultsRejected.inc({ code: 'WORK_RATE_LIMITED' })
      send({
        v: PROTOCOL_VERSION,
        type: 'ack',
        jobId: message.jobId,
        accepted: false,
        code: 'WORK_RATE_LIMITED',
      })
    }
    const limit = settings.refusedFramesBeforeDisconnect
    if (limit > 0 && refusedFrames >= limit) {
      components.limits.reject('work_frame_rate_disconnect', peerId, { refusedFrames })
      await session.close({
        error: new WorkSessionError(
          `This peer sent frames faster than the gateway accepts, ${refusedFrames} times over the limit; it is disconnected.`,
          { code: 'WORK_RATE_LIMITED', details: { refusedFrames } },
        ),
        code: 'WORK_RATE_LIMITED',
        countsAsFailure: false,
        disconnect: true,
      })
    }
  }

  async function onResult(
    result: ResultMessage,
    receivedAt: number,
    receivedHr: number,
  ): Promise<void> {
    const ack = (accepted: boolean, code?: string) =>
      send({
        v: PROTOCOL_VERSION,
        type: 'ack',
        jobId: result.jobId,
        accepted,
        ...(code ? { code } : {}),
      })
    const lease = scheduler.claimLease(id, result.jobId)
    if (!lease || !verified) {
      const code = answered.has(result.jobId) ? 'RESULT_REPLAYED' : 'RESULT_NOT_LEASED'
      // A late answer to an expired lease is honest; a result for a job never sent here is not.
      if (code === 'RESULT_NOT_LEASED' && !assigned.has(result.jobId))
        components.limits.reject('worker_unassigned_result', peerId, { jobId: result.jobId })
      metrics.resultsRejected.inc({ code })
      ack(false, code)
      return
    }
    let outputBytes = 0
    for (const tensor of Object.values(result.outputs)) outputBytes += tensor.data.byteLength
    if (outputBytes > settings.maxResultBytes) {
      components.limits.reject('result_bytes', peerId, {
        jobId: result.jobId,
        bytes: outputBytes,
        max: settings.maxResultBytes,
      })
      metrics.resultsRejected.inc({ code: 'RESULT_TOO_LARGE' })
      // Counted: a model whose outputs never fit fails after its attempts instead of looping.
      await scheduler.failLease(lease, 'RESULT_TOO_LARGE', true)
      ack(false, 'RESULT_TOO_LARGE')
      return
    }
    let outputs: Uint8Array
    try {
      ;({ outputs } = await checkResult({
        lease,
        result,
        catalog,
        session: verified,
        domain: settings.domain,
      }))
    } catch (error) {
      const code = error instanceof BaseError ? error.code : 'INTERNAL'
      if (code === 'INTERNAL') logger.error({ err: error }, 'result check failed')
      else logger.info({ jobId: result.jobId, code }, 'result rejected')
      metrics.resultsRejected.inc({ code })
      // The lease was spent on a result we cannot accept: the job goes back to the queue.
      await scheduler.failLease(lease, code, true)
      ack(false, code)
      return
    }
    let outcome: Awaited<ReturnType<Scheduler['completeResult']>>
    try {
      outcome = await scheduler.completeResult(lease, {
        leaseId: lease.leaseId,
        jobId: lease.jobId,
        worker: { sessionId: id, peerId, identity, wallet: verified.wallet },
        partner: verified.partner,
        sessionKey: verified.publicKey,
        keyType: verified.keyType,
        backend: result.backend,
        outputs,
        outputHash: result.outputHash.toLowerCase() as ResultMessage['outputHash'],
        signature: result.signature,
        inferenceUs: Math.round(result.timings.inferenceMs * 1000),
        totalUs: Math.round(result.timings.totalMs * 1000),
        queueUs:
          result.timings.queueMs === undefined
            ? undefined
            : Math.round(result.timings.queueMs * 1000),
        receivedAt,
      })
    } catch (error) {
      // The store failed: leave the lease to its deadline (the sweep requeues it) and say so.
      logger.error({ err: error, jobId: result.jobId }, 'recording a result failed')
      lease.claimed = false
      metrics.resultsRejected.inc({ code: 'INTERNAL' })
      ack(false, 'INTERNAL')
      return
    }
    if (outcome.accepted) {
      answered.add(result.jobId)
      if (answered.size > 4096) answered.delete(answered.values().next().value ?? '')
      ack(true)
      const overheadMs = receivedHr - lease.assignedAt - result.timings.inferenceMs
      if (lease.assignedAt > 0)
        metrics.workerOverheadSeconds.observe(Math.max(0, overheadMs) / 1000)
    } else {
      metrics.resultsRejected.inc({ code: outcome.code })
      ack(false, outcome.code)
    }
  }

  async function onError(jobId: string | undefined, code: string): Promise<void> {
    if (jobId === undefined) {
      // The worker's code goes to the log only: it is the peer's text, not one of our codes.
      logger.info({ code }, 'worker ended the session with an error')
      await session.close({
        code: 'WORK_WORKER_DISCONNECTED',
        countsAsFailure: true,
        disconnect: false,
      })
      return
    }
    const lease = scheduler.claimLease(id, jobId)
    if (!lease) return
    if (unavailableCodes.has(code)) unavailable.add(lease.modelId.toLowerCase())
    logger.info({ jobId, code }, 'worker could not run a job')
    // A worker that paused or stopped gives the job back; that is not the job's failure.
    await scheduler.failLease(lease, code, code !== 'JOB_CANCELLED')
  }

  function onMessage(message: Message): Promise<void> | undefined {
    if (state === 'hello') {
      if (message.type === 'hello') return onHello(message)
      return protocolViolation(
        new WorkSessionError('The first message must be a hello.', {
          code: 'WORK_HELLO_REQUIRED',
          details: { type: message.type },
        }),
      )
    }
    switch (message.type) {
      case 'heartbeat':
        return undefined
      case 'slots':
        checkSlots(message.free)
        scheduler.setSlots(id, Math.min(message.free, settings.maxSlotsPerWorker))
        return undefined
      case 'result':
        void onResult(message, now(), performance.now()).catch((error: unknown) =>
          logger.error({ err: error }, 'handling a result failed'),
        )
        return undefined
      case 'error':
        void onError(message.jobId, message.error.code).catch((error: unknown) =>
          logger.error({ err: error }, 'handling a worker error failed'),
        )
        return undefined
      default:
        return protocolViolation(
          new WorkSessionError(`A worker may not send ${message.type} messages here.`, {
            code: 'WORK_UNEXPECTED_MESSAGE',
            details: { type: message.type },
          }),
        )
    }
  }

  async function readLoop(): Promise<void> {
    try {
      for (;;) {
        const message = await channel.read()
        if (message === undefined) {
          await session.close({
            code: 'WORK_WORKER_DISCONNECTED',
            countsAsFailure: true,
            disconnect: false,
          })
          return
        }
        lastReceived = now()
        if (state === 'active' && !components.admitFrame(peerId)) {
          await refuseFrame(message)
          if (session.isEnded()) return
          continue
        }
        // The hello is handled before the next frame is read; everything after it is not awaited.
        await onMessage(message)
        if (state === 'closing' || state === 'closed') return
      }
    } catch (error) {
      if (error instanceof BaseError) {
        await protocolViolation(error)
        return
      }
      logger.debug({ err: error }, 'work stream ended')
      await session.close({
        code: 'WORK_WORKER_DISCONNECTED',
        countsAsFailure: true,
        disconnect: false,
      })
    }
  }

  async function finish(reason: CloseReason): Promise<void> {
    state = 'closing'
    clearTimeout(helloTimer)
    if (reason.error) {
      // Say why before closing; a dead or hostile peer gets at most two seconds of our time.
      const told = channel.send(
        { v: PROTOCOL_VERSION, type: 'error', error: serializeError(reason.error) },
        { signal: AbortSignal.timeout(2000) },
      )
      await told.catch(() => undefined)
    }
    const wasActive = verified !== undefined
    state = 'closed'
    try {
      if (reason.disconnect) {
        await connection.close({ signal: AbortSignal.timeout(2000) }).catch((error: unknown) => {
          connection.abort(error instanceof Error ? error : new Error(String(error)))
        })
      } else if (reason.error) {
        await channel.close({ signal: AbortSignal.timeout(2000) }).catch(() => {
          channel.abort(new Error(reason.code))
        })
      } else {
        channel.abort(new Error(reason.code))
      }
    } catch {
      // The stream may already be gone; there is nothing left to release on it.
    }
    metrics.workSessionsClosed.inc({ code: reason.code })
    if (wasActive) {
      await scheduler.removeWorker(id, reason.code, reason.countsAsFailure)
      await components.store.endSession(id, now(), reason.code).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not record the session end')
      })
      logger.info({ code: reason.code }, 'worker left')
    }
    components.onClosed(session)
    resolveDone()
  }

  const session: WorkerSession = {
    id,
    peerId,
    connection,
    done,
    get identity() {
      return identity
    },
    get wallet(): Address | undefined {
      return verified?.wallet
    },

    lastReceivedAt: () => lastReceived,
    isActive: () => state === 'active',
    isEnded: () => state === 'closing' || state === 'closed',
    backends: () => backends.map((b) => b.backend),

    modelFit(modelId: ModelId): ModelFit {
      const model = modelId.toLowerCase()
      if (unavailable.has(model) || backends.length === 0) return 'no'
      if (backends.every((b) => b.failed.has(model))) return 'no'
      if (!catalog.getManifest(modelId)) return 'no'
      return cached.has(model) ? 'cached' : 'ok'
    },

    assign(message: AssignMessage): boolean {
      if (state !== 'active') return false
      assigned.add(message.jobId)
      if (assigned.size > 4096) assigned.delete(assigned.values().next().value ?? '')
      return send(message)
    },

    drop(jobId, code) {
      const error = new JobError(
        code === 'JOB_LEASE_EXPIRED'
          ? 'The lease ran out; the job went to another worker.'
          : 'The job was cancelled.',
        { code },
      )
      send({ v: PROTOCOL_VERSION, type: 'error', jobId, error: serializeError(error) })
    },

    credit(jobId, amount, status) {
      if (state !== 'active') return false
      return send({ v: PROTOCOL_VERSION, type: 'credit', jobId, amount, status })
    },

    heartbeat(seq) {
      if (state === 'active')
        send({ v: PROTOCOL_VERSION, type: 'heartbeat', seq, sentAt: Date.now() })
    },

    close(reason = { code: 'WORK_WORKER_DISCONNECTED', countsAsFailure: true, disconnect: false }) {
      closing ??= finish(reason)
      return closing
    },
  }

  void readLoop()
  return session
}
