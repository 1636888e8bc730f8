import { serializeError } from '../../protocol/errors/serializeError.ts'
import { buffersOf } from './buffersOf.ts'
import type { OrtEngine } from './createOrtEngine.ts'
import type {
  EngineCallKind,
  EngineCallRequest,
  EngineCalls,
  EngineRequest,
  EngineResponse,
} from './EngineMessage.ts'

/** The worker's global scope, as much of it as the host uses. */
export type EngineHostScope = {
  postMessage(message: EngineResponse, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<EngineRequest>) => void): void
}

type Answer = { value: EngineCalls[EngineCallKind]['result']; transfer: Transferable[] }

/**
 * The worker side of the engine: answers the proxy's typed requests by calling the engine, with
 * an AbortController per call, errors serialized with name/code/details (deserializeError
 * rebuilds them on the page) and the run outputs' buffers transferred, not copied.
 */
export function serveEngine(scope: EngineHostScope, engine: OrtEngine): void {
  const controllers = new Map<number, AbortController>()
  let unsubscribe: (() => void) | undefined

  const post = (message: EngineResponse, transfer: Transferable[] = []) =>
    scope.postMessage(message, transfer)

  scope.addEventListener('message', (event) => {
    const request = event.data
    if (request.kind === 'abort') {
      controllers.get(request.id)?.abort()
      return
    }
    if (request.kind === 'subscribe') {
      unsubscribe?.()
      unsubscribe = request.enabled
        ? engine.subscribe((engineEvent) => post({ kind: 'event', event: engineEvent }))
        : undefined
      return
    }
    void answer(request)
  })

  async function answer(request: EngineCallRequest): Promise<void> {
    const { id } = request
    const controller = new AbortController()
    controllers.set(id, controller)
    try {
      const { value, transfer } = await dispatch(request, controller.signal)
      // The proxy stopped waiting (aborted): do not ship a result nobody reads.
      if (controller.signal.aborted) return
      post({ kind: 'result', id, value }, transfer)
    } catch (error) {
      if (controller.signal.aborted) return
      post({ kind: 'error', id, error: serializeError(error) })
    } finally {
      controllers.delete(id)
    }
  }

  async function dispatch(request: EngineCallRequest, signal: AbortSignal): Promise<Answer> {
    const none: Transferable[] = []
    switch (request.kind) {
      case 'init': {
        const { kind: _, id: __, ...parameters } = request
        return { value: await engine.init({ ...parameters, signal }), transfer: none }
      }
      case 'loadModel': {
        const value = await engine.loadModelFromBytes(request.manifest, request.bytes, {
          signal,
          backends: request.backends,
          onProgress: (progress) => post({ kind: 'progress', id: request.id, progress }),
        })
        return { value, transfer: none }
      }
      case 'run': {
        const { kind: _, id: __, ...parameters } = request
        const value = await engine.run({ ...parameters, signal })
        return { value, transfer: buffersOf(value.outputs) }
      }
      case 'runBatch': {
        const { kind: _, id: __, ...parameters } = request
        const { backend, items } = await engine.runBatch({ ...parameters, signal })
        const transfer: Transferable[] = []
        const value = {
          backend,
          items: items.map((item) => {
            if (!item.ok) return { ok: false as const, error: serializeError(item.error) }
            transfer.push(...buffersOf(item.outputs))
            return item
          }),
        }
        return { value, transfer }
      }
      case 'benchmark': {
        const { kind: _, id: __, ...parameters } = request
        return { value: await engine.benchmark({ ...parameters, signal }), transfer: none }
      }
      case 'unloadModel':
        await engine.unloadModel(request.modelId, { signal })
        return { value: undefined, transfer: none }
      case 'setDutyCycle':
        return { value: await engine.setDutyCycle(request.fraction, { signal }), transfer: none }
      case 'pause':
        return { value: await engine.pause({ signal }), transfer: none }
      case 'resume':
        return { value: await engine.resume({ signal }), transfer: none }
      case 'getStatus':
        return { value: await engine.getStatus({ signal }), transfer: none }
      case 'dispose':
        await engine.dispose()
        return { value: undefined, transfer: none }
    }
  }
}
