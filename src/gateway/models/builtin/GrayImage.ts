/** A grayscale image, row-major, 0 (black) to 255 (white). */
export type GrayImage = { width: number; height: number; pixels: Float32Array }

/** A white image of the given size. */
export function blankImage(width: number, height: number): GrayImage {
  return { width, height, pixels: new Float32Array(width * height).fill(255) }
}
