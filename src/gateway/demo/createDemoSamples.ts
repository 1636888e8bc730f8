import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../protocol/tensor/tensorFromTypedArray.ts'
import { drawText } from '../models/builtin/drawText.ts'
import { blankImage, type GrayImage } from '../models/builtin/GrayImage.ts'
import {
  imagenetNormalization,
  imagesToTensor,
  symmetricNormalization,
} from '../models/builtin/imagesToTensor.ts'
import { speechLikeAudio } from '../models/builtin/speechLikeAudio.ts'
import { xorshift32 } from '../models/builtin/xorshift32.ts'

/** The built-in models the demo feeds, by their registry names, in the order it rotates. */
export const DEMO_MODELS = [
  'ppocr-v4-rec',
  'silero-vad-v5',
  'ppocr-mobile-v2-cls',
  'ppocr-v4-det',
] as const
export type DemoModelName = (typeof DEMO_MODELS)[number]

/** What a sample shows, so the demo can say whether the grid's answer was right. */
export type DemoExpectation =
  | { kind: 'text'; text: string }
  | { kind: 'direction'; degrees: 0 | 180 }
  | { kind: 'page'; lines: number }
  | { kind: 'audio'; speech: boolean }

export type DemoSample = { model: DemoModelName; inputs: TensorMap; expected: DemoExpectation }

export type CreateDemoSamplesParameters = {
  /** Samples per model; default 8. */
  count?: number | undefined
  /** Seed of the digit strings and the noise; the same seed gives byte-identical samples. */
  seed?: number | undefined
}

export type CreateDemoSamplesReturnType = Record<DemoModelName, DemoSample[]>

/**
 * The demo's sample inputs, drawn by code at start (nothing is downloaded or committed): digit
 * strings rendered into 48 px text lines for PP-OCR rec (48x320) and cls (48x192, upright and
 * upside down), small pages of three lines for PP-OCR det (128x128), and 32 ms chunks of
 * speech-like audio or of faint noise for Silero VAD (512 samples at 16 kHz, zero state). The
 * renderers are the ones that make the models' known-answer inputs.
 */
export function createDemoSamples({
  count = 8,
  seed = 2026,
}: CreateDemoSamplesParameters = {}): CreateDemoSamplesReturnType {
  const random = xorshift32(seed)
  const digits = (min: number, max: number, alphabet = '0123456789') => {
    const length = min + Math.floor(random() * (max - min + 1))
    return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
  }
  const indices = Array.from({ length: count }, (_, i) => i)
  return {
    'ppocr-v4-rec': indices.map(() => {
      // No 0: this font's slashed zero reads as 8.
      const text = digits(3, 12, '123456789')
      return {
        model: 'ppocr-v4-rec',
        inputs: { x: imagesToTensor([textLine(text, 320, 3, 4)], symmetricNormalization) },
        expected: { kind: 'text', text },
      }
    }),
    'ppocr-mobile-v2-cls': indices.map((i) => {
      // A full line of small digits: cls is surest of long lines (about 9 in 10 right at 15
      // digits, 2 in 3 at 7 large ones).
      const upright = textLine(digits(15, 15), 192, 2, 2)
      const degrees = i % 2 === 0 ? 0 : 180
      // Reversing the pixels of a row-major image turns it by 180 degrees.
      const image = degrees === 0 ? upright : { ...upright, pixels: upright.pixels.reverse() }
      return {
        model: 'ppocr-mobile-v2-cls',
        inputs: { x: imagesToTensor([image], symmetricNormalization) },
        expected: { kind: 'direction', degrees },
      }
    }),
    'ppocr-v4-det': indices.map(() => {
      const page = blankImage(128, 128)
      for (const y of [12, 52, 92])
        drawText(page, { text: digits(3, 6), x: 4 + Math.floor(random() * 12), y, scale: 3 })
      return {
        model: 'ppocr-v4-det',
        inputs: { x: imagesToTensor([page], imagenetNormalization) },
        expected: { kind: 'page', lines: 3 },
      }
    }),
    'silero-vad-v5': indices.map((i) => {
      const speech = i % 4 !== 3
      const audio = speech
        ? speechLikeAudio({
            samples: 512,
            sampleRate: 16_000,
            f0: 100 + Math.floor(random() * 120),
            noise: 0.02,
            seed: seed + i,
          })
        : Float32Array.from({ length: 512 }, () => 0.01 * (random() * 2 - 1))
      return {
        model: 'silero-vad-v5',
        inputs: {
          input: tensorFromTypedArray({ dtype: 'float32', dims: [1, 512], data: audio }),
          state: tensorFromTypedArray({
            dtype: 'float32',
            dims: [2, 1, 128],
            data: new Float32Array(256),
          }),
          sr: tensorFromTypedArray({ dtype: 'int64', dims: [], data: BigInt64Array.of(16_000n) }),
        },
        expected: { kind: 'audio', speech },
      }
    }),
  }
}

/** A 48 px high text line, glyphs `scale` px per dot, vertically centred (as the known answers). */
function textLine(text: string, width: number, scale: number, x: number): GrayImage {
  const line = blankImage(width, 48)
  return drawText(line, { text, x, y: Math.floor((48 - 7 * scale) / 2), scale })
}
