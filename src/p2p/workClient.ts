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

/** One job of a batch: its outcome, or why it alone failed (a JobError, as RunJob throws). */
export type JobBatchItemOutcome = { ok: true; outcome: JobOutcome } | { ok: false; error: unknown }

/**
 * Runs several held jobs of one model together (the Engine's runBatch in a browser) and answers
 * one outcome per job, in the order given. `signal` aborts when every job of the batch was
 * dropped (cancelled, lease expired) or the client stops. Throwing fails every job of the batch.
 */
export type RunJobBatch = (
  jobs: readonly AssignMessage[],
  options: { signal: AbortSignal },
) => Promise<JobBatchItemOutcome[]>

/** Decides, per model, how many waiting jobs go to the runner as one batch (see createBatchPolicy). */
export type BatchPolicy = {
  /** Most jobs of this model to run as one batch now; 1 runs them one by one. */
  limit(modelId: ModelId): number
  /** Each completed job's own inference time, whether it ran alone or in a batch. */
  observe(modelId: ModelId, inferenceMs: number): void
}

export type WorkClientBatching = {
  runBatch: RunJobBatch
  policy: BatchPolicy
  /**
   * While another run is in flight, a batch that is not full yet waits for more assignments
   * until none arrived for this long, ms. Default 2 (the gateway sends a burst back to back).
   */
  coalesceMs?: number | undefined
}

export type SessionSigningKey = {
  /** Private key that signs results (WebCrypto; may be non-extractable). */
  privateKey: WebCryptoKey
  /** Raw public key, as the hello and the delegation carry it. */
  publicKey: Hex
  keyType: SessionKeyType
}

export type WorkClientEvent =
  | { type: 'assigned'; job: AssignMessage }
  /** Jobs handed to the runner together: one for runJob, several for a batch. */
  | { type: 'running'; jobIds: string[] }
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
  /**
   * Run waiting jobs of one model as a batch when the policy says so (tiny models, where the
   * per-call overhead is a large share). Each job still gets its own signed result. Without it,
   * every job goes to `runJob` alone.
   */
  batching?: WorkClientBatching | undefined
  /** How often to send a heartbeat. Default 10 s. */
  heartbeatIntervalMs?: number | undefined
  /** Close the session when nothing arrives from the gateway for this long. Default 30 s. */
  peerTimeoutMs?: number | undefined
  onEvent?: ((event: WorkClientEvent) => void) | undefined
  /**
   * Hashes inputs and outputs (the canonical tensor-map sha256); default hashTensorMap. A browser
   * passes one that digests large maps in a Web Worker, off the page's main thread.
   */
  hashTensorMap?: ((map: TensorMap) => Promise<Hex>) | undefined
}

export type WorkClientComponents = {
  /** Opens the work stream to the gateway, e.g. `libp2p.dialProtocol(addrs, WORK_PROTOCOL_ID, o)`. */
  openStream(options: AbortOptions): Promise<Stream>
}

export type WorkClientStats = {
  /** Jobs held now (running or waiting). */
  held: number
  running: number
  /** Runner calls made so far, and how many of them were batches (2+ jobs). */
  runs: number
  batches: number
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
  /** Hashed on arrival, while the job waits and runs, off the result's critical path. */
  inputHash: Promise<Hex>
  receivedAt: number
  controller: AbortController
  running: boolean
}

type Settled = { ok: true; outcome: JobOutcome } | { ok: false; error: unknown }

/**
 * The worker side of the work protocol, used by browser tabs and by Node simulated workers: one
 * long-lived stream to a gateway, a hello, then assignments in and signed results out, with
 * heartbeats both ways. It holds up to `slots` jobs and has up to `maxConcurrentRuns` runner calls
 * in flight; a held job that is not running yet has its inputs already here, which hides transfer
 * time (assignments are read and decoded while runs compute). With `batching`, waiting jobs of a
 * model the policy calls tiny go to the runner as one batch, of at most slots / maxConcurrentRuns
 * jobs so that one batch computes while the next fills.
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
  const hash = init.hashTensorMap ?? hashTensorMap
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
  const stats = { runs: 0, batches: 0, resultsSent: 0, accepted: 0, rejected: 0, failed: 0 }
  const batching = init.batching
  const coalesceMs = batching?.coalesceMs ?? 2
  /** Runner calls in flight (a batch is one). */
  let units = 0
  let lastAssignAt = 0
  let coalesceTimer: ReturnType<typeof setTimeout> | undefined
  let heartbeatSeq = 0
  /** When this side last sent a frame (any frame tells the gateway the worker is alive). */
  let lastSentAt = 0
  /** When the gateway's last heartbeat arrived (its interval is the gap between two). */
  let lastGatewayHeartbeatAt = 0
  let lastReceivedAt = Date.now()
  let timer: ReturnType<typeof setInterval> | undefined
  let resolveClosed: (reason: BaseError | Error | undefined) => void = () => undefined
  const closed = new Promise<BaseError | Error | undefined>((resolve) => {
    resolveClosed = resolve
  })
  let isClosed = false

  const running = () => [...held.values()].filter((h) => h.running).length

  function send(message: Message): void {
    lastSentAt = Date.now()
    channel?.send(message).catch((error: unknown) => close(asError(error)))
  }

  function close(error?: BaseError | Error): void {
    if (isClosed) return
    isClosed = true
    started = false
    if (timer) clearInterval(timer)
    if (coalesceTimer) clearTimeout(coalesceTimer)
    for (const entry of held.values()) entry.controller.abort(error ?? new Error('stopped'))
    held.clear()
    if (error) channel?.abort(error)
    else void channel?.close().catch(() => undefined)
    emit({ type: 'closed', error })
    resolveClosed(error)
  }

  /** How many waiting jobs of this model to hand over at once. */
  function batchLimit(modelId: ModelId): number {
    if (!batching) return 1
    const perRun = Math.max(1, Math.ceil(capacity / maxRuns))
    return Math.max(1, Math.min(Math.floor(batching.policy.limit(modelId)), perRun))
  }

  function schedule(): void {
    if (isClosed) return
    if (coalesceTimer) {
      clearTimeout(coalesceTimer)
      coalesceTimer = undefined
    }
    const waitingFor = new Set<ModelId>()
    for (const entry of held.values()) {
      if (units >= maxRuns) return
      const { modelId } = entry.job
      if (entry.running || waitingFor.has(modelId)) continue
      const limit = batchLimit(modelId)
      const group = [entry]
      if (limit > 1) {
        for (const other of held.values()) {
          if (group.length >= limit) break
          if (other !== entry && !other.running && other.job.modelId === modelId) group.push(other)
        }
        // Nothing to overlap with: start now. Otherwise let a burst of assignments fill the
        // batch; the engine is busy with the run in flight meanwhile.
        const quietMs = performance.now() - lastAssignAt
        if (units > 0 && group.length < limit && quietMs < coalesceMs) {
          waitingFor.add(modelId)
          coalesceTimer ??= setTimeout(() => {
            coalesceTimer = undefined
            schedule()
          }, coalesceMs - quietMs)
          continue
        }
      }
      startRun(group)
    }
  }

  function startRun(group: HeldJob[]): void {
    units++
    stats.runs++
    if (group.length > 1) stats.batches++
    for (const entry of group) entry.running = true
    emit({ type: 'running', jobIds: group.map((entry) => entry.job.jobId) })
    void run(group)
  }

  async function run(group: HeldJob[]): Promise<void> {
    let settled: Settled[]
    const [single] = group
    if (group.length === 1 && single) {
      const { job, controller } = single
      settled = [
        await init.runJob(job, { signal: controller.signal }).then(
          (outcome): Settled => ({ ok: true, outcome }),
          (error: unknown): Settled => ({ ok: false, error }),
        ),
      ]
    } else {
      settled = await runBatch(group)
    }
    // The runner is free: hand it the next jobs before hashing and signing these.
    units--
    schedule()
    await Promise.all(
      group.map((entry, i) =>
        finish(
          entry,
          settled[i] ?? { ok: false, error: new Error('The batch runner skipped a job.') },
        ),
      ),
    )
    schedule()
  }

  async function runBatch(group: HeldJob[]): Promise<Settled[]> {
    if (!batching) throw new Error('unreachable: a batch without a batch runner')
    // The batch stops only when no job in it is still wanted.
    const controller = new AbortController()
    const onAbort = () => {
      if (group.every((entry) => entry.controller.signal.aborted)) controller.abort()
    }
    for (const entry of group) entry.controller.signal.addEventListener('abort', onAbort)
    onAbort()
    try {
      return await batching.runBatch(
        group.map((entry) => entry.job),
        { signal: controller.signal },
      )
    } catch (error) {
      return group.map(() => ({ ok: false, error }))
    } finally {
      for (const entry of group) entry.controller.signal.removeEventListener('abort', onAbort)
    }
  }

  /** Hashes, signs and sends one job's result, or reports why it failed. */
  async function finish(entry: HeldJob, settled: Settled): Promise<void> {
    const { job, controller, receivedAt } = entry
    const { signal } = controller
    try {
      if (!settled.ok) throw settled.error
      const { outcome } = settled
      signal.throwIfAborted()
      batching?.policy.observe(job.modelId, outcome.inferenceMs)
      const totalMs = performance.now() - receivedAt
      const [inputHash, outputHash] = await Promise.all([entry.inputHash, hash(outcome.outputs)])
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
      if (held.get(job.jobId) === entry) held.delete(job.jobId)
      // Dropped by the gateway (lease expired, cancelled) or by stop(): nothing to report.
      if (signal.aborted) return
      const failure = asJobError(error)
      stats.failed++
      send({ v: PROTOCOL_VERSION, type: 'error', jobId: job.jobId, error: serializeError(failure) })
      emit({ type: 'job-failed', jobId: job.jobId, error: failure })
    }
  }

  function onMessage(message: Message): void {
    switch (message.type) {
      case 'assign': {
        if (held.has(message.jobId)) return
        const inputHash = hash(message.inputs)
        // A failure surfaces when the result awaits it; never as an unhandled rejection.
        inputHash.catch(() => undefined)
        held.set(message.jobId, {
          job: message,
          inputHash,
          receivedAt: performance.now(),
          controller: new AbortController(),
          running: false,
        })
        lastAssignAt = performance.now()
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
      case 'heartbeat': {
        // The gateway's interval (--heartbeat-ms) may be shorter than ours: answer its heartbeat
        // when we have been quiet for half of its interval (as last observed), so an idle worker
        // is never timed out for silence whatever the two settings.
        const at = Date.now()
        const gatewayIntervalMs = at - lastGatewayHeartbeatAt
        lastGatewayHeartbeatAt = at
        if (at - lastSentAt >= gatewayIntervalMs / 2)
          send({ v: PROTOCOL_VERSION, type: 'heartbeat', seq: heartbeatSeq++, sentAt: at })
        return
      }
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
