import type { BaseError } from '../../protocol/errors/BaseError.ts'
import { deserializeError } from '../../protocol/errors/deserializeError.ts'
import { EngineError } from '../../protocol/errors/EngineError.ts'
import { serializeError } from '../../protocol/errors/serializeError.ts'
import type { ModelId } from '../../protocol/messages.ts'
import { abortedError } from './abortedError.ts'
import { buffersOf } from './buffersOf.ts'
import type {
  Engine,
  EngineEvent,
  EngineListener,
  EngineStatus,
  LoadedModel,
  LoadProgress,
} from './Engine.ts'
import type { EngineCallKind, EngineCalls, EngineRequest, EngineResponse } from './EngineMessage.ts'
import type { ModelSource } from './ModelSource.ts'
import { raceSignal } from './raceSignal.ts'

/** The engine's worker, as much of it as the proxy uses (a Worker, or a MessagePort in tests). */
export type EngineEndpoint = {
  postMessage(message: EngineRequest, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<EngineResponse>) => void): void
  addEventListener(type: 'error' | 'messageerror', listener: (event: Event) => void): void
  terminate?(): void
}

export type CreateEngineProxyParameters = {
  worker: EngineEndpoint
  /** Where model bytes come from (the ModelStore in the app). Called on this thread. */
  modelSource: ModelSource
  /** How long dispose() waits for the worker to release its sessions; default 2000 ms. */
  disposeTimeoutMs?: number
}

type Pending = {
  kind: EngineCallKind
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  onProgress?: ((progress: LoadProgress) => void) | undefined
  cleanup: () => void
}

type CallOptions = {
  signal?: AbortSignal | undefined
  transfer?: Transferable[]
  onProgress?: ((progress: LoadProgress) => void) | undefined
}

/**
 * The page's side of the engine: implements Engine by posting typed `{ kind, id, ... }` messages
 * to the engine's Web Worker and transferring tensor buffers both ways (zero copy). Model bytes
 * come from `modelSource` on this thread (with download progress) and are transferred to the
 * worker. Errors come back serialized and are rebuilt with their class, code and details.
 *
 * Aborting a call rejects it at once with ENGINE_ABORTED and tells the worker, which drops the
 * call if queued; a running inference cannot be interrupted and finishes there, unseen.
 * If the worker fails (an error event: it could not load, or threw), every pending and later
 * call rejects with ENGINE_WORKER_CRASHED and subscribers get a 'crashed' event.
 */
export function createEngineProxy(parameters: CreateEngineProxyParameters): Engine {
  const { worker, modelSource, disposeTimeoutMs = 2000 } = parameters
  const pending = new Map<number, Pending>()
  const listeners = new Set<EngineListener>()
  const loaded = new Map<ModelId, LoadedModel>()
  const loading = new Map<ModelId, Promise<LoadedModel>>()
  let nextId = 1
  let dead: BaseError | undefined

  worker.addEventListener('message', (event) => onResponse(event.data))
  worker.addEventListener('error', (event) => {
    // Handled here: it must not also surface as an uncaught error of the page.
    event.preventDefault()
    const { message, filename, lineno } = event as Partial<ErrorEvent>
    crash({
      message: message || 'The engine worker failed to start or threw outside a call.',
      ...(filename ? { filename } : {}),
      ...(lineno ? { lineno } : {}),
    })
  })
  worker.addEventListener('messageerror', () =>
    crash({ message: 'A message from the engine worker could not be deserialized.' }),
  )

  function emit(event: EngineEvent): void {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A listener's bug must not break the engine.
      }
    }
  }

  function onResponse(response: EngineResponse): void {
    if (response.kind === 'event') {
      if (response.event.type === 'model-unloaded') loaded.delete(response.event.modelId)
      emit(response.event)
      return
    }
    const call = pending.get(response.id)
    if (!call) return // aborted: the caller stopped waiting
    if (response.kind === 'progress') {
      call.onProgress?.(response.progress)
      return
    }
    pending.delete(response.id)
    call.cleanup()
    if (response.kind === 'result') call.resolve(response.value)
    else call.reject(deserializeError(response.error))
  }

  function crash(details: Record<string, string | number>): void {
    if (dead) return
    dead = new EngineError('The engine worker crashed.', {
      code: 'ENGINE_WORKER_CRASHED',
      details,
    })
    failPending(dead)
    worker.terminate?.()
    emit({ type: 'crashed', error: serializeError(dead) })
    emit({ type: 'status', status: deadStatus('crashed') })
  }

  function failPending(error: BaseError): void {
    for (const [id, call] of pending) {
      pending.delete(id)
      call.cleanup()
      call.reject(error)
    }
  }

  function deadStatus(state: 'crashed' | 'disposed'): EngineStatus {
    return { state, paused: false, dutyCycle: 1, queued: 0, computeMs: 0, models: [] }
  }

  function call<kind extends EngineCallKind>(
    kind: kind,
    parameters: EngineCalls[kind]['parameters'],
    options: CallOptions = {},
  ): Promise<EngineCalls[kind]['result']> {
    const { signal } = options
    if (dead) return Promise.reject(dead)
    if (signal?.aborted) return Promise.reject(abortedError(kind))
    const id = nextId++
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!pending.delete(id)) return
        worker.postMessage({ kind: 'abort', id }, [])
        reject(abortedError(kind))
      }
      pending.set(id, {
        kind,
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: options.onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        const request = { kind, id, ...parameters } as EngineRequest
        worker.postMessage(request, options.transfer ?? [])
      } catch (error) {
        pending.delete(id)
        signal?.removeEventListener('abort', onAbort)
        reject(
          new EngineError('The call could not be sent to the engine worker.', {
            code: 'ENGINE_INVALID_ARGUMENT',
            cause: error,
            details: {
              call: kind,
              message: error instanceof Error ? error.message : String(error),
            },
          }),
        )
      }
    })
  }

  async function load(
    manifest: Parameters<Engine['loadModel']>[0],
    options: Parameters<Engine['loadModel']>[1] = {},
  ) {
    const { signal, onProgress } = options
    if (dead) throw dead
    const fetched = await modelSource.get(manifest, {
      signal,
      onProgress: (p) =>
        onProgress?.({
          phase: 'download',
          loadedBytes: p.loadedBytes,
          totalBytes: p.totalBytes,
          cached: p.cached === true,
        }),
    })
    // The worker takes the bytes: move their buffer when they own it, else move a copy.
    const bytes =
      fetched.buffer instanceof ArrayBuffer &&
      fetched.byteOffset === 0 &&
      fetched.byteLength === fetched.buffer.byteLength
        ? fetched
        : fetched.slice()
    const model = await call(
      'loadModel',
      { manifest, bytes, backends: options.backends ? [...options.backends] : undefined },
      { signal, onProgress, transfer: [bytes.buffer as ArrayBuffer] },
    )
    loaded.set(model.modelId, model)
    return model
  }

  return {
    init(parameters = {}) {
      const { signal, ...rest } = parameters
      return call('init', rest, { signal })
    },

    async loadModel(manifest, options = {}) {
      if (dead) throw dead
      const known = loaded.get(manifest.id)
      if (known) return known
      let promise = loading.get(manifest.id)
      if (!promise) {
        promise = load(manifest, options).finally(() => loading.delete(manifest.id))
        loading.set(manifest.id, promise)
      }
      return raceSignal(promise, options.signal, 'loadModel')
    },

    run(parameters) {
      const { signal, transfer = true, ...rest } = parameters
      return call(
        'run',
        { ...rest, outputNames: rest.outputNames ? [...rest.outputNames] : undefined },
        { signal, transfer: transfer ? buffersOf(rest.inputs) : [] },
      )
    },

    async runBatch(parameters) {
      const { signal, transfer = true, modelId, items, backend } = parameters
      const buffers = new Set<ArrayBuffer>()
      if (transfer) for (const item of items) for (const b of buffersOf(item.inputs)) buffers.add(b)
      const answer = await call(
        'runBatch',
        {
          modelId,
          backend,
          items: items.map((item) => ({
            inputs: item.inputs,
            outputNames: item.outputNames ? [...item.outputNames] : undefined,
          })),
        },
        { signal, transfer: [...buffers] },
      )
      return {
        backend: answer.backend,
        items: answer.items.map((item) =>
          item.ok ? item : { ok: false as const, error: deserializeError(item.error) },
        ),
      }
    },

    benchmark(parameters) {
      const { signal, ...rest } = parameters
      return call(
        'benchmark',
        { ...rest, outputNames: rest.outputNames ? [...rest.outputNames] : undefined },
        { signal },
      )
    },

    async unloadModel(modelId, options = {}) {
      await call('unloadModel', { modelId }, options)
      loaded.delete(modelId)
    },

    setDutyCycle(fraction, options = {}) {
      return call('setDutyCycle', { fraction }, options)
    },

    pause(options = {}) {
      return call('pause', {}, options)
    },

    resume(options = {}) {
      return call('resume', {}, options)
    },

    getStatus(options = {}) {
      if (dead) {
        return Promise.resolve(deadStatus(dead.code === 'ENGINE_DISPOSED' ? 'disposed' : 'crashed'))
      }
      return call('getStatus', {}, options)
    },

    subscribe(listener) {
      listeners.add(listener)
      if (listeners.size === 1 && !dead)
        worker.postMessage({ kind: 'subscribe', enabled: true }, [])
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0 || dead) return
        worker.postMessage({ kind: 'subscribe', enabled: false }, [])
      }
    },

    async dispose() {
      if (dead) return
      // The worker releases its sessions (GPU buffers) if it answers soon; terminating it frees
      // everything anyway.
      const released = call('dispose', {}).catch(() => undefined)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        released,
        new Promise((resolve) => {
          timer = setTimeout(resolve, disposeTimeoutMs)
        }),
      ])
      clearTimeout(timer)
      dead = new EngineError('The engine was disposed.', {
        code: 'ENGINE_DISPOSED',
        details: { call: 'pending' },
      })
      failPending(dead)
      worker.terminate?.()
      emit({ type: 'status', status: deadStatus('disposed') })
      listeners.clear()
    },
  }
}
