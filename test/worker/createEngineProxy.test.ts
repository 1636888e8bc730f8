/**
 * The page <-> worker boundary in Node: the proxy and the worker host (serveEngine) talk over a
 * real MessageChannel (structured clone and transfer, as with a Worker), with the engine running
 * onnxruntime-node underneath (fakeOrtRuntime.ts).
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, test } from 'vitest'
import { EngineError } from '../../src/protocol/errors/EngineError.ts'
import { TensorError } from '../../src/protocol/errors/TensorError.ts'
import { WebGpuUnavailableError } from '../../src/protocol/errors/WebGpuUnavailableError.ts'
import {
  createEngineProxy,
  type EngineEndpoint,
} from '../../src/worker/engine/createEngineProxy.ts'
import type { EngineEvent } from '../../src/worker/engine/Engine.ts'
import { type EngineHostScope, serveEngine } from '../../src/worker/engine/serveEngine.ts'
import { buildManifest, modelBytes, runNode, testModels } from './engineModels.ts'
import { type Behavior, engineWith } from './fakeOrtRuntime.ts'

function connect(behavior: Partial<Record<string, Behavior>> = {}, webgpu = false) {
  const host = engineWith(behavior, webgpu)
  const { port1, port2 } = new MessageChannel()
  serveEngine(port2 as unknown as EngineHostScope, host.engine)
  port2.start()
  port1.start()
  let fetches = 0
  const proxy = createEngineProxy({
    worker: port1 as unknown as EngineEndpoint,
    modelSource: {
      async get(_manifest, options) {
        fetches++
        const bytes = modelBytes('silero')
        options?.onProgress?.({ loadedBytes: bytes.byteLength, totalBytes: bytes.byteLength })
        return bytes
      },
    },
    disposeTimeoutMs: 500,
  })
  return { proxy, host, close: () => port1.close(), fetches: () => fetches }
}

describe('createEngineProxy + serveEngine', () => {
  test('default: loads and runs across the boundary, transferring tensors both ways', async () => {
    const { proxy, fetches, close } = connect()
    const manifest = await buildManifest('silero')
    const progress: string[] = []
    const loaded = await proxy.loadModel(manifest, {
      onProgress: (p) =>
        progress.push(p.phase === 'download' ? p.phase : `${p.phase}:${p.backend}`),
    })
    expect(progress).toEqual(['download', 'session:wasm', 'self-test:wasm'])
    expect(loaded).toMatchObject({ modelId: manifest.id, preferredBackend: 'wasm' })
    // A second load is answered from the proxy's cache: no second download.
    expect(await proxy.loadModel(manifest)).toEqual(loaded)
    expect(fetches()).toBe(1)

    const inputs = testModels.silero.makeInputs({ samples: 512 }, 21)
    const reference = await runNode('silero', inputs)
    const audio = inputs.input?.data
    const result = await proxy.run({ modelId: manifest.id, inputs })
    // Zero copy: the input buffers moved to the other side (detached here).
    expect(audio?.byteLength).toBe(0)
    expect(result.outputs).toEqual(reference)
    expect(result.backend).toBe('wasm')
    expect(result.inferenceMs).toBeGreaterThan(0)

    const kept = testModels.silero.makeInputs({ samples: 512 }, 21)
    await proxy.run({ modelId: manifest.id, inputs: kept, transfer: false })
    expect(kept.input?.data.byteLength).toBe(2048)
    await proxy.dispose()
    close()
  })

  test('behavior: errors are rebuilt with their class, code and details', async () => {
    const { proxy, close } = connect()
    const manifest = await buildManifest('silero')
    const inputs = () => testModels.silero.makeInputs({ samples: 512 }, 1)
    const notLoaded = await proxy.run({ modelId: manifest.id, inputs: inputs() }).catch((e) => e)
    expect(notLoaded).toBeInstanceOf(EngineError)
    expect(notLoaded).toMatchObject({
      name: 'EngineError',
      code: 'ENGINE_MODEL_NOT_LOADED',
      details: { modelId: manifest.id },
      shortMessage: 'The model is not loaded.',
    })
    await proxy.loadModel(manifest)
    const malformed = await proxy
      .run({
        modelId: manifest.id,
        inputs: { ...inputs(), sr: { dtype: 'int64', dims: [], data: new Uint8Array(3) } },
      })
      .catch((e) => e)
    expect(malformed).toBeInstanceOf(TensorError)
    expect(malformed).toMatchObject({
      code: 'TENSOR_SIZE_MISMATCH',
      details: { path: 'inputs["sr"]' },
    })
    const webgpu = await proxy
      .run({ modelId: manifest.id, inputs: inputs(), backend: 'webgpu' })
      .catch((e) => e)
    expect(webgpu).toBeInstanceOf(WebGpuUnavailableError)
    expect(webgpu).toMatchObject({
      code: 'WEBGPU_UNAVAILABLE',
      details: { reason: 'No WebGPU adapter.' },
    })
    await proxy.dispose()
    close()
  })

  test('runBatch: one call each way; per-item outputs, and per-item errors rebuilt with their class', async () => {
    const { proxy, close } = connect()
    const manifest = await buildManifest('silero')
    await proxy.loadModel(manifest)
    const a = testModels.silero.makeInputs({ samples: 512 }, 31)
    const b = testModels.silero.makeInputs({ samples: 512 }, 32)
    const [refA, refB] = await Promise.all([runNode('silero', a), runNode('silero', b)])
    const bufferA = a.input?.data
    const batch = await proxy.runBatch({
      modelId: manifest.id,
      items: [
        { inputs: a },
        { inputs: { ...b, sr: { dtype: 'int64', dims: [], data: new Uint8Array(3) } } },
        { inputs: b },
      ],
    })
    // Transferred: the inputs moved to the worker.
    expect(bufferA?.byteLength).toBe(0)
    expect(batch.backend).toBe('wasm')
    const [first, bad, third] = batch.items
    expect(first?.ok && first.outputs).toEqual(refA)
    expect(third?.ok && third.outputs).toEqual(refB)
    expect(bad?.ok).toBe(false)
    const error = bad?.ok === false ? bad.error : undefined
    expect(error).toBeInstanceOf(TensorError)
    expect(error).toMatchObject({ code: 'TENSOR_SIZE_MISMATCH', details: { path: 'inputs["sr"]' } })

    const kept = testModels.silero.makeInputs({ samples: 512 }, 33)
    await proxy.runBatch({ modelId: manifest.id, items: [{ inputs: kept }], transfer: false })
    expect(kept.input?.data.byteLength).toBe(2048)
    const notLoaded = await proxy
      .runBatch({ modelId: `0x${'cd'.repeat(32)}`, items: [{ inputs: kept }] })
      .catch((e: unknown) => e)
    expect(notLoaded).toBeInstanceOf(EngineError)
    expect(notLoaded).toMatchObject({ code: 'ENGINE_MODEL_NOT_LOADED' })
    await proxy.dispose()
    close()
  })

  test('behavior: an aborted queued run is dropped in the worker, never run', async () => {
    const { proxy, host, close } = connect()
    const manifest = await buildManifest('silero')
    await proxy.loadModel(manifest)
    const runsBefore = host.runs.length
    await proxy.pause()
    const controller = new AbortController()
    const queued = proxy.run({
      modelId: manifest.id,
      inputs: testModels.silero.makeInputs({ samples: 512 }, 1),
      signal: controller.signal,
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await proxy.getStatus()).queued).toBe(1)
    controller.abort()
    await expect(queued).rejects.toMatchObject({ name: 'EngineError', code: 'ENGINE_ABORTED' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await proxy.getStatus()).queued).toBe(0)
    await proxy.resume()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(host.runs.length).toBe(runsBefore)
    await proxy.dispose()
    close()
  })

  test('behavior: engine events reach subscribers; unsubscribing stops them', async () => {
    const { proxy, close } = connect({ webgpu: 'wrong' }, true)
    const events: EngineEvent[] = []
    const unsubscribe = proxy.subscribe((event) => events.push(event))
    await new Promise((resolve) => setTimeout(resolve, 10))
    const manifest = await buildManifest('silero')
    await proxy.loadModel(manifest)
    await proxy.pause()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const selfTests = events.flatMap((e) => (e.type === 'self-test' ? [e.result] : []))
    expect(selfTests.map((r) => [r.backend, r.passed])).toEqual([
      ['webgpu', false],
      ['wasm', true],
    ])
    expect(events.some((e) => e.type === 'model-loaded')).toBe(true)
    expect(events.some((e) => e.type === 'status' && e.status.state === 'paused')).toBe(true)
    unsubscribe()
    await new Promise((resolve) => setTimeout(resolve, 10))
    const count = events.length
    await proxy.resume()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(events.length).toBe(count)
    await proxy.dispose()
    close()
  })

  test('error: a worker error fails pending and later calls with ENGINE_WORKER_CRASHED', async () => {
    const endpoint = Object.assign(new EventTarget(), {
      posted: [] as unknown[],
      terminated: false,
      postMessage(message: unknown) {
        this.posted.push(message)
      },
      terminate() {
        this.terminated = true
      },
    })
    const proxy = createEngineProxy({
      worker: endpoint as unknown as EngineEndpoint,
      modelSource: { get: async () => new Uint8Array() },
    })
    const events: EngineEvent['type'][] = []
    proxy.subscribe((event) => events.push(event.type))
    const pending = proxy.init()
    endpoint.dispatchEvent(
      Object.assign(new Event('error', { cancelable: true }), { message: 'boom' }),
    )
    const error = await pending.catch((e) => e)
    expect(error).toBeInstanceOf(EngineError)
    expect(error).toMatchObject({ code: 'ENGINE_WORKER_CRASHED', details: { message: 'boom' } })
    await expect(proxy.pause()).rejects.toMatchObject({ code: 'ENGINE_WORKER_CRASHED' })
    expect((await proxy.getStatus()).state).toBe('crashed')
    expect(events).toEqual(['crashed', 'status'])
    expect(endpoint.terminated).toBe(true)
  })

  test('behavior: dispose fails pending calls, ends the worker, and later calls fail', async () => {
    const { proxy, close } = connect()
    const manifest = await buildManifest('silero')
    await proxy.loadModel(manifest)
    await proxy.pause()
    const pending = proxy
      .run({ modelId: manifest.id, inputs: testModels.silero.makeInputs({ samples: 512 }, 1) })
      .catch((e: unknown) => e)
    await proxy.dispose()
    expect(await pending).toMatchObject({ name: 'EngineError', code: 'ENGINE_DISPOSED' })
    await expect(proxy.init()).rejects.toMatchObject({ code: 'ENGINE_DISPOSED' })
    expect((await proxy.getStatus()).state).toBe('disposed')
    close()
  })
})
