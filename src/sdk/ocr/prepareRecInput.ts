import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { assertImage } from './assertImage.ts'
import { imageToTensor, symmetricNormalization } from './imageToTensor.ts'
import type { OcrBox, OcrImage } from './OcrImage.ts'

export type PrepareRecInputOptions = {
  /** Line height the model reads (PP-OCRv4 rec: 48). */
  height?: number | undefined
  /**
   * Narrowest tensor: shorter lines are padded to it (PaddleOCR pads to 320, the width the model
   * was trained at, rather than feed it a stub). Default 320.
   */
  minWidth?: number | undefined
  /** Widest tensor; longer lines are squeezed to it. Default 3200 (about 130 characters). */
  maxWidth?: number | undefined
}

/** The rec model downsamples the width by 8: one time step per 8 columns. */
const STEP = 8

/**
 * The rec model's input for one text line (a box of the image): scaled to `height` with its
 * aspect ratio kept, normalized to [-1, 1], and padded on the right with 0 (mid gray) to a width
 * that is at least `minWidth` and a multiple of 8, as PaddleOCR's resize_norm_img does.
 */
export function prepareRecInput(
  image: OcrImage,
  box?: OcrBox | undefined,
  options: PrepareRecInputOptions = {},
): Tensor {
  assertImage(image)
  const region = box ?? { x: 0, y: 0, width: image.width, height: image.height }
  const height = options.height ?? 48
  const maxWidth = options.maxWidth ?? 3200
  const minWidth = Math.min(options.minWidth ?? 320, maxWidth)
  const width = Math.max(1, Math.min(maxWidth, Math.ceil((height * region.width) / region.height)))
  const paddedWidth = Math.max(minWidth, Math.ceil(width / STEP) * STEP)
  return imageToTensor({
    image,
    region,
    width,
    height,
    paddedWidth,
    normalization: symmetricNormalization,
  })
}
