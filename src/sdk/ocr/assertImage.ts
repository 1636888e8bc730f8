import { OcrError } from './OcrError.ts'
import type { OcrImage } from './OcrImage.ts'

/** Largest side the pipeline accepts: 16384 px (far beyond any page scan, and bounded memory). */
export const MAX_IMAGE_SIDE = 16_384

/** Throws OCR_INVALID_IMAGE unless the image's size, channels and pixel count agree. */
export function assertImage(image: OcrImage): OcrImage {
  const { width, height, channels, pixels } = image
  const sizeOk =
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width > 0 &&
    height > 0 &&
    width <= MAX_IMAGE_SIDE &&
    height <= MAX_IMAGE_SIDE
  if (!sizeOk)
    throw new OcrError(`An image must be 1 to ${MAX_IMAGE_SIDE} pixels on each side.`, {
      code: 'OCR_INVALID_IMAGE',
      details: { width: String(width), height: String(height) },
    })
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new OcrError('An image must have 1 (gray), 3 (RGB) or 4 (RGBA) channels.', {
      code: 'OCR_INVALID_IMAGE',
      details: { channels: String(channels) },
    })
  if (pixels.length !== width * height * channels)
    throw new OcrError(
      `The image has ${pixels.length} bytes of pixels; ${width}x${height}x${channels} needs ${width * height * channels}.`,
      { code: 'OCR_INVALID_IMAGE', details: { width, height, channels, bytes: pixels.length } },
    )
  return image
}
