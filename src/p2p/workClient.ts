import type { AbortOptions, Stream } from '@libp2p/interface'
import type { Address, Hex } from 'viem'
import { createGridDomain } from '../protocol/eip712/createGridDomain.ts'
import type { SignedDelegation } from '../protocol/eip712/delegationTypes.ts'
import { resultClaimFromMessage } from '../protocol/eip712/resultClaimFromMessage.ts'
import type { SessionKeyType } from '../protocol/eip712/sessionKeyTypes.ts'
import { signResult } from '../protocol/eip712/signResult.ts'
import { BaseError } from '../protocol/errors/BaseError.ts'
import { deserializeError } from '../protocol/errors/deserializeError.ts'
import { InternalError } from '../protocol/errors/InternalError.ts'
import { JobError } from '../protocol/errors/JobError.ts'
import { serializeError } from '../protocol/errors/serializeError.ts'
import { hashTensorMap } from '../protocol/hash/hashTensorMap.ts'
import { MAX_SLOTS } from '../protocol/limits.ts'
import {
  type AckMessage,
  type AssignMessage,
  type Backend,
  type BackendReport,
  type CreditMessage,
  type Message,
  type ModelId,
  PROTOCOL_VERSION,
} from '../protocol/messages.ts'
import type { TensorMap } from '../protocol/tensor/Tensor.ts'
import type { WebCryptoKey } from '../protocol/utils/WebCryptoKey.ts'
import { createMessageChannel, type MessageChannel } from './createMessageChannel.ts'

/** What running one job produced; the client hashes, signs and sends it. */
export type JobOutcome = {
  outputs: TensorMap
  backend: Backend
  inferenceMs: number
  /** Time the job waited inside the runner (e.g. behind another inference) before it started. */
  queueMs?: number | undefined
}

/**
 * Runs one assigned job: the inference engine in a browser, trivial compute in simulated workers.
 * `signal` aborts when the gateway cancels the job, its lease expires, or the client stops.
 * Throw a JobError (JOB_MODEL_UNAVAILABLE, JOB_BACKEND_UNAVAILABLE, JOB_INVALID_INPUT,
 * JOB_INFERENCE_FAILED) to report why it failed; anything else is reported as JOB_INFERENCE_FAILED.
 */
export type RunJob = (job: AssignMessage, options: { signal: AbortSignal }) => Promise<JobOutcome>

export type SessionSigningKey = {
  /** Private key that signs results (WebCrypto; may be non-extractable). */
  privateKey: WebCryptoKey
  /** Raw public key, as the hello and the delegation carry it. */
  publicKey: Hex
  keyType: SessionKeyType
}

export type WorkClientEvent =
  | { type: 'assigned'; job: AssignMessage }
  | { type: 'result-sent'; jobId: string; totalMs: number }
  | { type: 'job-failed'; jobId: string; error: BaseError }
  | { type: 'job-dropped'; jobId: string; error: BaseError }
  | { type: 'ack'; ack: AckMessage }
  | { type: 'credit'; credit: CreditMessage }
  | { type: 'closed'; error?: BaseError | Error | undefined }

export type WorkClientInit = {
  clientVersion: string
  backends: BackendReport[]
  cachedModels?: ModelId[] | undefined
  /** Jobs held at once (running or waiting to run): 2+ overlaps input transfer with compute. */
  slots: number
  /** Jobs run at once; default `slots`. A browser engine that serializes runs may set 1. */
  maxConcurrentRuns?: number | undefined
  sessionKey: SessionSigningKey
  /** The wallet's delegation to `sessionKey`; absent for anonymous contributors (no credit). */
  delegation?: SignedDelegation | undefined
  partner?: Address | undefined
  /** Chain id of the grid's EIP-712 domain (GET /v1/network says which). */
  chainId: number
  runJob: RunJob
  /** How often to send a heartbeat. Default 10 s. */
  heartbeatIntervalMs?: number | undefined
  /** Close the session when nothing arrives from the gateway for this long. Default 30 s. */
  peerTimeoutMs?: number | undefined
  onEvent?: ((event: WorkClientEvent) => void) | undefined
}

export type WorkClientComponents = {
  /** Opens the work stream to the gateway, e.g. `libp2p.dialProtocol(addrs, WORK_PROTOCOL_ID, o)`. */
  openStream(options: AbortOptions): Promise<Stream>
}

export type WorkClientStats = {
  /** Jobs held now (running or waiting). */
  held: number
  running: number
  resultsSent: number
  accepted: number
  rejected: number
  failed: number
}

export type WorkClient = {
  /** Opens the stream and says hello. Resolves once the hello is sent. */
  start(options?: AbortOptions): Promise<void>
  /** Drops held jobs (the gateway requeues them) and closes the stream. */
  stop(): Promise<void>
  isStarted(): boolean
  /** Changes how many jobs this worker holds at once (0 pauses); tells the gateway. */
  setSlots(slots: number): void
  stats(): WorkClientStats
  /** Settles when the session ends, with the reason when it did not end by stop(). */
  readonly closed: Promise<BaseError | Error | undefined>
}

export type CreateWorkClientReturnType = WorkClient

type HeldJob = {
  job: AssignMessage
  receivedAt: number
  controller: AbortController
  running: boolean
}

/**
 * The worker side of the work protocol, used by browser tabs and by Node simulated workers: one
 * long-lived stream to a gateway, a hello, then assignments in and signed results out, with
 * heartbeats both ways. It holds up to `slots` jobs and runs up to `maxConcurrentRuns` of them;
 * a held job that is not running yet has its inputs already here, which hides transfer time.
 *
 * Reconnecting is the caller's business (the browser node retries with backoff): a client
 * instance serves one session, and `closed` says when and why it ended.
 */
export function createWorkClient(
  init: WorkClientInit,
  components: WorkClientComponents,
): CreateWorkClientReturnType {
  const heartbeatIntervalMs = init.heartbeatIntervalMs ?? 10_000
  const peerTimeoutMs = init.peerTimeoutMs ?? 30_000
  const domain = createGridDomain({ chainId: init.chainId })
  const emit = (event: WorkClientEvent) => {
    try {
      init.onEvent?.(event)
    } catch {
      // A listener's bug must not break the session.
    }
  }

  let channel: MessageChannel | undefined
  let started = false
  let stopping = false
  let capacity = clampSlots(init.slots)
  let maxRuns = Math.max(1, init.maxConcurrentRuns ?? capacity)
  const held = new Map<string, HeldJob>()
  const stats = { resultsSent: 0, accepted: 0, rejected: 0, failed: 0 }
  let heartbeatSeq = 0
  let lastReceivedAt = Date.now()
  let timer: ReturnType<typeof setInterval> | undefined
  let resolveClosed: (reason: BaseError | Error | undefined) => void = () => undefined
  const closed = new Promise<BaseError | Error | undefined>((resolve) => {
    resolveClosed = resolve
  })
  let isClosed = false

  const running = () => [...held.values()].filter((h) => h.running).length

  function send(message: Message): void {
    channel?.send(message).catch((error: unknown) => close(asError(error)))
  }

  function close(error?: BaseError | Error): void {
    if (isClosed) return
    isClosed = true
    started = false
    if (timer) clearInterval(timer)
    for (const entry of held.values()) entry.controller.abort(error ?? new Error('stopped'))
    held.clear()
    if (error) channel?.abort(error)
    else void channel?.close().catch(() => undefined)
    emit({ type: 'closed', error })
    resolveClosed(error)
  }

  function schedule(): void {
    if (isClosed) return
    let free = maxRuns - running()
    for (const entry of held.values()) {
      if (free <= 0) break
      if (entry.running) continue
      entry.running = true
      free--
      void runHeld(entry)
    }
  }

  async function runHeld(entry: HeldJob): Promise<void> {
    const { job, controller, receivedAt } = entry
    const { signal } = controller
    try {
      const outcome = await init.runJob(job, { signal })
      signal.throwIfAborted()
      const totalMs = performance.now() - receivedAt
      const [inputHash, outputHash] = await Promise.all([
        hashTensorMap(job.inputs),
        hashTensorMap(outcome.outputs),
      ])
      const timings = {
        inferenceMs: clampMs(outcome.inferenceMs),
        totalMs: clampMs(totalMs),
        ...(outcome.queueMs === undefined ? {} : { queueMs: clampMs(outcome.queueMs) }),
      }
      const claim = resultClaimFromMessage(
        { jobId: job.jobId, inputHash, outputHash, backend: outcome.backend, timings },
        { modelId: job.modelId, sessionKey: init.sessionKey.publicKey },
      )
      const signature = await signResult(
        init.sessionKey.privateKey,
        init.sessionKey.keyType,
        claim,
        domain,
      )
      signal.throwIfAborted()
      held.delete(job.jobId)
      send({
        v: PROTOCOL_VERSION,
        type: 'result',
        jobId: job.jobId,
        outputs: outcome.outputs,
        inputHash,
        outputHash,
        backend: outcome.backend,
        timings,
        signature,
      })
      stats.resultsSent++
      emit({ type: 'result-sent', jobId: job.jobId, totalMs })
    } catch (error) {
      held.delete(job.jobId)
      // Dropped by the gateway (lease expired, cancelled) or by stop(): nothing to report.
      if (signal.aborted) return
      const failure = asJobError(error)
      stats.failed++
      send({ v: PROTOCOL_VERSION, type: 'error', jobId: job.jobId, error: serializeError(failure) })
      emit({ type: 'job-failed', jobId: job.jobId, error: failure })
    } finally {
      schedule()
    }
  }

  function onMessage(message: Message): void {
    switch (message.type) {
      case 'assign': {
        if (held.has(message.jobId)) return
        held.set(message.jobId, {
          job: message,
          receivedAt: performance.now(),
          controller: new AbortController(),
          running: false,
        })
        emit({ type: 'assigned', job: message })
        schedule()
        return
      }
      case 'ack':
        if (message.accepted) stats.accepted++
        else stats.rejected++
        emit({ type: 'ack', ack: message })
        return
      case 'credit':
        emit({ type: 'credit', credit: message })
        return
      case 'error': {
        const error = deserializeError(message.error)
        if (message.jobId === undefined) {
          // The gateway ends the session; it closes the stream right after this.
          close(error)
          return
        }
        const entry = held.get(message.jobId)
        if (!entry) return
        held.delete(message.jobId)
        entry.controller.abort(error)
        emit({ type: 'job-dropped', jobId: message.jobId, error })
        schedule()
        return
      }
      case 'heartbeat':
        return
      default:
        close(
          new InternalError(
            `The gateway sent a ${message.type} message, which only workers send.`,
            {
              code: 'INTERNAL',
            },
          ),
        )
    }
  }

  async function readLoop(active: MessageChannel): Promise<void> {
    try {
      for (;;) {
        const message = await active.read()
        if (message === undefined) {
          close(stopping ? undefined : new Error('The gateway closed the work stream.'))
          return
        }
        lastReceivedAt = Date.now()
        onMessage(message)
        if (isClosed) return
      }
    } catch (error) {
      close(stopping ? undefined : asError(error))
    }
  }

  function tick(): void {
    if (Date.now() - lastReceivedAt > peerTimeoutMs) {
      close(new Error(`Nothing arrived from the gateway for ${peerTimeoutMs} ms.`))
      return
    }
    send({ v: PROTOCOL_VERSION, type: 'heartbeat', seq: heartbeatSeq++, sentAt: Date.now() })
  }

  return {
    closed,

    isStarted: () => started,

    async start(options = {}) {
      if (started || isClosed) throw new Error('A work client serves one session: create another.')
      const stream = await components.openStream(options)
      channel = createMessageChannel(stream)
      started = true
      lastReceivedAt = Date.now()
      void readLoop(channel)
      await channel.send(
        {
          v: PROTOCOL_VERSION,
          type: 'hello',
          clientVersion: init.clientVersion,
          backends: init.backends,
          cachedModels: init.cachedModels ?? [],
          slots: capacity,
          sessionKey: { publicKey: init.sessionKey.publicKey, keyType: init.sessionKey.keyType },
          ...(init.delegation ? { delegation: init.delegation } : {}),
          ...(init.partner ? { partner: init.partner } : {}),
        },
        options,
      )
      timer = setInterval(tick, heartbeatIntervalMs)
    },

    async stop() {
      if (isClosed) return
      stopping = true
      close()
      await closed
    },

    setSlots(slots) {
      capacity = clampSlots(slots)
      maxRuns = Math.max(1, init.maxConcurrentRuns ?? capacity)
      if (!started) return
      // Absolute (see SlotsMessage): the gateway subtracts the jobs it has leased to us.
      send({ v: PROTOCOL_VERSION, type: 'slots', free: capacity })
      schedule()
    },

    stats: () => ({ held: held.size, running: running(), ...stats }),
  }
}

function clampSlots(slots: number): number {
  return Math.max(0, Math.min(MAX_SLOTS, Math.floor(slots)))
}

/** Timings are signed as whole microseconds, within the protocol's one-day bound. */
function clampMs(ms: number): number {
  return Math.min(Math.max(0, Number.isFinite(ms) ? ms : 0), 86_400_000)
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function asJobError(error: unknown): BaseError {
  if (error instanceof BaseError && error.code.startsWith('JOB_')) return error
  return new JobError('The model run failed on this worker.', {
    code: 'JOB_INFERENCE_FAILED',
    cause: error,
    details: { reason: error instanceof Error ? error.message.slice(0, 512) : 'unknown' },
  })
}
