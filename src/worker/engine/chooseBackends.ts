import type { Backend } from '../../protocol/messages.ts'
import type { DetectCapabilitiesReturnType } from '../detectCapabilities.ts'
import { backendNames, backends } from './backends.ts'
import type { BackendDecision } from './Engine.ts'

export type ChooseBackendsParameters = {
  capabilities: DetectCapabilitiesReturnType
  /** WASM threads the engine will set (ort.env.wasm.numThreads). */
  wasmThreads: number
  /** An explicit preference from the caller; default: WebGPU (real adapters only), then WASM. */
  requested?: readonly Backend[] | undefined
}

export type ChooseBackendsReturnType = {
  decisions: BackendDecision[]
  /** Enabled backends, best first. */
  order: Backend[]
}

/**
 * Decides, from measured platform facts, which backends to use and in what order, and says why
 * for each (the UI shows it, the worker's hello reports it). WebGPU first when there is an
 * adapter, else WASM. One exception to "WebGPU first": a software fallback adapter (SwiftShader,
 * isFallbackAdapter) is correct but 40-100x slower than WASM, so it is only used when asked for.
 */
export function chooseBackends(parameters: ChooseBackendsParameters): ChooseBackendsReturnType {
  const { capabilities, wasmThreads, requested } = parameters
  const { webgpu } = capabilities
  const available = (backend: Backend): boolean =>
    backends[backend].supported && (backend !== 'webgpu' || webgpu.available)
  const defaultOrder = backendNames.filter(
    (backend) => backend !== 'webgpu' || (webgpu.available && !webgpu.isFallbackAdapter),
  )
  const wanted = requested ? dedupe(requested) : defaultOrder
  const order = wanted.filter(available)

  const decisions = backendNames.map((backend): BackendDecision => {
    const entry = backends[backend]
    const enabled = order.includes(backend)
    return {
      backend,
      available: available(backend),
      enabled,
      reason: reasonFor(backend, {
        capabilities,
        wasmThreads,
        enabled,
        requested: requested?.includes(backend) === true,
        explicit: requested !== undefined,
      }),
      executionProviders: entry.executionProviders,
    }
  })
  return { decisions, order }
}

function dedupe(list: readonly Backend[]): Backend[] {
  return [...new Set(list)].filter((backend) => Object.hasOwn(backends, backend))
}

type ReasonContext = {
  capabilities: DetectCapabilitiesReturnType
  wasmThreads: number
  enabled: boolean
  requested: boolean
  explicit: boolean
}

function reasonFor(backend: Backend, context: ReasonContext): string {
  const { capabilities, wasmThreads, enabled, requested, explicit } = context
  const entry = backends[backend]
  if (!entry.supported) return entry.unsupportedReason ?? 'not supported by this engine'
  const notRequested = explicit && !requested ? ' Not in the requested backends.' : ''
  if (backend === 'webgpu') {
    const { webgpu } = capabilities
    if (!webgpu.available) return `No WebGPU: ${webgpu.reason}`
    const adapter = `Adapter ${webgpu.vendor || 'unknown vendor'} / ${webgpu.architecture || 'unknown architecture'}${webgpu.description ? ` (${webgpu.description})` : ''}, ${webgpu.shaderF16 ? 'shader-f16' : 'no shader-f16'}, isFallbackAdapter ${webgpu.isFallbackAdapter}.`
    if (webgpu.isFallbackAdapter && !requested) {
      return `${adapter} A software fallback adapter is correct but 40-100x slower than WASM: not used unless requested.${notRequested}`
    }
    if (webgpu.isFallbackAdapter)
      return `${adapter} Software fallback adapter, used because requested.`
    return `${adapter}${enabled ? ' Preferred: a real GPU adapter.' : notRequested}`
  }
  if (backend === 'wasm') {
    const threads = capabilities.crossOriginIsolated
      ? `${wasmThreads} thread${wasmThreads === 1 ? '' : 's'} of ${capabilities.hardwareConcurrency} cores (page is cross-origin isolated, SharedArrayBuffer available)`
      : '1 thread (page is not cross-origin isolated: no SharedArrayBuffer, so no WASM threads)'
    return `WebAssembly SIMD, ${threads}.${enabled ? '' : notRequested}`
  }
  return enabled ? 'enabled' : `not enabled.${notRequested}`
}
