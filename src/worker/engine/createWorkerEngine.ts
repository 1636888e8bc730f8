import { ModelStore } from '../models/ModelStore.ts'
import { createEngineProxy } from './createEngineProxy.ts'
import type { Engine } from './Engine.ts'
import type { ModelSource } from './ModelSource.ts'

export type CreateWorkerEngineParameters = {
  /**
   * Where model bytes come from. Default: a ModelStore on this origin (the gateway that served
   * the page): `GET /models/:id` with progress, sha256-verified, cached in Cache Storage.
   */
  modelSource?: ModelSource | undefined
  /** How long dispose() waits for the worker to release its sessions; default 2000 ms. */
  disposeTimeoutMs?: number
}

/**
 * The engine the app uses: onnxruntime-web in a dedicated module Web Worker (so inference never
 * blocks the page), reached through the proxy. Vite bundles engine.worker.ts and its chunks
 * (onnxruntime-web's script and WebAssembly binary) as same-origin assets.
 */
export function createWorkerEngine(parameters: CreateWorkerEngineParameters = {}): Engine {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'inference-grid-engine',
  })
  return createEngineProxy({
    worker,
    modelSource: parameters.modelSource ?? new ModelStore(),
    ...(parameters.disposeTimeoutMs === undefined
      ? {}
      : { disposeTimeoutMs: parameters.disposeTimeoutMs }),
  })
}
