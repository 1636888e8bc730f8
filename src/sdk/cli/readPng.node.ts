import { PNG } from 'pngjs'
import { OcrError } from '../ocr/OcrError.ts'
import type { OcrImage } from '../ocr/OcrImage.ts'

/**
 * Decodes a PNG file's bytes (any bit depth and color type, interlaced or not) to 8-bit RGBA
 * with pngjs. Anything that is not a readable PNG is OCR_INVALID_IMAGE, naming the file.
 */
export function readPng(bytes: Uint8Array, name = 'the image'): OcrImage {
  let png: { width: number; height: number; data: Buffer }
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch (error) {
    throw new OcrError(`${name} is not a PNG image this tool can read (only PNG is supported).`, {
      code: 'OCR_INVALID_IMAGE',
      cause: error,
    })
  }
  return { width: png.width, height: png.height, channels: 4, pixels: png.data }
}
