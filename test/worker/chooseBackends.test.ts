import { describe, expect, test } from 'vitest'
import type { DetectCapabilitiesReturnType } from '../../src/worker/detectCapabilities.ts'
import { backends } from '../../src/worker/engine/backends.ts'
import { chooseBackends } from '../../src/worker/engine/chooseBackends.ts'

const gpu = (isFallbackAdapter: boolean): DetectCapabilitiesReturnType['webgpu'] => ({
  available: true,
  vendor: isFallbackAdapter ? 'google' : 'nvidia',
  architecture: isFallbackAdapter ? 'swiftshader' : 'ada',
  description: '',
  isFallbackAdapter,
  shaderF16: !isFallbackAdapter,
  maxBufferSize: 2 ** 30,
})

function capabilities(
  overrides: Partial<DetectCapabilitiesReturnType> = {},
): DetectCapabilitiesReturnType {
  return {
    crossOriginIsolated: true,
    wasmThreads: 4,
    hardwareConcurrency: 8,
    webgpu: gpu(false),
    secureContext: true,
    ...overrides,
  }
}

describe('backends', () => {
  test('default: one table from backend names to execution providers', () => {
    expect(backends).toMatchInlineSnapshot(`
      {
        "wasm": {
          "executionProviders": [
            "wasm",
          ],
          "supported": true,
        },
        "webgpu": {
          "executionProviders": [
            "webgpu",
          ],
          "supported": true,
        },
        "webnn": {
          "executionProviders": [
            "webnn",
          ],
          "supported": false,
          "unsupportedReason": "reserved: WebNN is not enabled in this engine yet (onnxruntime-web has a WebNN EP; it needs its own self-tests and tests).",
        },
      }
    `)
  })
})

describe('chooseBackends', () => {
  test('default: a real GPU adapter goes first, then WASM', () => {
    const { order, decisions } = chooseBackends({ capabilities: capabilities(), wasmThreads: 4 })
    expect(order).toEqual(['webgpu', 'wasm'])
    expect(decisions.map((d) => [d.backend, d.available, d.enabled])).toEqual([
      ['webgpu', true, true],
      ['wasm', true, true],
      ['webnn', false, false],
    ])
    expect(decisions[0]?.reason).toBe(
      'Adapter nvidia / ada, shader-f16, isFallbackAdapter false. Preferred: a real GPU adapter.',
    )
    expect(decisions[1]?.reason).toBe(
      'WebAssembly SIMD, 4 threads of 8 cores (page is cross-origin isolated, SharedArrayBuffer available).',
    )
  })

  test('behavior: no adapter means WASM, and says why', () => {
    const { order, decisions } = chooseBackends({
      capabilities: capabilities({ webgpu: { available: false, reason: 'No WebGPU adapter.' } }),
      wasmThreads: 4,
    })
    expect(order).toEqual(['wasm'])
    expect(decisions[0]).toMatchObject({
      available: false,
      enabled: false,
      reason: 'No WebGPU: No WebGPU adapter.',
    })
  })

  test('behavior: a software fallback adapter is available but only used when asked for', () => {
    const fallback = capabilities({ webgpu: gpu(true) })
    const byDefault = chooseBackends({ capabilities: fallback, wasmThreads: 2 })
    expect(byDefault.order).toEqual(['wasm'])
    expect(byDefault.decisions[0]).toMatchObject({ available: true, enabled: false })
    expect(byDefault.decisions[0]?.reason).toMatch(
      /^Adapter google \/ swiftshader, no shader-f16, isFallbackAdapter true\. A software fallback adapter is correct but 40-100x slower than WASM: not used unless requested\.$/,
    )
    const asked = chooseBackends({
      capabilities: fallback,
      wasmThreads: 2,
      requested: ['webgpu', 'wasm'],
    })
    expect(asked.order).toEqual(['webgpu', 'wasm'])
    expect(asked.decisions[0]?.reason).toMatch(/used because requested\.$/)
  })

  test('behavior: a requested order is kept; unavailable and repeated entries are dropped', () => {
    const { order } = chooseBackends({
      capabilities: capabilities(),
      wasmThreads: 4,
      requested: ['wasm', 'webnn', 'wasm', 'webgpu'],
    })
    expect(order).toEqual(['wasm', 'webgpu'])
  })

  test('behavior: not cross-origin isolated means one WASM thread', () => {
    const { decisions } = chooseBackends({
      capabilities: capabilities({ crossOriginIsolated: false, wasmThreads: 1 }),
      wasmThreads: 1,
    })
    expect(decisions[1]?.reason).toBe(
      'WebAssembly SIMD, 1 thread (page is not cross-origin isolated: no SharedArrayBuffer, so no WASM threads).',
    )
  })
})
