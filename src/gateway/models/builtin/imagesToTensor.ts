import type { Tensor } from '../../../protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../../protocol/tensor/tensorFromTypedArray.ts'
import type { GrayImage } from './GrayImage.ts'

export type ImageNormalization = {
  /** Per channel (R, G, B): value = (pixel / 255 - mean) / std, as PaddleOCR preprocesses. */
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

/** Same-sized gray images as one float32 NCHW batch of 3-channel images. */
export function imagesToTensor(
  images: readonly GrayImage[],
  { mean, std }: ImageNormalization,
): Tensor {
  const [first] = images
  if (!first) throw new TypeError('imagesToTensor needs at least one image.')
  const { width, height } = first
  const plane = width * height
  const data = new Float32Array(images.length * 3 * plane)
  images.forEach((image, n) => {
    if (image.width !== width || image.height !== height)
      throw new TypeError('imagesToTensor needs images of one size.')
    for (let c = 0; c < 3; c++) {
      const offset = (n * 3 + c) * plane
      const m = mean[c] ?? 0
      const s = std[c] ?? 1
      for (let i = 0; i < plane; i++) data[offset + i] = ((image.pixels[i] ?? 255) / 255 - m) / s
    }
  })
  return tensorFromTypedArray({ dtype: 'float32', dims: [images.length, 3, height, width], data })
}
