// The engine on WASM in Chromium (no WebGPU adapter in this project): the built app served by
// the gateway, the engine's Web Worker, onnxruntime-web's real assets. See engineHarness.ts.
import type { Response } from '@playwright/test'
import { compareOutputs } from '../../src/protocol/models/compareOutputs.ts'
import type { ModelManifest } from '../../src/protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import {
  buildManifest,
  type InputSize,
  runNode,
  type TestModelName,
  testModelNames,
  testModels,
} from '../worker/engineModels.ts'
import { type HarnessGlobal, isOrtWarning, openEnginePage } from './engineHarness.ts'
import { expect, test } from './fixtures.ts'

/** Realistic input sizes on WASM (what the bench measures). */
const wasmSizes: Record<TestModelName, InputSize> = {
  silero: { samples: 512 },
  det: { height: 640, width: 640 },
  rec: { height: 48, width: 320 },
  cls: { height: 48, width: 192 },
}

const manifests = new Map<TestModelName, Promise<ModelManifest>>()
function manifestOf(model: TestModelName): Promise<ModelManifest> {
  let manifest = manifests.get(model)
  if (!manifest) {
    manifest = buildManifest(model)
    manifests.set(model, manifest)
  }
  return manifest
}

test.describe('engine on WASM', () => {
  test('default: the four models run through the Engine proxy and match onnxruntime-node', async ({
    page,
    consoleErrors,
  }) => {
    test.setTimeout(120_000)
    await openEnginePage(page)
    const models = testModelNames
    const inputs = models.map((m) => testModels[m].makeInputs(wasmSizes[m], 42))
    const [loadedManifests, references] = await Promise.all([
      Promise.all(models.map(manifestOf)),
      Promise.all(models.map((m, i) => runNode(m, inputs[i] as TensorMap))),
    ])

    const result = await page.evaluate(
      async ({ manifests, inputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        const info = await grid.init()
        const loaded = []
        const runs = []
        for (const [i, manifest] of manifests.entries()) {
          loaded.push(await grid.loadModel(manifest))
          runs.push(await grid.run({ modelId: manifest.id, inputs: inputs[i] ?? {} }))
        }
        await grid.dispose()
        return { info, loaded, runs }
      },
      { manifests: loadedManifests, inputs },
    )

    // No adapter in this project: WASM only, multi-threaded because the page is isolated.
    expect(result.info.order).toEqual(['wasm'])
    expect(result.info.capabilities.crossOriginIsolated).toBe(true)
    expect(result.info.backends.find((b) => b.backend === 'webgpu')).toMatchObject({
      available: false,
      enabled: false,
    })
    expect(result.info.backends.find((b) => b.backend === 'webnn')?.reason).toMatch(/^reserved/)
    const cores = result.info.capabilities.hardwareConcurrency
    expect(result.info.wasm.threads).toBe(Math.min(4, cores))
    console.log(
      `[engine wasm] backends: ${result.info.backends.map((b) => `${b.backend}: ${b.reason}`).join(' | ')}`,
    )
    for (const [i, model] of models.entries()) {
      const loaded = result.loaded[i]
      const run = result.runs[i]
      expect(loaded?.preferredBackend).toBe('wasm')
      expect(loaded?.backends.map((b) => [b.backend, b.passed])).toEqual([['wasm', true]])
      expect(run?.backend).toBe('wasm')
      for (const [name, policy] of Object.entries(testModels[model].comparison)) {
        const expected = references[i]?.[name]
        const actual = run?.outputs[name]
        if (!expected || !actual) throw new Error(`${model}: no ${name}`)
        const verdict = compareOutputs(policy, expected, actual)
        console.log(
          `[engine wasm] ${model} ${name} [${actual.dims.join('x')}]: ${verdict.detail}; max abs diff ${verdict.maxAbsDiff}; inference ${run?.inferenceMs.toFixed(1)} ms`,
        )
        expect(verdict.ok, verdict.detail).toBe(true)
        expect(actual.dims).toEqual(expected.dims)
      }
    }
    expect(consoleErrors.filter((e) => !isOrtWarning(e))).toEqual([])
  })

  test('runBatch: Silero outputs are byte for byte those of single runs; a bad item fails alone', async ({
    page,
  }) => {
    await openEnginePage(page)
    const manifest = await manifestOf('silero')
    const inputs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      testModels.silero.makeInputs(wasmSizes.silero, seed),
    )
    const result = await page.evaluate(
      async ({ manifest, inputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        await grid.loadModel(manifest)
        const singles: Awaited<ReturnType<typeof grid.run>>[] = []
        for (const item of inputs)
          singles.push(await grid.run({ modelId: manifest.id, inputs: item, transfer: false }))
        const { sr: _, ...noSr } = inputs[0] ?? {}
        const batch = await grid.runBatch({
          modelId: manifest.id,
          items: [...inputs.map((item) => ({ inputs: item })), { inputs: noSr }],
        })
        await grid.dispose()
        const same = (a?: Uint8Array, b?: Uint8Array) =>
          !!a && !!b && a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
        return {
          backend: batch.backend,
          identical: batch.items.slice(0, inputs.length).map((item, i) => {
            const single = singles[i]
            if (!item.ok || !single) return false
            const names = Object.keys(single.outputs)
            return (
              names.length === Object.keys(item.outputs).length &&
              names.every((name) => same(item.outputs[name]?.data, single.outputs[name]?.data))
            )
          }),
          inferenceMs: batch.items.map((item) => (item.ok ? item.inferenceMs : -1)),
          bad: batch.items.flatMap((item) =>
            item.ok
              ? []
              : [{ name: item.error.name, code: item.error.code, details: item.error.details }],
          ),
        }
      },
      { manifest, inputs },
    )
    expect(result.backend).toBe('wasm')
    expect(result.identical).toEqual(inputs.map(() => true))
    expect(result.inferenceMs.slice(0, 8).every((ms) => ms > 0)).toBe(true)
    expect(result.bad).toMatchObject([
      { name: 'EngineError', code: 'ENGINE_INPUT_MISMATCH', details: { input: 'sr' } },
    ])
  })

  test('behavior: onnxruntime-web stays out of the page bundle; its assets come from the gateway', async ({
    page,
    gateway,
  }) => {
    const requests: string[] = []
    const responses: Response[] = []
    page.on('request', (request) => requests.push(request.url()))
    page.on('response', (response) => responses.push(response))
    const entry = await openEnginePage(page)
    expect(entry).toMatch(/^\/assets\/engine-[\w-]+\.js$/)
    // The app's chunks and the engine entry (all the page itself loads) carry no onnxruntime.
    const pageChunks = requests.filter((url) => /\/assets\/.*\.js$/.test(url))
    expect(pageChunks.some((url) => /\/assets\/main-/.test(url))).toBe(true)
    for (const url of pageChunks) {
      const text = await (await page.request.get(url)).text()
      expect(text, url).not.toMatch(/InferenceSession|ort-wasm-simd-threaded/)
    }
    expect(requests.filter((url) => /ort|\.wasm$/.test(new URL(url).pathname))).toEqual([])

    const manifest = await manifestOf('cls')
    await page.evaluate(async (manifest) => {
      const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
      const grid = engine.createWorkerEngine({ modelSource })
      await grid.loadModel(manifest)
      await grid.dispose()
    }, manifest)

    // The worker, onnxruntime's chunk and its .wasm: hashed files under /assets/ of the gateway.
    const origin = new URL(gateway.url).origin
    for (const url of requests) expect(new URL(url).origin).toBe(origin)
    const assets = (pattern: RegExp) =>
      requests.filter((url) => pattern.test(new URL(url).pathname))
    expect(assets(/^\/assets\/engine\.worker-[\w-]+\.js$/)).toHaveLength(1)
    expect(assets(/^\/assets\/ort\.bundle\.min-[\w-]+\.js$/).length).toBeGreaterThanOrEqual(1)
    const wasm = responses.find((r) =>
      /^\/assets\/ort-wasm-simd-threaded\.jsep-[\w-]+\.wasm$/.test(new URL(r.url()).pathname),
    )
    expect(wasm?.status()).toBe(200)
    const headers = wasm?.headers() ?? {}
    expect(headers['content-type']).toBe('application/wasm')
    expect(headers['cross-origin-resource-policy']).toBe('same-origin')
    expect(headers['cache-control']).toContain('immutable')
  })

  test('behavior: errors cross the worker boundary with their class, code and details', async ({
    page,
  }) => {
    await openEnginePage(page)
    const silero = await manifestOf('silero')
    const corrupted = await buildManifest('cls', {
      // Flip the expected class of the known answer: no correct backend can reproduce it.
      expected: (reference) => {
        const [name, tensor] = Object.entries(reference)[0] as [string, TensorMap[string]]
        const probabilities = new Float32Array(tensor.data.slice().buffer)
        probabilities.reverse()
        return { [name]: { ...tensor, data: new Uint8Array(probabilities.buffer) } }
      },
    })
    const inputs = testModels.silero.makeInputs({ samples: 512 }, 3)
    const errors = await page.evaluate(
      async ({ silero, corrupted, inputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        const settle = async (promise: Promise<unknown>) => {
          try {
            await promise
            return { name: 'resolved' }
          } catch (error) {
            const e = error as InstanceType<typeof engine.EngineError>
            return {
              name: e.name,
              code: e.code,
              details: e.details,
              isEngineError: e instanceof engine.EngineError,
              isWebGpuError: e instanceof engine.WebGpuUnavailableError,
              message: e.shortMessage,
            }
          }
        }
        // transfer: false keeps `inputs` usable for the next call (a transfer detaches them).
        const run = (parameters: Partial<Parameters<typeof grid.run>[0]>) =>
          grid.run({ modelId: silero.id, inputs, transfer: false, ...parameters })
        const notLoaded = await settle(run({}))
        await grid.loadModel(silero)
        const wrongDims = await settle(
          run({
            inputs: {
              ...inputs,
              state: { dtype: 'float32', dims: [2, 1, 64], data: new Uint8Array(512) },
            },
          }),
        )
        const malformed = await settle(
          run({
            inputs: {
              ...inputs,
              state: { dtype: 'float32', dims: [2, 1, 128], data: new Uint8Array(5) },
            },
          }),
        )
        const unknownOutput = await settle(run({ outputNames: ['nope'] }))
        const dutyCycle = await settle(grid.setDutyCycle(1.5))
        const webgpu = await settle(run({ backend: 'webgpu' }))
        const selfTest = await settle(grid.loadModel(corrupted))
        await grid.dispose()
        const disposed = await settle(run({}))
        return {
          notLoaded,
          wrongDims,
          malformed,
          unknownOutput,
          dutyCycle,
          webgpu,
          selfTest,
          disposed,
        }
      },
      { silero, corrupted, inputs },
    )
    expect(errors.notLoaded).toMatchObject({
      name: 'EngineError',
      code: 'ENGINE_MODEL_NOT_LOADED',
      isEngineError: true,
      details: { modelId: silero.id },
    })
    expect(errors.wrongDims).toMatchObject({
      name: 'EngineError',
      code: 'ENGINE_INPUT_MISMATCH',
      isEngineError: true,
      details: { input: 'state', expectedDims: '2xbatchx128', dims: '2x1x64' },
    })
    expect(errors.malformed).toMatchObject({
      name: 'TensorError',
      code: 'TENSOR_SIZE_MISMATCH',
      details: { path: 'inputs["state"]', expectedBytes: 1024, actualBytes: 5 },
    })
    expect(errors.unknownOutput).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { output: 'nope', expectedOutputs: 'output,stateN' },
    })
    expect(errors.dutyCycle).toMatchObject({
      code: 'ENGINE_INVALID_ARGUMENT',
      details: { dutyCycle: 1.5 },
    })
    expect(errors.webgpu).toMatchObject({
      name: 'WebGpuUnavailableError',
      code: 'WEBGPU_UNAVAILABLE',
      isWebGpuError: true,
      isEngineError: false,
    })
    expect(errors.selfTest).toMatchObject({
      name: 'EngineError',
      code: 'ENGINE_SELF_TEST_FAILED',
      details: { modelId: corrupted.id, model: 'ppocr-mobile-v2-cls' },
    })
    expect(String(errors.selfTest.details?.wasm)).toMatch(
      /^Known answer NOT reproduced for "softmax_0.tmp_0" \(softmax_0.tmp_0: argmax along axis 1 agrees at 0 of 1 positions \(0; needs 0.97\)\)\.$/,
    )
    expect(errors.disposed).toMatchObject({ code: 'ENGINE_DISPOSED', isEngineError: true })
  })

  test('behavior: load progress, events, and a second load reuses the model', async ({ page }) => {
    await openEnginePage(page)
    const manifest = await manifestOf('silero')
    const result = await page.evaluate(async (manifest) => {
      const { engine, modelSource, fetches } = (globalThis as unknown as HarnessGlobal)
        .engineHarness
      const grid = engine.createWorkerEngine({ modelSource })
      const events: string[] = []
      grid.subscribe((event) => {
        if (event.type === 'self-test')
          events.push(`self-test:${event.result.backend}:${event.result.passed}`)
        else if (event.type === 'model-loaded') events.push(`model-loaded:${event.model.name}`)
        else if (event.type === 'model-unloaded') events.push('model-unloaded')
      })
      const progress: string[] = []
      const first = await grid.loadModel(manifest, {
        onProgress: (p) =>
          progress.push(
            p.phase === 'download' ? `download:${p.loadedBytes}` : `${p.phase}:${p.backend}`,
          ),
      })
      const second = await grid.loadModel(manifest)
      const status = await grid.getStatus()
      await grid.unloadModel(manifest.id)
      const after = await grid.getStatus()
      await new Promise((resolve) => setTimeout(resolve, 50))
      await grid.dispose()
      return { first, second, progress, events, fetches: fetches[manifest.name], status, after }
    }, manifest)
    expect(result.progress).toEqual([`download:${manifest.size}`, 'session:wasm', 'self-test:wasm'])
    expect(result.events).toEqual([
      'self-test:wasm:true',
      'model-loaded:silero-vad-v5',
      'model-unloaded',
    ])
    expect(result.second).toEqual(result.first)
    expect(result.fetches).toBe(1)
    expect(result.first.backends[0]?.reason).toMatch(
      /^Known answer reproduced \(output: max abs diff/,
    )
    expect(result.status.models).toEqual([manifest.id])
    expect(result.after.models).toEqual([])
  })

  test('behavior: abort removes a queued run and releases the caller of a running one', async ({
    page,
  }) => {
    await openEnginePage(page)
    const det = await manifestOf('det')
    const silero = await manifestOf('silero')
    const detInputs = testModels.det.makeInputs({ height: 640, width: 640 }, 5)
    const sileroInputs = testModels.silero.makeInputs({ samples: 512 }, 5)
    const result = await page.evaluate(
      async ({ det, silero, detInputs, sileroInputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        await grid.loadModel(det)
        await grid.loadModel(silero)
        const code = (error: unknown) => (error as { code?: string }).code
        const runDet = (signal?: AbortSignal) =>
          grid.run({ modelId: det.id, inputs: detInputs, transfer: false, signal })
        // Warm up (the first det run is slower), and measure one run.
        const warm = await runDet()

        // Already aborted: rejected without reaching the worker.
        const preAborted = await grid
          .run({ modelId: silero.id, inputs: sileroInputs, signal: AbortSignal.abort() })
          .catch(code)

        // Queued behind a running det: aborting it removes it (it never computes).
        const computeBefore = (await grid.getStatus()).computeMs
        const first = runDet()
        const queuedController = new AbortController()
        const queued = runDet(queuedController.signal).catch(code)
        queuedController.abort()
        const queuedResult = await queued
        const firstResult = await first
        const computedMs = (await grid.getStatus()).computeMs - computeBefore

        // Running: the caller is released at once; the engine stays usable.
        const runningController = new AbortController()
        const running = runDet(runningController.signal).then(
          () => 'resolved',
          (error: unknown) => ({ code: code(error), at: performance.now() }),
        )
        // onnxruntime's WASM run blocks the worker's thread: nothing there (not even getStatus)
        // answers until it ends. The proxy releases the caller on its own.
        await new Promise((resolve) => setTimeout(resolve, 20))
        const abortedAt = performance.now()
        runningController.abort()
        const runningResult = await running
        const next = await grid.run({ modelId: silero.id, inputs: sileroInputs })
        await grid.dispose()
        return {
          warmMs: warm.inferenceMs,
          preAborted,
          queuedResult,
          firstOk: firstResult.outputs['sigmoid_0.tmp_0'] !== undefined,
          firstMs: firstResult.inferenceMs,
          computedMs,
          runningResult,
          releasedAfterMs: typeof runningResult === 'string' ? -1 : runningResult.at - abortedAt,
          nextOk: next.outputs.output?.dims.join('x'),
        }
      },
      { det, silero, detInputs, sileroInputs },
    )
    expect(result.preAborted).toBe('ENGINE_ABORTED')
    expect(result.queuedResult).toBe('ENGINE_ABORTED')
    expect(result.firstOk).toBe(true)
    // One det run's worth of compute, not two.
    expect(result.computedMs).toBeLessThan(result.firstMs * 1.5)
    expect(result.runningResult).toMatchObject({ code: 'ENGINE_ABORTED' })
    // Released well before the run itself could have finished.
    expect(result.releasedAfterMs).toBeGreaterThanOrEqual(0)
    expect(result.releasedAfterMs).toBeLessThan(Math.max(20, result.warmMs / 2))
    expect(result.nextOk).toBe('1x1')
  })

  test('behavior: a duty cycle lowers the share of wall time spent computing', async ({ page }) => {
    test.setTimeout(90_000)
    await openEnginePage(page)
    const rec = await manifestOf('rec')
    const inputs = testModels.rec.makeInputs({ height: 48, width: 320 }, 9)
    const shares = await page.evaluate(
      async ({ rec, inputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        await grid.loadModel(rec)
        await grid.run({ modelId: rec.id, inputs, transfer: false })
        const share = async (fraction: number) => {
          await grid.setDutyCycle(fraction)
          // Let the previous throttle end, so each measurement starts unthrottled.
          await new Promise((resolve) => setTimeout(resolve, 500))
          const started = performance.now()
          let computing = 0
          for (let i = 0; i < 8; i++) {
            computing += (await grid.run({ modelId: rec.id, inputs, transfer: false })).inferenceMs
          }
          return { share: computing / (performance.now() - started), computing }
        }
        const full = await share(1)
        const quarter = await share(0.25)
        const status = await grid.getStatus()
        await grid.dispose()
        return { full, quarter, dutyCycle: status.dutyCycle }
      },
      { rec, inputs },
    )
    console.log(
      `[engine wasm] compute share: duty cycle 1 -> ${shares.full.share.toFixed(2)}, 0.25 -> ${shares.quarter.share.toFixed(2)}`,
    )
    expect(shares.dutyCycle).toBe(0.25)
    expect(shares.full.share).toBeGreaterThan(0.5)
    // 8 runs with t * 3 idle after each but the last: about 8 / 29 = 0.28 of wall time.
    expect(shares.quarter.share).toBeLessThan(0.42)
    expect(shares.quarter.share / shares.full.share).toBeLessThan(0.6)
  })

  test('behavior: pause holds queued runs, lets the running one finish; resume releases them', async ({
    page,
  }) => {
    await openEnginePage(page)
    const det = await manifestOf('det')
    const silero = await manifestOf('silero')
    const detInputs = testModels.det.makeInputs({ height: 320, width: 320 }, 2)
    const sileroInputs = testModels.silero.makeInputs({ samples: 512 }, 2)
    const result = await page.evaluate(
      async ({ det, silero, detInputs, sileroInputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        await grid.loadModel(det)
        await grid.loadModel(silero)
        const states: string[] = []
        grid.subscribe((event) => {
          if (event.type === 'status') states.push(event.status.state)
        })
        const log: string[] = []
        const running = grid
          .run({ modelId: det.id, inputs: detInputs })
          .then(() => log.push('det done'))
        await new Promise((resolve) => setTimeout(resolve, 10))
        const paused = await grid.pause()
        const held = grid
          .run({ modelId: silero.id, inputs: sileroInputs })
          .then(() => log.push('silero done'))
        await running
        await new Promise((resolve) => setTimeout(resolve, 300))
        const whilePaused = await grid.getStatus()
        log.push('resume')
        const resumed = await grid.resume()
        await held
        await grid.dispose()
        return { log, paused: paused.state, whilePaused, resumed: resumed.state, states }
      },
      { det, silero, detInputs, sileroInputs },
    )
    expect(result.paused).toBe('paused')
    expect(result.log).toEqual(['det done', 'resume', 'silero done'])
    expect(result.whilePaused).toMatchObject({ state: 'paused', paused: true, queued: 1 })
    expect(result.resumed).not.toBe('paused')
    expect(result.states).toContain('paused')
  })

  test.describe('a worker from a blob: URL', () => {
    // The simulated crash runs a blob: worker, which the app's CSP (worker-src 'self') refuses.
    test.use({ bypassCSP: true })

    test('behavior: a crashed worker fails pending and later calls with ENGINE_WORKER_CRASHED', async ({
      page,
    }) => {
      await openEnginePage(page)
      const result = await page.evaluate(async () => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        // A worker that throws on its first message: the same error event a real crash raises.
        const script = "self.onmessage = () => { throw new Error('boom in the engine worker') }"
        const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }))
        const grid = engine.createEngineProxy({ worker: new Worker(url), modelSource })
        const events: string[] = []
        const failure = (error: unknown) => {
          const e = error as InstanceType<typeof engine.EngineError>
          return {
            code: e.code,
            details: e.details,
            isEngineError: e instanceof engine.EngineError,
          }
        }
        const pending = await grid.init().then(() => null, failure)
        grid.subscribe((event) => events.push(event.type))
        const later = await grid.pause().then(() => null, failure)
        const status = await grid.getStatus()
        return { pending, later, status: status.state, events }
      })
      expect(result.pending).toMatchObject({
        code: 'ENGINE_WORKER_CRASHED',
        isEngineError: true,
        details: { message: expect.stringContaining('boom in the engine worker') },
      })
      expect(result.later).toMatchObject({ code: 'ENGINE_WORKER_CRASHED' })
      expect(result.status).toBe('crashed')
    })
  })

  test('behavior: the page stays responsive while the engine computes', async ({ page }) => {
    await openEnginePage(page)
    const det = await manifestOf('det')
    const inputs = testModels.det.makeInputs({ height: 640, width: 640 }, 4)
    const result = await page.evaluate(
      async ({ det, inputs }) => {
        const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
        const grid = engine.createWorkerEngine({ modelSource })
        await grid.loadModel(det)
        await grid.run({ modelId: det.id, inputs, transfer: false })
        let last = performance.now()
        let maxGap = 0
        const timer = setInterval(() => {
          const now = performance.now()
          maxGap = Math.max(maxGap, now - last)
          last = now
        }, 5)
        let computing = 0
        let minRun = Number.POSITIVE_INFINITY
        for (let i = 0; i < 3; i++) {
          const { inferenceMs } = await grid.run({ modelId: det.id, inputs, transfer: false })
          computing += inferenceMs
          minRun = Math.min(minRun, inferenceMs)
        }
        clearInterval(timer)
        await grid.dispose()
        return { maxGap, computing, minRun }
      },
      { det, inputs },
    )
    console.log(
      `[engine wasm] main thread: longest timer gap ${result.maxGap.toFixed(1)} ms during ${result.computing.toFixed(0)} ms of det compute`,
    )
    expect(result.computing).toBeGreaterThan(200)
    // Relative, not an absolute budget (the machine may be loaded): were inference on the main
    // thread, some timer gap would span a whole run; in the worker the gaps stay well below one.
    expect(result.maxGap).toBeLessThan(result.minRun)
  })

  test("behavior: the gateway's own models, through the ModelStore, pass their self-tests on WASM", async ({
    page,
    request,
  }) => {
    test.setTimeout(90_000)
    const listing = (await (await request.get('/v1/models')).json()) as {
      models: { id: string; name: string }[]
    }
    expect(listing.models.map((m) => m.name).sort()).toEqual(
      testModelNames.map((m) => testModels[m].name).sort(),
    )
    await openEnginePage(page)
    const result = await page.evaluate(
      async (ids) => {
        const { engine } = (globalThis as unknown as HarnessGlobal).engineHarness
        // No modelSource: the default is a ModelStore on this origin (GET /models/:id).
        const grid = engine.createWorkerEngine()
        const out = []
        for (const id of ids) {
          const manifest = await engine.fetchManifest(id as `0x${string}`)
          let downloaded = 0
          const loaded = await grid.loadModel(manifest, {
            onProgress: (p) => {
              if (p.phase === 'download') downloaded = p.loadedBytes
            },
          })
          const run = await grid.run({ modelId: manifest.id, inputs: manifest.knownAnswer.inputs })
          out.push({
            name: manifest.name,
            size: manifest.size,
            downloaded,
            selfTest: loaded.backends.map((b) => ({
              backend: b.backend,
              passed: b.passed,
              reason: b.reason,
            })),
            outputs: Object.keys(run.outputs),
            expectedOutputs: Object.keys(manifest.knownAnswer.outputs),
          })
        }
        await grid.dispose()
        return out
      },
      listing.models.map((m) => m.id),
    )
    for (const model of result) {
      console.log(
        `[engine wasm] gateway model ${model.name}: ${model.selfTest.map((t) => `${t.backend} ${t.reason}`).join(' | ')}`,
      )
      expect(model.downloaded).toBe(model.size)
      expect(model.selfTest).toEqual([expect.objectContaining({ backend: 'wasm', passed: true })])
      expect(model.outputs.sort()).toEqual(model.expectedOutputs.sort())
    }
  })
})
