import type { OcrBox } from './OcrImage.ts'

/**
 * Reading order for horizontal text: top to bottom, and left to right within a line. Boxes whose
 * vertical centres lie within half the height of a line's first box belong to that line (a word
 * a pixel lower is still on the same line; the next line is a full line height away).
 */
export function sortBoxes<box extends OcrBox>(boxes: readonly box[]): box[] {
  const byTop = [...boxes].sort((a, b) => centerY(a) - centerY(b) || a.x - b.x)
  const lines: box[][] = []
  for (const box of byTop) {
    const line = lines.at(-1)
    const first = line?.[0]
    if (line && first && Math.abs(centerY(box) - centerY(first)) <= first.height / 2) line.push(box)
    else lines.push([box])
  }
  return lines.flatMap((line) => line.sort((a, b) => a.x - b.x))
}

function centerY(box: OcrBox): number {
  return box.y + box.height / 2
}
