import type { InferenceSession } from 'onnxruntime-web'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import { EngineError } from '../../protocol/errors/EngineError.ts'
import { WebGpuUnavailableError } from '../../protocol/errors/WebGpuUnavailableError.ts'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { detectCapabilities } from '../detectCapabilities.ts'
import { abortedError } from './abortedError.ts'
import { backends } from './backends.ts'
import { chooseBackends } from './chooseBackends.ts'
import { createTaskQueue } from './createTaskQueue.ts'
import type {
  BackendSelfTest,
  CallOptions,
  Engine,
  EngineEvent,
  EngineInfo,
  EngineInitParameters,
  EngineListener,
  EngineStatus,
  LoadedModel,
  LoadModelOptions,
  RunBatchItemResult,
  RunParameters,
} from './Engine.ts'
import { fromOrtTensor } from './fromOrtTensor.ts'
import { type LoadOrtParameters, loadOrt, type Ort } from './loadOrt.ts'
import type { ModelSource } from './ModelSource.ts'
import { MAX_RUN_BATCH_ITEMS } from './maxRunBatchItems.ts'
import { raceSignal } from './raceSignal.ts'
import { runSelfTest } from './runSelfTest.ts'
import { toOrtTensor } from './toOrtTensor.ts'
import { validateRunInputs } from './validateRunInputs.ts'

export type CreateOrtEngineParameters = {
  /** Where loadModel gets bytes. Inside the worker the proxy sends them instead (loadModelFromBytes). */
  modelSource?: ModelSource | undefined
  /** Injected for tests; default: the real platform and onnxruntime-web. */
  detect?: typeof detectCapabilities
  loadRuntime?: (parameters: LoadOrtParameters) => Promise<Ort>
  /** Status events are coalesced to at most one per this many ms; default 100. */
  statusIntervalMs?: number
}

export type OrtEngine = Engine & {
  /** loadModel with the bytes already in hand (the worker host gets them from the proxy). */
  loadModelFromBytes(
    manifest: ModelManifest,
    bytes: Uint8Array,
    options?: LoadModelOptions,
  ): Promise<LoadedModel>
}

type Ready = {
  info: EngineInfo
  /** The onnxruntime-web build that runs this backend's sessions. */
  ortFor(backend: Backend): Ort
}

/** A session and the onnxruntime build it belongs to (its tensors must come from that build). */
type Session = { session: InferenceSession; ort: Ort }

type LoadedEntry = {
  manifest: ModelManifest
  sessions: Map<Backend, Session>
  loaded: LoadedModel
}

/**
 * The engine itself: onnxruntime-web in the current thread. The app never calls it directly on
 * the page (it would freeze the UI); it runs inside the engine's Web Worker (engine.worker.ts)
 * and the page talks to it through createEngineProxy. All compute goes through one task queue,
 * which applies pause/resume and the duty cycle.
 */
export function createOrtEngine(parameters: CreateOrtEngineParameters = {}): OrtEngine {
  const detect = parameters.detect ?? detectCapabilities
  const loadRuntime = parameters.loadRuntime ?? loadOrt
  const statusIntervalMs = parameters.statusIntervalMs ?? 100
  const listeners = new Set<EngineListener>()
  const models = new Map<ModelId, LoadedEntry>()
  const loading = new Map<ModelId, Promise<LoadedModel>>()
  let ready: Promise<Ready> | undefined
  let disposed = false
  let statusTimer: ReturnType<typeof setTimeout> | undefined
  let statusDirty = false

  const queue = createTaskQueue({ onChange: () => scheduleStatus() })

  function emit(event: EngineEvent): void {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A listener's bug must not break the engine.
      }
    }
  }

  // Status changes at every task start and end; listeners get at most one event per interval.
  function scheduleStatus(): void {
    if (listeners.size === 0) return
    statusDirty = true
    if (statusTimer !== undefined) return
    emitStatus()
    statusTimer = setTimeout(function flush() {
      statusTimer = undefined
      if (statusDirty) {
        emitStatus()
        statusTimer = setTimeout(flush, statusIntervalMs)
      }
    }, statusIntervalMs)
  }

  function emitStatus(): void {
    statusDirty = false
    emit({ type: 'status', status: status() })
  }

  function status(): EngineStatus {
    const q = queue.status()
    const state: EngineStatus['state'] = disposed
      ? 'disposed'
      : q.paused
        ? 'paused'
        : q.running
          ? 'running'
          : q.throttled
            ? 'throttled'
            : 'idle'
    return {
      state,
      paused: q.paused,
      dutyCycle: q.dutyCycle,
      queued: q.queued,
      computeMs: q.computeMs,
      models: [...models.keys()],
    }
  }

  function assertLive(call: string): void {
    if (!disposed) return
    throw new EngineError('The engine was disposed.', {
      code: 'ENGINE_DISPOSED',
      details: { call },
    })
  }

  async function initialize(params: EngineInitParameters): Promise<Ready> {
    const started = performance.now()
    const capabilities = await detect({})
    const wasmThreads = params.wasmThreads ?? capabilities.wasmThreads
    if (!Number.isInteger(wasmThreads) || wasmThreads < 1 || wasmThreads > 64) {
      throw new EngineError('wasmThreads must be an integer from 1 to 64.', {
        code: 'ENGINE_INVALID_ARGUMENT',
        details: { wasmThreads },
      })
    }
    const { decisions, order } = chooseBackends({
      capabilities,
      wasmThreads,
      requested: params.backends,
    })
    if (order.length === 0) {
      if (params.backends?.length === 1 && params.backends[0] === 'webgpu') {
        throw webGpuUnavailable(
          capabilities.webgpu.available ? 'unknown' : capabilities.webgpu.reason,
        )
      }
      throw new EngineError('None of the requested backends is available in this browser.', {
        code: 'ENGINE_BACKEND_UNAVAILABLE',
        details: { requested: (params.backends ?? []).join(',') },
      })
    }
    const ort = await loadRuntime({ wasmThreads })
    const native = params.experimentalNativeWebGpu
      ? await loadRuntime({ wasmThreads, build: 'webgpu-native' })
      : undefined
    const info: EngineInfo = {
      capabilities,
      backends: decisions,
      order,
      wasm: { threads: wasmThreads, crossOriginIsolated: capabilities.crossOriginIsolated },
      runtime: {
        name: 'onnxruntime-web',
        version: ort.env.versions.web ?? ort.env.versions.common,
        webgpuBuild: native ? 'native' : 'jsep',
      },
      initMs: performance.now() - started,
    }
    return { info, ortFor: (backend) => (backend === 'webgpu' && native) || ort }
  }

  function getReady(params: EngineInitParameters = {}): Promise<Ready> {
    if (!ready) {
      const attempt = initialize(params)
      ready = attempt
      // A failed init (say, the runtime could not be fetched) may be retried.
      attempt.catch(() => {
        if (ready === attempt) ready = undefined
      })
    }
    return ready
  }

  /** The backends to self-test for a model: the caller's list, checked, or the engine's order. */
  function candidatesFor(info: EngineInfo, requested: readonly Backend[] | undefined): Backend[] {
    if (!requested || requested.length === 0) return info.order
    for (const backend of requested) assertUsable(info, backend)
    return [...new Set(requested)]
  }

  function assertUsable(info: EngineInfo, backend: Backend): void {
    const decision = info.backends.find((d) => d.backend === backend)
    if (backend === 'webgpu' && !info.capabilities.webgpu.available) {
      throw webGpuUnavailable(info.capabilities.webgpu.reason)
    }
    if (!decision?.available) {
      throw new EngineError(`Backend ${backend} is not available here.`, {
        code: 'ENGINE_BACKEND_UNAVAILABLE',
        details: { backend, reason: decision?.reason ?? 'unknown backend' },
      })
    }
  }

  async function selfTestAll(
    ready: Ready,
    manifest: ModelManifest,
    bytes: Uint8Array,
    candidates: readonly Backend[],
    options: LoadModelOptions,
  ): Promise<{ sessions: Map<Backend, Session>; results: BackendSelfTest[] }> {
    const sessions = new Map<Backend, Session>()
    const results: BackendSelfTest[] = []
    for (const backend of candidates) {
      if (options.signal?.aborted) break
      options.onProgress?.({ phase: 'session', backend })
      const sessionStarted = performance.now()
      const ort = ready.ortFor(backend)
      let session: InferenceSession
      try {
        session = await ort.InferenceSession.create(bytes, {
          executionProviders: [...backends[backend].executionProviders],
          graphOptimizationLevel: 'all',
          // Idle WASM threads block instead of spinning: spinning burns CPU after each run that
          // the duty cycle does not see, and on a 2-core machine steals the page's core.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        })
      } catch (error) {
        const result: BackendSelfTest = {
          backend,
          passed: false,
          reason: `Session creation failed: ${error instanceof Error ? error.message : String(error)}`,
          outputs: {},
          sessionMs: performance.now() - sessionStarted,
          runMs: 0,
        }
        results.push(result)
        emit({ type: 'self-test', modelId: manifest.id, result })
        continue
      }
      const sessionMs = performance.now() - sessionStarted
      options.onProgress?.({ phase: 'self-test', backend })
      const test = await runSelfTest({ ort, session, manifest })
      const result: BackendSelfTest = { backend, ...test, sessionMs }
      results.push(result)
      emit({ type: 'self-test', modelId: manifest.id, result })
      if (test.passed) sessions.set(backend, { session, ort })
      else await releaseQuietly(session)
    }
    return { sessions, results }
  }

  async function loadFromBytes(
    manifest: ModelManifest,
    bytes: Uint8Array,
    options: LoadModelOptions,
  ): Promise<LoadedModel> {
    const ready = await raceSignal(getReady(), options.signal, 'loadModel')
    const { info } = ready
    const candidates = candidatesFor(info, options.backends)
    const started = performance.now()
    const { value } = await queue.enqueue(
      async () => {
        const tested = await selfTestAll(ready, manifest, bytes, candidates, options)
        // The caller gave up (or the engine was disposed) while sessions were being created:
        // nobody will use them.
        if (options.signal?.aborted || disposed) {
          for (const { session } of tested.sessions.values()) await releaseQuietly(session)
        }
        return tested
      },
      { signal: options.signal, label: 'loadModel' },
    )
    const { sessions, results } = value
    const preferredBackend = results.find((r) => r.passed)?.backend
    if (!preferredBackend) {
      throw new EngineError(
        `No backend reproduced the known answer of ${manifest.name}; it is not used on this device.`,
        {
          code: 'ENGINE_SELF_TEST_FAILED',
          details: {
            modelId: manifest.id,
            model: manifest.name,
            ...Object.fromEntries(results.map((r) => [r.backend, r.reason])),
          },
        },
      )
    }
    const loaded: LoadedModel = {
      modelId: manifest.id,
      name: manifest.name,
      backends: results,
      preferredBackend,
      loadMs: performance.now() - started,
    }
    models.set(manifest.id, { manifest, sessions, loaded })
    emit({ type: 'model-loaded', model: loaded })
    scheduleStatus()
    return loaded
  }

  function deduplicatedLoad(
    manifest: ModelManifest,
    options: LoadModelOptions,
    load: () => Promise<LoadedModel>,
  ): Promise<LoadedModel> {
    assertLive('loadModel')
    const existing = models.get(manifest.id)
    if (existing) return Promise.resolve(existing.loaded)
    const pending = loading.get(manifest.id)
    if (pending) return raceSignal(pending, options.signal, 'loadModel')
    const promise = load().finally(() => loading.delete(manifest.id))
    loading.set(manifest.id, promise)
    return promise
  }

  function lookup(modelId: ModelId, backend: Backend | undefined) {
    const entry = models.get(modelId)
    if (!entry) {
      throw new EngineError('The model is not loaded.', {
        code: 'ENGINE_MODEL_NOT_LOADED',
        details: { modelId },
      })
    }
    const chosen = backend ?? entry.loaded.preferredBackend
    const session = entry.sessions.get(chosen)
    if (!session) {
      const selfTest = entry.loaded.backends.find((r) => r.backend === chosen)
      throw new EngineError(`Backend ${chosen} cannot run ${entry.manifest.name} here.`, {
        code: 'ENGINE_BACKEND_UNAVAILABLE',
        details: {
          modelId,
          backend: chosen,
          reason: selfTest ? selfTest.reason : 'not self-tested for this model (not enabled)',
        },
      })
    }
    return { entry, backend: chosen, session }
  }

  /** The model's entry and backend for a run or a batch (throws when either is unusable). */
  async function prepareModel(
    call: string,
    modelId: ModelId,
    wanted: Backend | undefined,
    signal: AbortSignal | undefined,
  ) {
    assertLive(call)
    const { info } = await raceSignal(getReady(), signal, call)
    if (wanted === 'webgpu' && !info.capabilities.webgpu.available) {
      assertUsable(info, 'webgpu')
    }
    return lookup(modelId, wanted)
  }

  async function prepareRun(parameters: RunParameters) {
    const { entry, backend } = await prepareModel(
      'run',
      parameters.modelId,
      parameters.backend,
      parameters.signal,
    )
    const { outputNames } = validateRunInputs(
      entry.manifest,
      parameters.inputs,
      parameters.outputNames,
    )
    return { backend, outputNames }
  }

  function feedsOf(ort: Ort, inputs: TensorMap) {
    return Object.fromEntries(
      Object.entries(inputs).map(([name, tensor]) => [name, toOrtTensor(ort, tensor)]),
    )
  }

  function outputsOf(results: InferenceSession.ReturnType, outputNames: readonly string[]) {
    const outputs: TensorMap = {}
    for (const name of outputNames) {
      const tensor = results[name]
      if (tensor) outputs[name] = fromOrtTensor(name, tensor as never)
    }
    return outputs
  }

  async function runSession(
    session: InferenceSession,
    feeds: InferenceSession.FeedsType,
    outputNames: string[],
  ): Promise<InferenceSession.ReturnType> {
    try {
      return await session.run(feeds, outputNames)
    } catch (error) {
      throw new EngineError('onnxruntime-web failed to run the model.', {
        code: 'ENGINE_INFERENCE_FAILED',
        cause: error,
        details: { message: error instanceof Error ? error.message : String(error) },
      })
    }
  }

  const engine: OrtEngine = {
    async init(params = {}) {
      assertLive('init')
      return (await raceSignal(getReady(params), params.signal, 'init')).info
    },

    loadModel(manifest, options = {}) {
      return deduplicatedLoad(manifest, options, async () => {
        const source = parameters.modelSource
        if (!source) {
          throw new EngineError('This engine has no model source; pass the bytes instead.', {
            code: 'ENGINE_INVALID_ARGUMENT',
            details: { modelId: manifest.id },
          })
        }
        await raceSignal(getReady(), options.signal, 'loadModel')
        const bytes = await source.get(manifest, {
          signal: options.signal,
          onProgress: (p) =>
            options.onProgress?.({
              phase: 'download',
              loadedBytes: p.loadedBytes,
              totalBytes: p.totalBytes,
              cached: p.cached === true,
            }),
        })
        return loadFromBytes(manifest, bytes, options)
      })
    },

    loadModelFromBytes(manifest, bytes, options = {}) {
      return deduplicatedLoad(manifest, options, () => loadFromBytes(manifest, bytes, options))
    },

    async run(parameters) {
      const { backend, outputNames } = await prepareRun(parameters)
      const { value, queueMs } = await queue.enqueue(
        async () => {
          // Looked up again: the model may have been unloaded while this run waited.
          const { session, ort } = lookup(parameters.modelId, backend).session
          const feeds = feedsOf(ort, parameters.inputs)
          const started = performance.now()
          const results = await runSession(session, feeds, outputNames)
          const inferenceMs = performance.now() - started
          return { outputs: outputsOf(results, outputNames), inferenceMs }
        },
        { signal: parameters.signal, label: 'run' },
      )
      return { outputs: value.outputs, backend, inferenceMs: value.inferenceMs, queueMs }
    },

    async runBatch(parameters) {
      const { modelId, items, signal } = parameters
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_RUN_BATCH_ITEMS) {
        throw new EngineError(`A batch takes 1 to ${MAX_RUN_BATCH_ITEMS} items.`, {
          code: 'ENGINE_INVALID_ARGUMENT',
          details: { items: Array.isArray(items) ? items.length : String(items) },
        })
      }
      const { entry, backend } = await prepareModel('runBatch', modelId, parameters.backend, signal)
      // Each item is checked on its own: a bad one fails alone, before anything is queued.
      const checked = items.map((item) => {
        try {
          const { outputNames } = validateRunInputs(entry.manifest, item.inputs, item.outputNames)
          return { outputNames }
        } catch (error) {
          return { error }
        }
      })
      const enqueuedAt = performance.now()
      const { value } = await queue.enqueue(
        async () => {
          const { session, ort } = lookup(modelId, backend).session
          const results: RunBatchItemResult[] = []
          for (const [i, item] of items.entries()) {
            const check = checked[i]
            if (!check || 'error' in check) {
              results.push({ ok: false, error: asBaseError(check?.error) })
              continue
            }
            // A batch cannot stop a session.run, but it stops between items once aborted.
            if (signal?.aborted) {
              results.push({ ok: false, error: abortedError('runBatch', { running: true }) })
              continue
            }
            const started = performance.now()
            try {
              const output = await runSession(session, feedsOf(ort, item.inputs), check.outputNames)
              const inferenceMs = performance.now() - started
              results.push({
                ok: true,
                outputs: outputsOf(output, check.outputNames),
                inferenceMs,
                queueMs: started - enqueuedAt,
              })
            } catch (error) {
              results.push({ ok: false, error: asBaseError(error) })
            }
          }
          return results
        },
        { signal, label: 'runBatch' },
      )
      return { backend, items: value }
    },

    async benchmark(parameters) {
      const { iterations, warmup = 1 } = parameters
      if (
        !Number.isInteger(iterations) ||
        iterations < 1 ||
        !Number.isInteger(warmup) ||
        warmup < 0
      ) {
        throw new EngineError('iterations must be a positive integer and warmup >= 0.', {
          code: 'ENGINE_INVALID_ARGUMENT',
          details: { iterations, warmup },
        })
      }
      const { backend, outputNames } = await prepareRun(parameters)
      const { value } = await queue.enqueue(
        async () => {
          const { session, ort } = lookup(parameters.modelId, backend).session
          const feeds = feedsOf(ort, parameters.inputs)
          for (let i = 0; i < warmup; i++) await runSession(session, feeds, outputNames)
          const runMs: number[] = []
          for (let i = 0; i < iterations && !parameters.signal?.aborted; i++) {
            const started = performance.now()
            await runSession(session, feeds, outputNames)
            runMs.push(performance.now() - started)
          }
          return runMs
        },
        { signal: parameters.signal, label: 'benchmark' },
      )
      return { backend, runMs: value }
    },

    async unloadModel(modelId, _options?: CallOptions) {
      const entry = models.get(modelId)
      if (!entry) return
      models.delete(modelId)
      // A run already using the sessions finishes first; queued ones will not find the model.
      await queue.idle()
      for (const { session } of entry.sessions.values()) await releaseQuietly(session)
      emit({ type: 'model-unloaded', modelId })
      scheduleStatus()
    },

    async setDutyCycle(fraction) {
      assertLive('setDutyCycle')
      queue.setDutyCycle(fraction)
      return status()
    },

    async pause() {
      assertLive('pause')
      queue.pause()
      return status()
    },

    async resume() {
      assertLive('resume')
      queue.resume()
      return status()
    },

    async getStatus() {
      return status()
    },

    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    async dispose() {
      if (disposed) return
      disposed = true
      queue.clear(
        new EngineError('The engine was disposed.', {
          code: 'ENGINE_DISPOSED',
          details: { call: 'pending' },
        }),
      )
      await queue.idle()
      for (const entry of models.values()) {
        for (const { session } of entry.sessions.values()) await releaseQuietly(session)
      }
      models.clear()
      if (statusTimer !== undefined) clearTimeout(statusTimer)
      emitStatus()
      listeners.clear()
    },
  }
  return engine
}

async function releaseQuietly(session: InferenceSession): Promise<void> {
  try {
    await session.release()
  } catch {
    // Releasing is best effort: the session is dropped either way.
  }
}

/** Item failures are BaseErrors (they cross the worker boundary with their code). */
function asBaseError(error: unknown): BaseError {
  if (error instanceof BaseError) return error
  return new EngineError('onnxruntime-web failed to run the model.', {
    code: 'ENGINE_INFERENCE_FAILED',
    cause: error,
    details: { message: error instanceof Error ? error.message : String(error) },
  })
}

function webGpuUnavailable(reason: string): WebGpuUnavailableError {
  return new WebGpuUnavailableError(`WebGPU was asked for, but it is not available: ${reason}`, {
    code: 'WEBGPU_UNAVAILABLE',
    details: { reason },
  })
}
