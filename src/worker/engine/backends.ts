import type { Backend } from '../../protocol/messages.ts'

export type BackendEntry = {
  /** onnxruntime-web execution providers, in order (session options `executionProviders`). */
  executionProviders: readonly string[]
  /** Whether this engine can run the backend at all (the browser decides the rest). */
  supported: boolean
  /** Why a supported: false backend is not used; shown in EngineInfo. */
  unsupportedReason?: string
}

/**
 * The one table from our backend names to onnxruntime-web execution providers (after
 * transformers.js's device table). Everything else (detection, order, self-test, run) reads it.
 * All of them come from the default `onnxruntime-web` import: its JS WebGPU EP is correct on our
 * models, while the native EP of `onnxruntime-web/webgpu` (1.30) returns wrong Silero VAD outputs.
 */
export const backends: Readonly<Record<Backend, BackendEntry>> = {
  webgpu: { executionProviders: ['webgpu'], supported: true },
  wasm: { executionProviders: ['wasm'], supported: true },
  webnn: {
    executionProviders: ['webnn'],
    supported: false,
    unsupportedReason:
      'reserved: WebNN is not enabled in this engine yet (onnxruntime-web has a WebNN EP; it needs its own self-tests and tests).',
  },
}

/** The table's order: also the default preference. */
export const backendNames = Object.keys(backends) as Backend[]
