/**
 * What this browser can offer the grid, read from the platform itself (never from a claim).
 * The engine's backend table (WebGPU, WASM, later WebNN) is chosen from these facts.
 */

export type WebGpuCapability =
  | { available: false; reason: string }
  | {
      available: true
      vendor: string
      architecture: string
      description: string
      isFallbackAdapter: boolean
      shaderF16: boolean
      maxBufferSize: number
    }

export type DetectCapabilitiesReturnType = {
  /** Page is cross-origin isolated: SharedArrayBuffer works, so WASM can use threads. */
  crossOriginIsolated: boolean
  /** Threads WASM may use: 1 unless isolated; never more than the cores the browser reports. */
  wasmThreads: number
  hardwareConcurrency: number
  webgpu: WebGpuCapability
  secureContext: boolean
}

export type DetectCapabilitiesParameters = {
  signal?: AbortSignal
  /** Ceiling on WASM threads; leave cores for the page and the libp2p node. */
  maxWasmThreads?: number
}

export async function detectCapabilities(
  parameters: DetectCapabilitiesParameters = {},
): Promise<DetectCapabilitiesReturnType> {
  const { maxWasmThreads = 4 } = parameters
  const isolated = globalThis.crossOriginIsolated === true
  const cores = navigator.hardwareConcurrency || 1
  const webgpu = await probeWebGpu(parameters.signal)
  return {
    crossOriginIsolated: isolated,
    wasmThreads: isolated ? Math.max(1, Math.min(maxWasmThreads, cores)) : 1,
    hardwareConcurrency: cores,
    webgpu,
    secureContext: globalThis.isSecureContext === true,
  }
}

async function probeWebGpu(signal?: AbortSignal): Promise<WebGpuCapability> {
  // navigator.gpu only exists in secure contexts (https or localhost).
  if (!('gpu' in navigator) || !navigator.gpu) {
    return {
      available: false,
      reason: globalThis.isSecureContext
        ? 'This browser does not expose WebGPU (navigator.gpu is missing).'
        : 'WebGPU needs a secure context (https or localhost).',
    }
  }
  signal?.throwIfAborted()
  let adapter: GPUAdapter | null
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' })
  } catch (error) {
    return { available: false, reason: `requestAdapter failed: ${String(error)}` }
  }
  signal?.throwIfAborted()
  if (!adapter) {
    return { available: false, reason: 'No WebGPU adapter (GPU blocklisted, or disabled).' }
  }
  const info = adapter.info
  return {
    available: true,
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter === true,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
  }
}
