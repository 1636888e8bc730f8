/**
 * The engine's logic (backend order, self-test, fallback, runs, unload, dispose) in Node, with
 * onnxruntime-node standing in for onnxruntime-web (the same API) and a scripted platform. The
 * 'webgpu' backend here is onnxruntime-node CPU, optionally made wrong on purpose; the real
 * browser backends are covered by test/e2e/engine*.spec.ts.
 */
import { describe, expect, test } from 'vitest'
import { EngineError } from '../../src/protocol/errors/EngineError.ts'
import { WebGpuUnavailableError } from '../../src/protocol/errors/WebGpuUnavailableError.ts'
import type { EngineEvent } from '../../src/worker/engine/Engine.ts'
import { buildManifest, runNode, testModels } from './engineModels.ts'
import { engineWith } from './fakeOrtRuntime.ts'

describe('createOrtEngine', () => {
  test('default: self-tests every enabled backend, prefers WebGPU, runs like onnxruntime-node', async () => {
    const { engine, threads } = engineWith({})
    const manifest = await buildManifest('silero')
    const info = await engine.init()
    expect(info.order).toEqual(['webgpu', 'wasm'])
    expect(threads).toEqual([2])
    const events: EngineEvent['type'][] = []
    engine.subscribe((event) => events.push(event.type))
    const progress: string[] = []
    const loaded = await engine.loadModel(manifest, {
      onProgress: (p) =>
        progress.push(p.phase === 'download' ? p.phase : `${p.phase}:${p.backend}`),
    })
    expect(progress).toEqual([
      'download',
      'session:webgpu',
      'self-test:webgpu',
      'session:wasm',
      'self-test:wasm',
    ])
    expect(loaded.preferredBackend).toBe('webgpu')
    expect(loaded.backends.map((b) => [b.backend, b.passed])).toEqual([
      ['webgpu', true],
      ['wasm', true],
    ])
    expect(loaded.backends[0]?.outputs.output).toMatchObject({
      ok: true,
      metric: { name: 'maxAbsDiff', value: 0 },
    })
    expect(events).toContain('model-loaded')
    expect(events.filter((e) => e === 'self-test')).toHaveLength(2)

    const inputs = testModels.silero.makeInputs({ samples: 512 }, 11)
    const run = await engine.run({ modelId: manifest.id, inputs })
    expect(run.backend).toBe('webgpu')
    expect(run.outputs).toEqual(await runNode('silero', inputs))
    expect((await engine.run({ modelId: manifest.id, inputs, backend: 'wasm' })).backend).toBe(
      'wasm',
    )
    await engine.dispose()
  })

  test('behavior: a backend that returns wrong numbers is refused; the model falls back', async () => {
    const { engine, released } = engineWith({ webgpu: 'wrong' })
    const manifest = await buildManifest('silero')
    const loaded = await engine.loadModel(manifest)
    expect(loaded.preferredBackend).toBe('wasm')
    expect(loaded.backends[0]).toMatchObject({ backend: 'webgpu', passed: false })
    expect(loaded.backends[0]?.reason).toMatch(
      /^Known answer NOT reproduced for "output", "stateN"/,
    )
    // The refused backend's session is released at once.
    expect(released).toEqual(['webgpu'])
    const inputs = testModels.silero.makeInputs({ samples: 512 }, 11)
    expect((await engine.run({ modelId: manifest.id, inputs })).backend).toBe('wasm')
    await expect(
      engine.run({ modelId: manifest.id, inputs, backend: 'webgpu' }),
    ).rejects.toMatchObject({
      code: 'ENGINE_BACKEND_UNAVAILABLE',
      details: { backend: 'webgpu', reason: loaded.backends[0]?.reason },
    })
    await engine.dispose()
    expect(released).toEqual(['webgpu', 'wasm'])
  })

  test('behavior: a backend that cannot create the session is refused with the reason', async () => {
    const { engine } = engineWith({ webgpu: 'throws' })
    const loaded = await engine.loadModel(await buildManifest('silero'))
    expect(loaded.backends[0]).toMatchObject({
      backend: 'webgpu',
      passed: false,
      reason: 'Session creation failed: no kernel for webgpu',
    })
    expect(loaded.preferredBackend).toBe('wasm')
    await engine.dispose()
  })

  test('error: no backend reproduces the known answer', async () => {
    const { engine } = engineWith({ webgpu: 'wrong', wasm: 'wrong' })
    const manifest = await buildManifest('silero')
    const error = await engine.loadModel(manifest).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EngineError)
    expect(error).toMatchObject({
      code: 'ENGINE_SELF_TEST_FAILED',
      details: { modelId: manifest.id, model: 'silero-vad-v5' },
    })
    expect((error as EngineError).details.wasm).toMatch(/^Known answer NOT reproduced/)
    await expect(
      engine.run({ modelId: manifest.id, inputs: manifest.knownAnswer.inputs }),
    ).rejects.toMatchObject({ code: 'ENGINE_MODEL_NOT_LOADED' })
  })

  test('error: WebGPU asked for where there is none', async () => {
    const { engine } = engineWith({}, false)
    const manifest = await buildManifest('silero')
    await expect(engine.loadModel(manifest, { backends: ['webgpu'] })).rejects.toBeInstanceOf(
      WebGpuUnavailableError,
    )
    // init is idempotent (loadModel ran it with defaults above): ask a fresh engine.
    const fresh = engineWith({}, false).engine
    await expect(fresh.init({ backends: ['webgpu'] })).rejects.toMatchObject({
      name: 'WebGpuUnavailableError',
      code: 'WEBGPU_UNAVAILABLE',
      details: { reason: 'No WebGPU adapter.' },
    })
  })

  test('behavior: unloading releases the sessions after the running run; queued runs fail', async () => {
    const { engine, released, gate } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest, { backends: ['wasm'] })
    const inputs = manifest.knownAnswer.inputs
    let open: () => void = () => {}
    gate.open = new Promise((resolve) => {
      open = resolve
    })
    const running = engine.run({ modelId: manifest.id, inputs })
    const queued = engine.run({ modelId: manifest.id, inputs })
    await new Promise((resolve) => setTimeout(resolve, 10))
    const unloaded = engine.unloadModel(manifest.id)
    await new Promise((resolve) => setTimeout(resolve, 10))
    // The session is still in use: not released yet.
    expect(released).toEqual([])
    open()
    expect((await running).outputs.output?.dims).toEqual([1, 1])
    await expect(queued).rejects.toMatchObject({ code: 'ENGINE_MODEL_NOT_LOADED' })
    await unloaded
    expect(released).toEqual(['wasm'])
    expect((await engine.getStatus()).models).toEqual([])
  })

  test('behavior: dispose fails waiting calls and every later one with ENGINE_DISPOSED', async () => {
    const { engine } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest)
    await engine.pause()
    const waiting = engine.run({ modelId: manifest.id, inputs: manifest.knownAnswer.inputs })
    await new Promise((resolve) => setTimeout(resolve, 0))
    await engine.dispose()
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_DISPOSED' })
    await expect(engine.resume()).rejects.toMatchObject({ code: 'ENGINE_DISPOSED' })
    expect((await engine.getStatus()).state).toBe('disposed')
  })

  test('behavior: benchmark times raw session.run calls', async () => {
    const { engine } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest, { backends: ['wasm'] })
    const result = await engine.benchmark({
      modelId: manifest.id,
      inputs: manifest.knownAnswer.inputs,
      iterations: 5,
    })
    expect(result.backend).toBe('wasm')
    expect(result.runMs).toHaveLength(5)
    expect(result.runMs.every((ms) => ms > 0)).toBe(true)
    await expect(
      engine.benchmark({
        modelId: manifest.id,
        inputs: manifest.knownAnswer.inputs,
        iterations: 0,
      }),
    ).rejects.toMatchObject({ code: 'ENGINE_INVALID_ARGUMENT' })
    await engine.dispose()
  })

  test('runBatch: outputs equal single runs byte for byte, one queue task with per-item timings', async () => {
    const { engine, runs } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest, { backends: ['wasm'] })
    const inputs = [1, 2, 3, 4, 5].map((seed) =>
      testModels.silero.makeInputs({ samples: 512 }, seed),
    )
    const singles = []
    for (const item of inputs)
      singles.push(await engine.run({ modelId: manifest.id, inputs: item }))
    const before = (await engine.getStatus()).computeMs
    const runsBefore = runs.length
    const batch = await engine.runBatch({
      modelId: manifest.id,
      items: inputs.map((item, i) => ({ inputs: item, outputNames: i === 0 ? ['output'] : [] })),
    })
    const computed = (await engine.getStatus()).computeMs - before
    expect(batch.backend).toBe('wasm')
    expect(runs.length - runsBefore).toBe(5)
    const items = batch.items.map((item) => {
      if (!item.ok) throw item.error
      return item
    })
    expect(Object.keys(items[0]?.outputs ?? {})).toEqual(['output'])
    expect(items[0]?.outputs.output).toEqual(singles[0]?.outputs.output)
    for (let i = 1; i < 5; i++) expect(items[i]?.outputs).toEqual(singles[i]?.outputs)
    // Each item is timed on its own; later items waited for the earlier ones.
    for (const item of items) expect(item.inferenceMs).toBeGreaterThan(0)
    const queued = items.map((item) => item.queueMs)
    expect(queued).toEqual([...queued].sort((a, b) => a - b))
    expect(queued[4]).toBeGreaterThanOrEqual(
      (queued[0] ?? 0) + items.slice(0, 4).reduce((sum, item) => sum + item.inferenceMs, 0),
    )
    // The duty cycle sees the batch as one task of its summed time.
    expect(computed).toBeGreaterThanOrEqual(items.reduce((sum, item) => sum + item.inferenceMs, 0))
    await engine.dispose()
  })

  test('runBatch error: a bad or failing item fails alone with a typed error; the others run', async () => {
    const { engine, failing } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest, { backends: ['wasm'] })
    const good = testModels.silero.makeInputs({ samples: 512 }, 7)
    const reference = await runNode('silero', good)
    const poisoned = testModels.silero.makeInputs({ samples: 512 }, 8)
    const marker = poisoned.input?.data.slice()
    failing.when = (feeds) => {
      const data = feeds.input?.data as Float32Array | undefined
      return (
        !!data &&
        !!marker &&
        Buffer.from(data.buffer, data.byteOffset, 8).equals(marker.subarray(0, 8))
      )
    }
    const { input: _, ...missingInput } = testModels.silero.makeInputs({ samples: 512 }, 9)
    const batch = await engine.runBatch({
      modelId: manifest.id,
      items: [
        { inputs: good },
        { inputs: missingInput },
        { inputs: good, outputNames: ['nope'] },
        { inputs: poisoned },
        { inputs: good },
      ],
    })
    expect(batch.items.map((item) => (item.ok ? 'ok' : item.error.code))).toEqual([
      'ok',
      'ENGINE_INPUT_MISMATCH',
      'ENGINE_INPUT_MISMATCH',
      'ENGINE_INFERENCE_FAILED',
      'ok',
    ])
    const failed = batch.items[3]
    expect(failed?.ok === false && failed.error).toBeInstanceOf(EngineError)
    expect(failed?.ok === false && failed.error.details).toMatchObject({
      message: 'kernel failed on wasm',
    })
    for (const index of [0, 4]) {
      const item = batch.items[index]
      expect(item?.ok && item.outputs).toEqual(reference)
    }
    await expect(engine.runBatch({ modelId: manifest.id, items: [] })).rejects.toMatchObject({
      code: 'ENGINE_INVALID_ARGUMENT',
      details: { items: 0 },
    })
    await expect(
      engine.runBatch({ modelId: `0x${'ab'.repeat(32)}`, items: [{ inputs: good }] }),
    ).rejects.toMatchObject({ code: 'ENGINE_MODEL_NOT_LOADED' })
    await engine.dispose()
  })

  test('runBatch abort: a queued batch never computes; a running one stops before its next item', async () => {
    const { engine, runs, gate } = engineWith({})
    const manifest = await buildManifest('silero')
    await engine.loadModel(manifest, { backends: ['wasm'] })
    const items = [1, 2, 3, 4].map((seed) => ({
      inputs: testModels.silero.makeInputs({ samples: 512 }, seed),
    }))
    const runsBefore = runs.length

    await engine.pause()
    const queuedController = new AbortController()
    const queued = engine.runBatch({ modelId: manifest.id, items, signal: queuedController.signal })
    await new Promise((resolve) => setTimeout(resolve, 10))
    queuedController.abort()
    await expect(queued).rejects.toMatchObject({
      code: 'ENGINE_ABORTED',
      details: { call: 'runBatch', running: false },
    })
    await engine.resume()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(runs.length).toBe(runsBefore)

    let open: () => void = () => {}
    gate.open = new Promise((resolve) => {
      open = resolve
    })
    const runningController = new AbortController()
    const running = engine.runBatch({
      modelId: manifest.id,
      items,
      signal: runningController.signal,
    })
    await new Promise((resolve) => setTimeout(resolve, 10))
    runningController.abort()
    await expect(running).rejects.toMatchObject({ code: 'ENGINE_ABORTED' })
    open()
    await engine.getStatus()
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The first item was already inside session.run; the other three never started.
    expect(runs.length - runsBefore).toBe(1)
    const after = await engine.runBatch({ modelId: manifest.id, items: items.slice(0, 1) })
    expect(after.items[0]?.ok).toBe(true)
    await engine.dispose()
  })
})
