import { bitmapFont, GLYPH_HEIGHT, GLYPH_WIDTH } from './bitmapFont.ts'
import type { GrayImage } from './GrayImage.ts'

export type DrawTextParameters = {
  text: string
  /** Top-left corner of the first glyph, in pixels. */
  x: number
  y: number
  /** Pixels per font dot. */
  scale: number
}

/** Draws black digits into the image in place (one dot of spacing between glyphs); clips at edges. */
export function drawText(image: GrayImage, { text, x, y, scale }: DrawTextParameters): GrayImage {
  let left = x
  for (const char of text) {
    const glyph = bitmapFont[char]
    if (!glyph) throw new TypeError(`drawText has no glyph for ${JSON.stringify(char)}.`)
    for (let row = 0; row < GLYPH_HEIGHT; row++)
      for (let col = 0; col < GLYPH_WIDTH; col++)
        if (glyph[row]?.[col] === '1') fillDot(image, left + col * scale, y + row * scale, scale)
    left += (GLYPH_WIDTH + 1) * scale
  }
  return image
}

function fillDot(image: GrayImage, x: number, y: number, size: number): void {
  for (let dy = 0; dy < size; dy++)
    for (let dx = 0; dx < size; dx++) {
      const px = x + dx
      const py = y + dy
      if (px >= 0 && py >= 0 && px < image.width && py < image.height)
        image.pixels[py * image.width + px] = 0
    }
}
