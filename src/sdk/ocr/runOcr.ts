import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type { CallOptions, GridClient } from '../createGridClient.ts'
import { readJobOutputs } from '../readJobOutputs.ts'
import { decodeCtc } from './decodeCtc.ts'
import { findTextBoxes } from './findTextBoxes.ts'
import { OcrError } from './OcrError.ts'
import type { OcrBox, OcrImage } from './OcrImage.ts'
import { parseDictionary } from './parseDictionary.ts'
import { prepareDetInput } from './prepareDetInput.ts'
import { prepareRecInput } from './prepareRecInput.ts'
import { splitIntoBatches } from './splitIntoBatches.ts'

export type OcrLine = {
  text: string
  /** Mean probability of the recognized characters. */
  confidence: number
  /** Where the line is, in image pixels. */
  box: OcrBox
  /** Mean text probability of the box (det). */
  boxScore: number
}

export type RunOcrOptions = CallOptions & {
  /** Det model id or name. Default 'ppocr-v4-det'. */
  detModel?: string | undefined
  /** Rec model id or name (needs a `dictionary` asset). Default 'ppocr-v4-rec'. */
  recModel?: string | undefined
  /** The det input's longer side. Default 960. */
  maxSide?: number | undefined
  /** Lines recognized with less confidence are dropped (PaddleOCR drop_score). Default 0.5. */
  minConfidence?: number | undefined
  /** Per job; see GridClient.wait. Default: no limit. */
  timeoutMs?: number | undefined
}

export type RunOcrReturnType = {
  lines: OcrLine[]
  /** Wall time of each stage, in ms. */
  timings: { detMs: number; recMs: number; totalMs: number }
}

/**
 * Reads the text in an image with the grid: the det model runs as one job, every box it finds
 * is cropped and sent to the rec model, the rec jobs in as few batches as the gateway's limits
 * allow (so as many workers as are free read lines in parallel), and each line is decoded with
 * the rec model's dictionary. Text direction classification (cls, for upside-down lines) is not run: lines are taken to be
 * upright.
 */
export async function runOcr(
  client: GridClient,
  image: OcrImage,
  options: RunOcrOptions = {},
): Promise<RunOcrReturnType> {
  const { signal, timeoutMs } = options
  const started = Date.now()
  const [det, rec] = await Promise.all([
    client.manifest(options.detModel ?? 'ppocr-v4-det', { signal }),
    client.manifest(options.recModel ?? 'ppocr-v4-rec', { signal }),
  ])
  const detInput = onlyInput(det)
  const recInput = onlyInput(rec)
  const dictionaryPromise = client.asset(rec.id, 'dictionary', { signal })
  // Do not leave a rejection unhandled while det runs; it is awaited below.
  dictionaryPromise.catch(() => {})

  const prepared = prepareDetInput(image, { maxSide: options.maxSide })
  const detJob = await client.submit(
    { model: det.id, inputs: { [detInput]: prepared.tensor } },
    { signal },
  )
  const detOutputs = readJobOutputs(await client.wait(detJob.id, { signal, timeoutMs }))
  const map = onlyOutput(det, detOutputs)
  if (!(map.data instanceof Float32Array) || map.data.length !== prepared.width * prepared.height)
    throw mismatch(`${det.name} answered a ${map.dims.join('x')} ${map.dtype} map, not 1x1xHxW.`)
  const boxes = findTextBoxes({
    probabilities: map.data,
    width: prepared.width,
    height: prepared.height,
    scaleX: prepared.scaleX,
    scaleY: prepared.scaleY,
    imageWidth: image.width,
    imageHeight: image.height,
  })
  const detDone = Date.now()

  const dictionary = parseDictionary(await dictionaryPromise)
  let lines: OcrLine[] = []
  if (boxes.length > 0) {
    const requests = boxes.map((box) => ({
      model: rec.id,
      inputs: { [recInput]: prepareRecInput(image, box) },
    }))
    const ids: string[] = []
    for (const batch of splitIntoBatches(requests))
      ids.push(...(await client.submitBatch(batch, { signal })))
    const jobs = await Promise.all(ids.map((id) => client.wait(id, { signal, timeoutMs })))
    lines = jobs.map((job, i) => {
      const probabilities = onlyOutput(rec, readJobOutputs(job))
      const [, steps = 0, classes = 0] = probabilities.dims
      if (!(probabilities.data instanceof Float32Array) || classes !== dictionary.length + 2)
        throw mismatch(
          `${rec.name} answers ${classes} classes per step, but its dictionary has ${dictionary.length} characters (+ blank and space).`,
        )
      const { text, confidence } = decodeCtc({
        probabilities: probabilities.data.subarray(0, steps * classes),
        steps,
        classes,
        dictionary,
      })
      const { score, ...box } = boxes[i] ?? { score: 0, x: 0, y: 0, width: 0, height: 0 }
      return { text: text.trim(), confidence, box, boxScore: score }
    })
  }
  const minConfidence = options.minConfidence ?? 0.5
  const finished = Date.now()
  return {
    lines: lines.filter((line) => line.text !== '' && line.confidence >= minConfidence),
    timings: { detMs: detDone - started, recMs: finished - detDone, totalMs: finished - started },
  }
}

function onlyInput(manifest: ModelManifest): string {
  const [input, ...rest] = manifest.inputs
  if (!input || rest.length > 0 || input.dtype !== 'float32' || input.dims.length !== 4)
    throw mismatch(`${manifest.name} does not take one float32 NCHW image.`)
  return input.name
}

function onlyOutput<outputs extends Record<string, unknown>>(
  manifest: ModelManifest,
  outputs: outputs,
): outputs[string] {
  const name = manifest.outputs[0]?.name
  const output = name === undefined ? undefined : outputs[name]
  if (output === undefined) throw mismatch(`${manifest.name} has no first output.`)
  return output as outputs[string]
}

function mismatch(message: string): OcrError {
  return new OcrError(`${message} These are not PP-OCR models this pipeline can drive.`, {
    code: 'OCR_MODEL_MISMATCH',
  })
}
