/**
 * onnxruntime-node dressed as onnxruntime-web (the same API), with a scripted platform, so the
 * engine's logic runs in Node: each execution provider can be made to work, to return wrong
 * numbers (a silently broken backend) or to fail at session creation.
 */
import ortNode from 'onnxruntime-node'
import type { DetectCapabilitiesReturnType } from '../../src/worker/detectCapabilities.ts'
import { createOrtEngine } from '../../src/worker/engine/createOrtEngine.ts'
import type { Ort } from '../../src/worker/engine/loadOrt.ts'
import { modelBytes } from './engineModels.ts'

export type Behavior = 'ok' | 'wrong' | 'throws'

/** onnxruntime-node shaped as onnxruntime-web; each execution provider behaves as scripted. */
export function fakeRuntime(behavior: Partial<Record<string, Behavior>> = {}) {
  const created: string[] = []
  /** Runs wait for this (tests replace it to hold a run "in progress"). */
  const gate = { open: Promise.resolve() }
  const released: string[] = []
  /** session.run calls, per execution provider. */
  const runs: string[] = []
  /** Runs whose feeds this predicate picks throw, as a broken kernel would. */
  const failing: { when?: (feeds: ortNode.InferenceSession.FeedsType) => boolean } = {}
  const runtime = {
    env: { versions: { common: '1.30.0', web: '1.30.0-node' }, wasm: {} },
    Tensor: ortNode.Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, options: { executionProviders: string[] }) {
        const ep = options.executionProviders[0] ?? 'none'
        if (behavior[ep] === 'throws') throw new Error(`no kernel for ${ep}`)
        const session = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1 })
        created.push(ep)
        return {
          async run(feeds: ortNode.InferenceSession.FeedsType, names: string[]) {
            await gate.open
            runs.push(ep)
            if (failing.when?.(feeds)) throw new Error(`kernel failed on ${ep}`)
            const results = await session.run(feeds, names)
            if (behavior[ep] !== 'wrong') return results
            // A backend that is silently wrong: every float off by 0.25.
            for (const tensor of Object.values(results)) {
              if (tensor.data instanceof Float32Array)
                for (let i = 0; i < tensor.data.length; i++)
                  tensor.data[i] = (tensor.data[i] ?? 0) + 0.25
            }
            return results
          },
          async release() {
            released.push(ep)
            await session.release()
          },
        }
      },
    },
  }
  return { runtime: runtime as unknown as Ort, created, released, runs, gate, failing }
}

export const platform =
  (webgpu: boolean): (() => Promise<DetectCapabilitiesReturnType>) =>
  async () => ({
    crossOriginIsolated: true,
    wasmThreads: 2,
    hardwareConcurrency: 2,
    secureContext: true,
    webgpu: webgpu
      ? {
          available: true,
          vendor: 'test',
          architecture: 'gpu',
          description: '',
          isFallbackAdapter: false,
          shaderF16: false,
          maxBufferSize: 2 ** 28,
        }
      : { available: false, reason: 'No WebGPU adapter.' },
  })

export function engineWith(behavior: Partial<Record<string, Behavior>>, webgpu = true) {
  const fake = fakeRuntime(behavior)
  const threads: number[] = []
  const engine = createOrtEngine({
    detect: platform(webgpu),
    loadRuntime: async ({ wasmThreads }) => {
      threads.push(wasmThreads)
      return fake.runtime
    },
    modelSource: {
      async get(_manifest, options) {
        const bytes = modelBytes('silero')
        options?.onProgress?.({ loadedBytes: bytes.byteLength, totalBytes: bytes.byteLength })
        return bytes
      },
    },
    statusIntervalMs: 1,
  })
  return { engine, threads, ...fake }
}
