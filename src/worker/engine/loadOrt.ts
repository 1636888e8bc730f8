// Vite emits the WebAssembly binaries as hashed files under assets/ and gives their URLs, so the
// gateway serves them same-origin (with the cross-origin isolation headers); nothing from a CDN.
// Only the .wasm files are needed: each bundle build embeds its Emscripten glue (.mjs).
import nativeWebGpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url'
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import { EngineError } from '../../protocol/errors/EngineError.ts'

export type Ort = typeof import('onnxruntime-web')

/**
 * - 'default': `onnxruntime-web`, the JS WebGPU EP (JSEP) + WASM. Correct on our models: used for
 *   every backend.
 * - 'webgpu-native': `onnxruntime-web/webgpu`, the new native WebGPU EP. Experimental and off by
 *   default: in 1.30 it returns WRONG Silero VAD outputs (0.697 for 0.2076), which the self-test
 *   catches. Kept so that a newer onnxruntime-web can be checked with one flag.
 */
export type OrtBuild = 'default' | 'webgpu-native'

export type LoadOrtParameters = {
  /** ort.env.wasm.numThreads: onnxruntime reads it once, at its first session. */
  wasmThreads: number
  build?: OrtBuild
}

export type LoadOrtErrorType = EngineError

/**
 * Loads onnxruntime-web with a dynamic import, so it is a chunk of its own that only the engine's
 * worker fetches, and configures it before any session exists. proxy is off: we already are in a
 * worker, and ORT's proxy would add a second one and a copy of every tensor.
 */
export async function loadOrt(parameters: LoadOrtParameters): Promise<Ort> {
  const { build = 'default' } = parameters
  let ort: Ort
  try {
    ort =
      build === 'default' ? await import('onnxruntime-web') : await import('onnxruntime-web/webgpu')
  } catch (error) {
    throw new EngineError('onnxruntime-web could not be loaded.', {
      code: 'ENGINE_RUNTIME_LOAD_FAILED',
      cause: error,
      details: { build, message: error instanceof Error ? error.message : String(error) },
    })
  }
  const wasmUrl = build === 'default' ? ortWasmUrl : nativeWebGpuWasmUrl
  ort.env.wasm.numThreads = parameters.wasmThreads
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, globalThis.location.href).href }
  // ORT's warnings (WebGPU op fallbacks) would otherwise reach the console as errors.
  ort.env.logLevel = 'error'
  return ort
}
