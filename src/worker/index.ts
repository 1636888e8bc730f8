/**
 * Browser inference: what a contributor's tab computes with. The engine runs onnxruntime-web in a
 * dedicated Web Worker (createWorkerEngine) behind a typed message proxy, picks WebGPU or WASM
 * from one backend table, admits a backend for a model only after it reproduces the model's
 * known answer, and applies the contributor's controls (duty cycle, pause/resume, abort). Model
 * bytes come from a ModelSource: by default the ModelStore (fetched from the gateway with
 * progress, sha256-verified, cached in Cache Storage), re-exported here with the rest of
 * ./models. The app imports this module lazily; onnxruntime-web itself is loaded only inside the
 * worker, so it is in none of the page's chunks.
 */

export { EngineError, type EngineErrorCode } from '../protocol/errors/EngineError.ts'
export { WebGpuUnavailableError } from '../protocol/errors/WebGpuUnavailableError.ts'
export {
  type DetectCapabilitiesReturnType,
  detectCapabilities,
  type WebGpuCapability,
} from './detectCapabilities.ts'
export { type BackendEntry, backendNames, backends } from './engine/backends.ts'
export {
  type ChooseBackendsParameters,
  type ChooseBackendsReturnType,
  chooseBackends,
} from './engine/chooseBackends.ts'
export {
  type CreateEngineProxyParameters,
  createEngineProxy,
  type EngineEndpoint,
} from './engine/createEngineProxy.ts'
export {
  type CreateWorkerEngineParameters,
  createWorkerEngine,
} from './engine/createWorkerEngine.ts'
export type {
  BackendDecision,
  BackendSelfTest,
  BenchmarkParameters,
  BenchmarkReturnType,
  CallOptions,
  Engine,
  EngineEvent,
  EngineInfo,
  EngineInitParameters,
  EngineListener,
  EngineState,
  EngineStatus,
  LoadedModel,
  LoadModelOptions,
  LoadProgress,
  RunBatchItem,
  RunBatchItemResult,
  RunBatchParameters,
  RunBatchReturnType,
  RunParameters,
  RunReturnType,
} from './engine/Engine.ts'
export type { EngineRequest, EngineResponse } from './engine/EngineMessage.ts'
export type {
  ModelSource,
  ModelSourceGetOptions,
  ModelSourceProgress,
} from './engine/ModelSource.ts'
export { MAX_RUN_BATCH_ITEMS } from './engine/maxRunBatchItems.ts'
export { toBackendReports } from './engine/toBackendReports.ts'
export { createWorkerHasher, type WorkerHasher } from './hash/createWorkerHasher.ts'
export * from './models/index.ts'
