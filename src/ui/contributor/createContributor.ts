import type { Address } from 'viem'
import { createBatchPolicy } from '../../p2p/createBatchPolicy.ts'
import {
  createGridWorker,
  type GridWorker,
  type GridWorkerStatus,
} from '../../p2p/createGridWorker.ts'
import type { SessionSigningKey } from '../../p2p/workClient.ts'
import type { SignedDelegation } from '../../protocol/eip712/delegationTypes.ts'
import { generateSessionKey } from '../../protocol/eip712/generateSessionKey.ts'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import { EngineError } from '../../protocol/errors/EngineError.ts'
import { ModelError } from '../../protocol/errors/ModelError.ts'
import { hashTensorMap } from '../../protocol/hash/hashTensorMap.ts'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import { isModelId } from '../../protocol/models/isModelId.ts'
import type {
  BackendSelfTest,
  Engine,
  EngineInfo,
  EngineStatus,
  LoadedModel,
  WorkerHasher,
} from '../../worker/index.ts'
import { createEngineJobRunner } from './createEngineJobRunner.ts'

/** One model this tab offers to serve, its download and how its self-test went. */
export type ContributorModel = {
  id: ModelId
  name: string
  /** Bytes of the model file (from the gateway's list, then its manifest). */
  size: number | undefined
  /**
   * 'waiting': not reached yet (models load one after another); 'download': bytes arriving;
   * 'self-test': sessions created and the known answer checked on each backend.
   */
  state: 'waiting' | 'download' | 'self-test' | 'ready' | 'failed'
  /** Download progress; `cached` when the bytes came from this browser's cache. */
  download: { loadedBytes: number; totalBytes: number; cached: boolean } | undefined
  /** The backend jobs for this model run on (the first that passed its known-answer test). */
  backend: Backend | undefined
  /** The known-answer test on each backend tried, in order. */
  selfTests: BackendSelfTest[]
  /** Why the model is not served, in words a person can act on. */
  error: string | undefined
  /** The error's code (e.g. MODEL_DOWNLOAD_CAP_EXCEEDED), when it had one. */
  errorCode: string | undefined
}

/** Why this tab takes no new jobs now (several may hold at once). */
export type PauseReason = 'hidden' | 'battery'

/** The engine's compute, as its status events last reported it. */
export type ContributorCompute = {
  /** Time spent in model runs since Start, ms (the engine's own count). */
  computeMs: number
  /** performance.now() when that figure was read. */
  at: number
  dutyCycle: number
  engineState: EngineStatus['state']
}

export type ContributorStatus = {
  /** 'starting': engine and models loading; 'running': the grid worker is up (see `network`). */
  state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'
  models: ContributorModel[]
  network: GridWorkerStatus | undefined
  error: string | undefined
  /** What the engine found and chose (backends and why, threads), once it started. */
  engine: EngineInfo | undefined
  compute: ContributorCompute | undefined
  /** Reasons the tab is paused now; empty while it takes jobs. */
  pausedBy: PauseReason[]
  /** Duty cycle asked for (0 < d <= 1). */
  dutyCycle: number
}

export type CreateContributorParameters = {
  /** The gateway's origin; the page's by default. */
  baseUrl?: string | undefined
  /**
   * Let libp2p dial loopback/private/ws:// addresses: only for a gateway on this machine. The app
   * sets it when the page itself came from localhost (see createBrowserNode).
   */
  allowInsecureLocal?: boolean | undefined
  /** Serve only these models (names); default every model the gateway lists. */
  modelNames?: readonly string[] | undefined
  /**
   * Jobs held at once. Default: 16 when a served model runs in under `batchThresholdMs` (so
   * there are jobs to batch), else 4.
   */
  slots?: number | undefined
  /** The partner whose widget brought this tab (the /embed page sets it): credited a share. */
  partner?: Address | undefined
  /** Cap on model bytes this tab downloads and caches (ModelStore); default none. */
  maxDownloadBytes?: number | undefined
  /**
   * The wallet-delegated session key (src/wallet/getDelegatedSession) that signs results; without
   * one the tab makes a throwaway key and works anonymously, earning nothing for itself.
   */
  session?: { sessionKey: SessionSigningKey; delegation: SignedDelegation } | undefined
  /** Models whose runs take less than this (ms) run in batches of up to 16; default 5, 0 never. */
  batchThresholdMs?: number | undefined
  /** Compute at most this fraction of wall time (0 < d <= 1); default 1. setDutyCycle changes it. */
  dutyCycle?: number | undefined
}

export type Contributor = {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * The engine computes at most this fraction of wall time (it idles after each run, or batch,
   * in proportion to its run time). Applies at once while running.
   */
  setDutyCycle(fraction: number): void
  /**
   * Pauses for a reason, or lifts it. While any reason holds, the tab tells the gateway it holds
   * 0 jobs: nothing new is assigned, held jobs finish and send their results (nothing is lost).
   */
  setPaused(reason: PauseReason, paused: boolean): void
  status(): ContributorStatus
  /** Called with each new status; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
  /** The grid worker once running (tests read its libp2p node). */
  gridWorker(): GridWorker | undefined
}

export type CreateContributorReturnType = Contributor

const CLIENT_VERSION = 'inference-grid-web/0.1.0'
/** Held jobs when no model is tiny, and when one is (the gateway caps it: --max-worker-slots). */
const DEFAULT_SLOTS = 4
const BATCHING_SLOTS = 16
/** Models whose self-test run took less than this get a warm measurement at start, ms. */
const WARM_MEASURE_BELOW_MS = 50

/**
 * The contributor tab's worker: joins the Engine (onnxruntime-web in a Web Worker, loaded only
 * here, lazily, so nothing heavy loads before the contributor presses Start) and the grid worker
 * (libp2p + work protocol). Start makes a WebCrypto session key (non-extractable; anonymous until
 * the wallet delegates to it), self-tests every model the gateway serves, says hello with the
 * backends that passed, and runs each assignment through the Engine: alone, or, for models whose
 * runs take a few milliseconds, in batches of waiting jobs (Engine.runBatch), each job still
 * signed and reported on its own.
 */
export function createContributor(
  parameters: CreateContributorParameters = {},
): CreateContributorReturnType {
  const baseUrl = parameters.baseUrl ?? globalThis.location.origin
  const listeners = new Set<() => void>()
  let status: ContributorStatus = {
    state: 'idle',
    models: [],
    network: undefined,
    error: undefined,
    engine: undefined,
    compute: undefined,
    pausedBy: [],
    dutyCycle: parameters.dutyCycle ?? 1,
  }
  const update = (patch: Partial<ContributorStatus>) => {
    status = { ...status, ...patch }
    for (const listener of listeners) listener()
  }
  const setModel = (id: ModelId, patch: Partial<ContributorModel>) =>
    update({ models: status.models.map((m) => (m.id === id ? { ...m, ...patch } : m)) })

  let engine: Engine | undefined
  let worker: GridWorker | undefined
  let hasher: WorkerHasher = { hashTensorMap, dispose: () => undefined }
  const loaded = new Map<ModelId, LoadedModel>()
  /** Warm run time of each served model, ms (what the batching policy starts from). */
  const warmRunMs = new Map<ModelId, number>()
  const stopping = new AbortController()
  const pausedBy = new Set<PauseReason>()
  /** Jobs held when not paused (decided at start). */
  let baseSlots = DEFAULT_SLOTS
  const slotsNow = () => (pausedBy.size > 0 ? 0 : baseSlots)

  async function start(): Promise<void> {
    const signal = stopping.signal
    update({ state: 'starting', error: undefined })
    const [workerModule, sessionKey, summaries] = await Promise.all([
      import('../../worker/index.ts'),
      parameters.session?.sessionKey ?? anonymousSessionKey(),
      listModels(baseUrl, signal),
    ])
    const wanted = summaries.filter(
      (m) => !parameters.modelNames || parameters.modelNames.includes(m.name),
    )
    update({
      models: wanted.map((m) => ({
        id: m.id,
        name: m.name,
        size: m.size,
        state: 'waiting',
        download: undefined,
        backend: undefined,
        selfTests: [],
        error: undefined,
        errorCode: undefined,
      })),
    })
    const started = workerModule.createWorkerEngine({
      modelSource: new workerModule.ModelStore({ maxDownloadBytes: parameters.maxDownloadBytes }),
    })
    engine = started
    started.subscribe((event) => {
      if (event.type !== 'status') return
      const { computeMs, dutyCycle, state } = event.status
      update({ compute: { computeMs, at: performance.now(), dutyCycle, engineState: state } })
    })
    const info = await started.init({ signal })
    update({ engine: info })
    if (status.dutyCycle !== 1) await started.setDutyCycle(status.dutyCycle, { signal })
    for (const summary of wanted) {
      signal.throwIfAborted()
      try {
        const manifest = await workerModule.fetchManifest(summary.id, { baseUrl, signal })
        setModel(summary.id, { size: manifest.size, state: 'download' })
        const model = await started.loadModel(manifest, {
          signal,
          onProgress: (progress) => {
            if (progress.phase === 'download')
              setModel(summary.id, {
                download: {
                  loadedBytes: progress.loadedBytes,
                  totalBytes: progress.totalBytes,
                  cached: progress.cached === true,
                },
              })
            else setModel(summary.id, { state: 'self-test' })
          },
        })
        const selfTestMs = model.backends.find((b) => b.backend === model.preferredBackend)?.runMs
        // The self-test run is a cold one; a model that looks cheap gets a few warm runs (a few
        // ms in all) so that the batching policy and the slot count start from the real figure.
        if (selfTestMs !== undefined && selfTestMs < WARM_MEASURE_BELOW_MS) {
          const { runMs } = await started.benchmark({
            modelId: model.modelId,
            inputs: manifest.knownAnswer.inputs,
            iterations: 5,
            warmup: 1,
            signal,
          })
          warmRunMs.set(model.modelId, median(runMs))
        }
        loaded.set(model.modelId, model)
        setModel(summary.id, {
          state: 'ready',
          backend: model.preferredBackend,
          selfTests: model.backends,
        })
      } catch (error) {
        if (signal.aborted) throw error
        setModel(summary.id, {
          state: 'failed',
          error: error instanceof Error ? error.message.split('\n')[0] : String(error),
          errorCode: error instanceof BaseError ? error.code : undefined,
          selfTests: selfTestsOf(error),
        })
      }
    }
    signal.throwIfAborted()
    const runner = createEngineJobRunner({
      engine: started,
      serves: (modelId) => loaded.has(modelId),
    })
    // Starts from the warm runs measured above, then follows each job's own session.run time.
    hasher = workerModule.createWorkerHasher()
    const policy = createBatchPolicy({
      thresholdMs: parameters.batchThresholdMs ?? 5,
      initial: warmRunMs,
    })
    const anyTiny = [...loaded.keys()].some((modelId) => policy.limit(modelId) > 1)
    baseSlots = parameters.slots ?? (anyTiny ? BATCHING_SLOTS : DEFAULT_SLOTS)
    worker = createGridWorker({
      baseUrl,
      allowInsecureLocal: parameters.allowInsecureLocal,
      clientVersion: CLIENT_VERSION,
      slots: slotsNow(),
      partner: parameters.partner,
      sessionKey,
      delegation: parameters.session?.delegation,
      hello: () => ({
        backends: workerModule.toBackendReports([...loaded.values()]),
        cachedModels: [...loaded.keys()],
      }),
      runJob: runner.runJob,
      batching: { runBatch: runner.runBatch, policy },
      onStatus: (network) => update({ network }),
      hashTensorMap: hasher.hashTensorMap,
    })
    await worker.start()
    update({ state: 'running', network: worker.status() })
  }

  return {
    async start() {
      if (status.state !== 'idle') throw new Error('A contributor starts once: create another.')
      try {
        await start()
      } catch (error) {
        await release()
        update({
          state: stopping.signal.aborted ? 'stopped' : 'failed',
          error: error instanceof Error ? error.message.split('\n')[0] : String(error),
        })
      }
    },
    async stop() {
      if (status.state === 'stopped' || status.state === 'stopping') return
      update({ state: 'stopping' })
      stopping.abort(new Error('stopped'))
      await release()
      update({ state: 'stopped' })
    },
    setDutyCycle(fraction) {
      if (!(fraction > 0 && fraction <= 1))
        throw new EngineError('The duty cycle must be a fraction in (0, 1].', {
          code: 'ENGINE_INVALID_ARGUMENT',
          details: { dutyCycle: String(fraction) },
        })
      update({ dutyCycle: fraction })
      void engine?.setDutyCycle(fraction).catch(() => undefined)
    },
    setPaused(reason, paused) {
      if (paused === pausedBy.has(reason)) return
      if (paused) pausedBy.add(reason)
      else pausedBy.delete(reason)
      update({ pausedBy: [...pausedBy] })
      worker?.setSlots(slotsNow())
    },
    status: () => status,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    gridWorker: () => worker,
  }

  async function release(): Promise<void> {
    await worker?.stop().catch(() => undefined)
    await engine?.dispose().catch(() => undefined)
    hasher.dispose()
  }
}

async function anonymousSessionKey(): Promise<SessionSigningKey> {
  const key = await generateSessionKey('P-256')
  return { privateKey: key.keyPair.privateKey, publicKey: key.publicKeyHex, keyType: 'P-256' }
}

type ModelSummary = { id: ModelId; name: string; size: number | undefined }

/** The per-backend self-tests an ENGINE_SELF_TEST_FAILED error names (reasons only). */
function selfTestsOf(error: unknown): BackendSelfTest[] {
  if (!(error instanceof BaseError) || error.code !== 'ENGINE_SELF_TEST_FAILED') return []
  const details = (error.details ?? {}) as Record<string, unknown>
  return (['webgpu', 'wasm', 'webnn'] as const).flatMap((backend) =>
    typeof details[backend] === 'string'
      ? [
          {
            backend,
            passed: false,
            reason: details[backend] as string,
            outputs: {},
            sessionMs: 0,
            runMs: 0,
          },
        ]
      : [],
  )
}

async function listModels(baseUrl: string, signal: AbortSignal): Promise<ModelSummary[]> {
  const response = await fetch(new URL('/v1/models', baseUrl), { signal })
  if (!response.ok)
    throw new ModelError(`GET /v1/models answered HTTP ${response.status}.`, {
      code: 'MODEL_DOWNLOAD_FAILED',
      details: { status: response.status },
    })
  const body = (await response.json()) as { models?: unknown }
  if (!Array.isArray(body.models))
    throw new ModelError('GET /v1/models answered no model list.', {
      code: 'MODEL_DOWNLOAD_FAILED',
    })
  return body.models.flatMap((m: unknown) => {
    const { id, name, size } = (m ?? {}) as { id?: unknown; name?: unknown; size?: unknown }
    return isModelId(id) && typeof name === 'string'
      ? [{ id, name, size: typeof size === 'number' ? size : undefined }]
      : []
  })
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.POSITIVE_INFINITY
}
