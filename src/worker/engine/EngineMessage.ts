import type { SerializedError } from '../../protocol/errors/serializeError.ts'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type {
  BenchmarkParameters,
  BenchmarkReturnType,
  EngineEvent,
  EngineInfo,
  EngineInitParameters,
  EngineStatus,
  LoadedModel,
  LoadProgress,
  RunBatchItemResult,
  RunBatchParameters,
  RunParameters,
  RunReturnType,
} from './Engine.ts'

/** A batch item's outcome as it crosses the boundary: a failure travels serialized. */
export type RunBatchItemMessage =
  | Extract<RunBatchItemResult, { ok: true }>
  | { ok: false; error: SerializedError }

/**
 * The calls the page makes into the engine's worker: what each sends and what it answers.
 * Defined once; the proxy (page) and the host (worker) are both typed from it.
 */
export type EngineCalls = {
  init: { parameters: Omit<EngineInitParameters, 'signal'>; result: EngineInfo }
  /** The proxy fetched the bytes (ModelSource on the page) and transfers them. */
  loadModel: {
    parameters: { manifest: ModelManifest; bytes: Uint8Array; backends?: Backend[] | undefined }
    result: LoadedModel
  }
  run: { parameters: Omit<RunParameters, 'signal' | 'transfer'>; result: RunReturnType }
  runBatch: {
    parameters: Omit<RunBatchParameters, 'signal' | 'transfer'>
    result: { backend: Backend; items: RunBatchItemMessage[] }
  }
  benchmark: { parameters: Omit<BenchmarkParameters, 'signal'>; result: BenchmarkReturnType }
  unloadModel: { parameters: { modelId: ModelId }; result: undefined }
  setDutyCycle: { parameters: { fraction: number }; result: EngineStatus }
  pause: { parameters: Record<never, never>; result: EngineStatus }
  resume: { parameters: Record<never, never>; result: EngineStatus }
  getStatus: { parameters: Record<never, never>; result: EngineStatus }
  dispose: { parameters: Record<never, never>; result: undefined }
}

export type EngineCallKind = keyof EngineCalls

export type EngineCallRequest<kind extends EngineCallKind = EngineCallKind> = {
  [k in kind]: { kind: k; id: number } & EngineCalls[k]['parameters']
}[kind]

/** Page -> worker. */
export type EngineRequest =
  | EngineCallRequest
  /** Abort the call with this id (queued: removed; running: its answer is dropped). */
  | { kind: 'abort'; id: number }
  /** Start or stop sending engine events (status, self-tests, models). */
  | { kind: 'subscribe'; enabled: boolean }

/** Worker -> page. */
export type EngineResponse =
  | { kind: 'result'; id: number; value: EngineCalls[EngineCallKind]['result'] }
  | { kind: 'error'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: LoadProgress }
  | { kind: 'event'; event: EngineEvent }
