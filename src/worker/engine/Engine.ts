import type { BaseError } from '../../protocol/errors/BaseError.ts'
import type { SerializedError } from '../../protocol/errors/serializeError.ts'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import type { CompareOutputsReturnType } from '../../protocol/models/compareOutputs.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import type { DetectCapabilitiesReturnType } from '../detectCapabilities.ts'

/**
 * What the UI and the p2p layer use to run models, whether the engine runs in a Web Worker
 * behind a proxy (createWorkerEngine, the normal case) or in the calling thread (createOrtEngine,
 * inside the worker). Every call takes an AbortSignal. Errors are EngineError (codes ENGINE_*)
 * or WebGpuUnavailableError, with their class, code and details intact across the worker boundary.
 */
export type Engine = {
  /**
   * Detects the platform, loads onnxruntime-web and decides the backend order. Idempotent: a
   * second call returns the first result (its parameters are ignored). loadModel calls it with
   * defaults when nobody did.
   */
  init(parameters?: EngineInitParameters): Promise<EngineInfo>
  /**
   * Gets the model's bytes from the engine's ModelSource, creates a session per candidate
   * backend and runs the manifest's known-answer test on each. Backends that fail are not used
   * for this model. Rejects with ENGINE_SELF_TEST_FAILED when none passes. Loading a model that
   * is already loaded returns its LoadedModel.
   */
  loadModel(manifest: ModelManifest, options?: LoadModelOptions): Promise<LoadedModel>
  /**
   * Queues one inference. Aborting a queued run removes it; aborting a running one rejects at
   * once with ENGINE_ABORTED, but onnxruntime-web cannot interrupt a session.run, so the run
   * finishes in the worker (and still counts against the duty cycle) and its result is dropped.
   */
  run(parameters: RunParameters): Promise<RunReturnType>
  /**
   * Runs several inputs of one model in one call: one message each way, and inside the engine
   * one queue task that calls session.run once per item, back to back. Outputs are those of
   * single runs (separate session.run calls, nothing is concatenated). Each item succeeds or
   * fails on its own (bad inputs, a failed run); the whole call rejects only when the model or
   * backend cannot be used at all. The batch counts as one task of its summed time for the duty
   * cycle. Aborting works as for run(); a batch already computing also stops before its next
   * item (those items fail with ENGINE_ABORTED).
   */
  runBatch(parameters: RunBatchParameters): Promise<RunBatchReturnType>
  /**
   * Calls session.run back to back inside the engine (no queue hops, no transfers), for
   * measuring the device and the engine's own overhead. Goes through the queue as one task.
   */
  benchmark(parameters: BenchmarkParameters): Promise<BenchmarkReturnType>
  /** Releases the model's sessions (after a run using them finishes); queued runs for it fail. */
  unloadModel(modelId: ModelId, options?: CallOptions): Promise<void>
  /**
   * Computes at most `fraction` (0 < fraction <= 1) of wall time: after a task that took t ms,
   * the queue idles t * (1 - fraction) / fraction ms before the next one.
   */
  setDutyCycle(fraction: number, options?: CallOptions): Promise<EngineStatus>
  /** Queued work waits (a running task finishes); resume() starts it again. */
  pause(options?: CallOptions): Promise<EngineStatus>
  resume(options?: CallOptions): Promise<EngineStatus>
  /**
   * The engine's state. A WASM run blocks the worker's thread, so control calls (this one,
   * pause, abort) are answered between tasks; the proxy still releases an aborted caller at once.
   */
  getStatus(options?: CallOptions): Promise<EngineStatus>
  /** Engine events (status, self-tests, models). Returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void
  /** Fails pending calls with ENGINE_DISPOSED, releases every session, ends the worker. */
  dispose(): Promise<void>
}

export type CallOptions = { signal?: AbortSignal | undefined }

export type EngineInitParameters = CallOptions & {
  /**
   * Backends to use, in order of preference. Default: WebGPU then WASM, except that a software
   * fallback adapter (SwiftShader, 40-100x slower than WASM) is left out; naming 'webgpu' here
   * puts it back.
   */
  backends?: readonly Backend[] | undefined
  /** WASM threads; default from detectCapabilities (1 unless cross-origin isolated). */
  wasmThreads?: number | undefined
  /**
   * Run the webgpu backend on onnxruntime-web's native WebGPU EP (`onnxruntime-web/webgpu`)
   * instead of the JS one. Experimental: in 1.30 it returns wrong Silero VAD outputs (its
   * self-test fails and the model falls back to WASM). For checking newer onnxruntime builds.
   */
  experimentalNativeWebGpu?: boolean | undefined
}

/** What init found and decided, for the UI (device card) and the worker's hello. */
export type EngineInfo = {
  capabilities: DetectCapabilitiesReturnType
  /** One row per backend of the table (webgpu, wasm, webnn), in the table's order. */
  backends: BackendDecision[]
  /** The backends loadModel tries, best first. */
  order: Backend[]
  wasm: {
    /** ort.env.wasm.numThreads, set before the first session. */
    threads: number
    crossOriginIsolated: boolean
  }
  /** webgpuBuild: 'jsep' (the default import's JS WebGPU EP) or 'native' (experimental). */
  runtime: { name: 'onnxruntime-web'; version: string; webgpuBuild: 'jsep' | 'native' }
  /** Time init took (detection, loading the runtime's script), ms. */
  initMs: number
}

export type BackendDecision = {
  backend: Backend
  /** This browser can run it (adapter present, runtime supports it). */
  available: boolean
  /** In `order`: loadModel will self-test it and may use it. */
  enabled: boolean
  /** Why, in words: adapter vendor/architecture, fallback flag, threads, or why not. */
  reason: string
  executionProviders: readonly string[]
}

export type LoadModelOptions = CallOptions & {
  onProgress?: ((progress: LoadProgress) => void) | undefined
  /** Restrict (and order) the backends to self-test for this model; default EngineInfo.order. */
  backends?: readonly Backend[] | undefined
}

export type LoadProgress =
  | { phase: 'download'; loadedBytes: number; totalBytes: number; cached?: boolean | undefined }
  | { phase: 'session'; backend: Backend }
  | { phase: 'self-test'; backend: Backend }

export type LoadedModel = {
  modelId: ModelId
  name: string
  /** Self-test result per backend tried, in the order tried. */
  backends: BackendSelfTest[]
  /** The first backend that passed: what run() uses when it names none. */
  preferredBackend: Backend
  /** Time from bytes in hand to all self-tests done, ms. */
  loadMs: number
}

export type BackendSelfTest = {
  backend: Backend
  passed: boolean
  /** One line: what matched, or why the backend was refused. */
  reason: string
  /** The comparison of each known-answer output (absent when no run happened). */
  outputs: Record<string, CompareOutputsReturnType>
  sessionMs: number
  runMs: number
}

export type RunParameters = CallOptions & {
  modelId: ModelId
  inputs: TensorMap
  /** Outputs wanted; default (or empty): every output of the manifest. */
  outputNames?: readonly string[] | undefined
  /** Default: the model's preferredBackend. Must have passed its self-test. */
  backend?: Backend | undefined
  /**
   * Proxy only: transfer the inputs' ArrayBuffers to the worker (zero copy; the caller's
   * buffers are detached afterwards). Default true; false copies them.
   */
  transfer?: boolean | undefined
}

export type RunReturnType = {
  outputs: TensorMap
  backend: Backend
  /** session.run alone, measured in the engine, ms. */
  inferenceMs: number
  /** Time the run waited in the queue (pause, duty cycle, other runs), ms. */
  queueMs: number
}

/** One input of a batch; output names as in RunParameters. */
export type RunBatchItem = {
  inputs: TensorMap
  outputNames?: readonly string[] | undefined
}

export type RunBatchParameters = CallOptions & {
  modelId: ModelId
  /** 1 to MAX_RUN_BATCH_ITEMS items, run in this order. */
  items: readonly RunBatchItem[]
  /** Default: the model's preferredBackend. Must have passed its self-test. */
  backend?: Backend | undefined
  /** Proxy only: transfer every item's input buffers (default true), as in RunParameters. */
  transfer?: boolean | undefined
}

/** One item's outcome: its outputs and timings, or why it failed (the others are unaffected). */
export type RunBatchItemResult =
  | {
      ok: true
      outputs: TensorMap
      /** This item's own session.run, ms. */
      inferenceMs: number
      /** From the call reaching the engine to this item's session.run starting, ms. */
      queueMs: number
    }
  | { ok: false; error: BaseError }

export type RunBatchReturnType = {
  backend: Backend
  /** In the order of the items given. */
  items: RunBatchItemResult[]
}

export type BenchmarkParameters = Omit<RunParameters, 'transfer'> & {
  iterations: number
  /** Runs before measuring; default 1. */
  warmup?: number | undefined
}

export type BenchmarkReturnType = {
  backend: Backend
  /** Each measured session.run, ms. */
  runMs: number[]
}

export type EngineState =
  | 'idle'
  | 'running'
  /** Work is queued but the duty cycle holds it back. */
  | 'throttled'
  | 'paused'
  | 'disposed'
  | 'crashed'

export type EngineStatus = {
  state: EngineState
  paused: boolean
  dutyCycle: number
  /** Tasks waiting (runs, loads). */
  queued: number
  /** Total time spent computing since the engine started, ms. */
  computeMs: number
  models: ModelId[]
}

export type EngineEvent =
  | { type: 'status'; status: EngineStatus }
  | { type: 'self-test'; modelId: ModelId; result: BackendSelfTest }
  | { type: 'model-loaded'; model: LoadedModel }
  | { type: 'model-unloaded'; modelId: ModelId }
  /** From the proxy: the worker failed; every later call fails with ENGINE_WORKER_CRASHED. */
  | { type: 'crashed'; error: SerializedError }

export type EngineListener = (event: EngineEvent) => void
