/**
 * An image as the OCR pipeline takes it: 8-bit pixels, row-major, interleaved channels. 1 channel
 * is gray, 3 is RGB, 4 is RGBA (what a canvas's ImageData and pngjs give; alpha is composited on
 * white, as a page behind a transparent PNG would show it).
 */
export type OcrImage = {
  width: number
  height: number
  channels: 1 | 3 | 4
  pixels: Uint8Array | Uint8ClampedArray
}

/** An axis-aligned box in image pixels: left, top, width, height. */
export type OcrBox = { x: number; y: number; width: number; height: number }
