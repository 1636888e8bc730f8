// Issue 6: no false positives between honest backends on the real models. Each model runs in
// real Chromium on WebGPU (SwiftShader, hence small inputs and few runs) and on WASM, twice on
// WASM, and on onnxruntime-node; every pair is judged by compareResults with the verifier's
// rules (WASM vs WASM exact, any other pair by the builtin manifest's policy). All must agree.
import { builtinModels } from '../../src/gateway/models/builtin/builtinModels.ts'
import { compareResults, type ResultOrigin } from '../../src/protocol/models/compareResults.ts'
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

const sizes: Record<TestModelName, InputSize> = {
  silero: { samples: 512 },
  det: { height: 96, width: 96 },
  rec: { height: 48, width: 80 },
  cls: { height: 48, width: 192 },
}
const builtinName: Record<TestModelName, string> = {
  silero: 'silero-vad-v5',
  det: 'ppocr-v4-det',
  rec: 'ppocr-v4-rec',
  cls: 'ppocr-mobile-v2-cls',
}
const SEEDS = [11, 12]

test('behavior: honest WebGPU, WASM and onnxruntime-node results agree under the verifier (0 false positives)', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(300_000)
  await openEnginePage(page)
  const models = testModelNames
  const manifests = await Promise.all(models.map((m) => buildManifest(m)))
  const inputs = models.map((m) => SEEDS.map((seed) => testModels[m].makeInputs(sizes[m], seed)))
  const runs = await page.evaluate(
    async ({ manifests, inputs }) => {
      const { engine, modelSource } = (globalThis as unknown as HarnessGlobal).engineHarness
      const gpu = engine.createWorkerEngine({ modelSource })
      await gpu.init({ backends: ['webgpu'] })
      const cpu = engine.createWorkerEngine({ modelSource })
      await cpu.init({ backends: ['wasm'] })
      const out: { backend: string; outputs: Record<string, unknown> }[][][] = []
      for (const [i, manifest] of manifests.entries()) {
        await gpu.loadModel(manifest)
        await cpu.loadModel(manifest)
        const perModel = []
        for (const input of inputs[i] ?? []) {
          const a = await gpu.run({ modelId: manifest.id, inputs: input, transfer: false })
          const b = await cpu.run({ modelId: manifest.id, inputs: input, transfer: false })
          const c = await cpu.run({ modelId: manifest.id, inputs: input, transfer: false })
          perModel.push([a, b, c].map((r) => ({ backend: r.backend, outputs: r.outputs })))
        }
        out.push(perModel)
        await gpu.unloadModel(manifest.id)
        await cpu.unloadModel(manifest.id)
      }
      await gpu.dispose()
      await cpu.dispose()
      return out
    },
    { manifests, inputs },
  )

  let pairs = 0
  for (const [i, model] of models.entries()) {
    const builtin = builtinModels.find((b) => b.name === builtinName[model])
    if (!builtin) throw new Error(`no builtin ${builtinName[model]}`)
    const manifest = { comparison: { ...builtin.comparison } }
    const outputNames = testModels[model].outputs.map((o) => o.name)
    for (const [s, seedInputs] of (inputs[i] ?? []).entries()) {
      const [gpu, wasm, wasmAgain] = runs[i]?.[s] ?? []
      expect(gpu?.backend).toBe('webgpu')
      expect(wasm?.backend).toBe('wasm')
      const node = await runNode(model, seedInputs)
      const pick = (r: typeof gpu) => (r?.outputs ?? {}) as TensorMap
      const judged: [string, TensorMap, ResultOrigin, TensorMap, ResultOrigin][] = [
        ['webgpu vs wasm', pick(gpu), 'webgpu', pick(wasm), 'wasm'],
        ['wasm vs wasm', pick(wasm), 'wasm', pick(wasmAgain), 'wasm'],
        ['webgpu vs node-cpu', pick(gpu), 'webgpu', node, 'node-cpu'],
        ['wasm vs node-cpu', pick(wasm), 'wasm', node, 'node-cpu'],
      ]
      for (const [name, a, originA, b, originB] of judged) {
        const outcome = compareResults({
          manifest,
          outputNames,
          a: { outputs: a, origin: originA },
          b: { outputs: b, origin: originB },
        })
        console.log(
          `[verification] ${model} seed ${SEEDS[s]} ${name} (${outcome.basis}): ${Object.values(outcome.details).join('; ')}`,
        )
        expect(outcome.agree, `${model} ${name}`).toBe(true)
        pairs++
      }
    }
  }
  console.log(`[verification] ${pairs} honest pairs judged, 0 false positives`)
  expect(pairs).toBe(models.length * SEEDS.length * 4)
  expect(consoleErrors.filter((e) => !isOrtWarning(e))).toEqual([])
})
