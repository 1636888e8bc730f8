import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { assertImage } from './assertImage.ts'
import { imagenetNormalization, imageToTensor } from './imageToTensor.ts'
import type { OcrImage } from './OcrImage.ts'

export type PrepareDetInputOptions = {
  /** The longer side is scaled down to at most this (PaddleOCR's det_limit_side_len). */
  maxSide?: number | undefined
}

export type PrepareDetInputReturnType = {
  /** float32 [1, 3, height, width], ImageNet-normalized, BGR. */
  tensor: Tensor
  width: number
  height: number
  /** Image pixels per probability-map pixel, per axis (to map boxes back). */
  scaleX: number
  scaleY: number
}

/** PP-OCR det's backbone halves the image five times: both sides must be multiples of 32. */
const STRIDE = 32

/**
 * The det model's input, as PaddleOCR's DetResizeForTest (limit type `max`) makes it: scale the
 * image down so its longer side is at most `maxSide` (960; never up), round each side to the
 * nearest multiple of 32 (at least 32), resize, normalize with ImageNet statistics.
 */
export function prepareDetInput(
  image: OcrImage,
  options: PrepareDetInputOptions = {},
): PrepareDetInputReturnType {
  assertImage(image)
  const maxSide = options.maxSide ?? 960
  const ratio = Math.min(1, maxSide / Math.max(image.width, image.height))
  const width = Math.max(STRIDE, Math.round((image.width * ratio) / STRIDE) * STRIDE)
  const height = Math.max(STRIDE, Math.round((image.height * ratio) / STRIDE) * STRIDE)
  return {
    tensor: imageToTensor({ image, width, height, normalization: imagenetNormalization }),
    width,
    height,
    scaleX: image.width / width,
    scaleY: image.height / height,
  }
}
