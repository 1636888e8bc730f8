import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../protocol/tensor/tensorFromTypedArray.ts'
import type { OcrBox, OcrImage } from './OcrImage.ts'

export type ImageNormalization = {
  /** Per tensor channel: value = (pixel / 255 - mean) / std. */
  mean: readonly [number, number, number]
  std: readonly [number, number, number]
}

/** PP-OCR det: ImageNet statistics. */
export const imagenetNormalization: ImageNormalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
}

/** PP-OCR rec and cls: to [-1, 1]. */
export const symmetricNormalization: ImageNormalization = {
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
}

export type ImageToTensorParameters = {
  image: OcrImage
  /** The part of the image to use; the whole image by default. */
  region?: OcrBox | undefined
  /** Size the region is resized to (bilinear, pixel centres aligned like OpenCV's INTER_LINEAR). */
  width: number
  height: number
  /** Width of the tensor: columns right of `width` are 0 after normalization. Default `width`. */
  paddedWidth?: number | undefined
  normalization: ImageNormalization
}

/**
 * Resizes (part of) an image and writes it as a float32 [1, 3, height, paddedWidth] tensor in
 * one pass. Channels are in BGR order, as PaddleOCR's inference code feeds its models (it reads
 * images with OpenCV); the normalization constants are applied in that order, as PaddleOCR does.
 */
export function imageToTensor(parameters: ImageToTensorParameters): Tensor {
  const { image, width, height, normalization } = parameters
  const region = parameters.region ?? { x: 0, y: 0, width: image.width, height: image.height }
  const paddedWidth = parameters.paddedWidth ?? width
  const plane = height * paddedWidth
  const data = new Float32Array(3 * plane)
  const scaleX = region.width / width
  const scaleY = region.height / height
  const rgb = new Float32Array(3)
  for (let y = 0; y < height; y++) {
    const sy = clamp((y + 0.5) * scaleY - 0.5, 0, region.height - 1) + region.y
    const y0 = Math.floor(sy)
    const y1 = Math.min(y0 + 1, region.y + region.height - 1)
    const fy = sy - y0
    for (let x = 0; x < width; x++) {
      const sx = clamp((x + 0.5) * scaleX - 0.5, 0, region.width - 1) + region.x
      const x0 = Math.floor(sx)
      const x1 = Math.min(x0 + 1, region.x + region.width - 1)
      const fx = sx - x0
      for (let c = 0; c < 3; c++) {
        const top = channel(image, x0, y0, c) * (1 - fx) + channel(image, x1, y0, c) * fx
        const bottom = channel(image, x0, y1, c) * (1 - fx) + channel(image, x1, y1, c) * fx
        rgb[c] = top * (1 - fy) + bottom * fy
      }
      for (let c = 0; c < 3; c++) {
        // Tensor channel c holds B, G, R for c = 0, 1, 2.
        const value = rgb[2 - c] ?? 0
        data[c * plane + y * paddedWidth + x] =
          (value / 255 - (normalization.mean[c] ?? 0)) / (normalization.std[c] ?? 1)
      }
    }
  }
  return tensorFromTypedArray({ dtype: 'float32', dims: [1, 3, height, paddedWidth], data })
}

/** Channel c (0 R, 1 G, 2 B) of a pixel, with alpha composited on white. */
function channel(image: OcrImage, x: number, y: number, c: number): number {
  const { channels, pixels } = image
  const at = (y * image.width + x) * channels
  if (channels === 1) return pixels[at] ?? 255
  const value = pixels[at + c] ?? 255
  if (channels === 3) return value
  const alpha = (pixels[at + 3] ?? 255) / 255
  return value * alpha + 255 * (1 - alpha)
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value))
}
