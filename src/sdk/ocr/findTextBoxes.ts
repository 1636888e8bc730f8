import type { OcrBox } from './OcrImage.ts'
import { sortBoxes } from './sortBoxes.ts'

export type TextBox = OcrBox & {
  /** Mean text probability inside the box before it was grown (PaddleOCR's box score). */
  score: number
}

export type FindTextBoxesParameters = {
  /** The det model's probability map, row-major [height, width]. */
  probabilities: Float32Array
  width: number
  height: number
  /** Pixels above this are text (PaddleOCR det_db_thresh). Default 0.3. */
  threshold?: number | undefined
  /** Boxes whose mean probability is below this are dropped (det_db_box_thresh). Default 0.6. */
  boxThreshold?: number | undefined
  /** How much a box grows: by area * ratio / perimeter on each side (det_db_unclip_ratio). 1.5. */
  unclipRatio?: number | undefined
  /** Boxes with a side shorter than this (map pixels) are noise. Default 3. */
  minSide?: number | undefined
  /** Map pixel to image pixel, per axis (from prepareDetInput). Default 1. */
  scaleX?: number | undefined
  scaleY?: number | undefined
  /** Image size, to clip boxes to; default the map size times the scale. */
  imageWidth?: number | undefined
  imageHeight?: number | undefined
}

/**
 * PP-OCR det postprocessing (DB): threshold the probability map, take the 8-connected
 * components of the text mask, score each component's bounding box by the mean probability
 * inside it, and grow the survivors back to the full text extent (the model is trained to mark a
 * shrunk core of each word). Boxes are axis-aligned, not the rotated rectangles PaddleOCR fits:
 * enough for horizontal text, not for slanted lines. Returns image-pixel boxes in reading order.
 */
export function findTextBoxes(parameters: FindTextBoxesParameters): TextBox[] {
  const { probabilities, width, height } = parameters
  const threshold = parameters.threshold ?? 0.3
  const boxThreshold = parameters.boxThreshold ?? 0.6
  const unclipRatio = parameters.unclipRatio ?? 1.5
  const minSide = parameters.minSide ?? 3
  const scaleX = parameters.scaleX ?? 1
  const scaleY = parameters.scaleY ?? 1
  const imageWidth = parameters.imageWidth ?? Math.round(width * scaleX)
  const imageHeight = parameters.imageHeight ?? Math.round(height * scaleY)
  if (probabilities.length !== width * height)
    throw new RangeError(`A ${width}x${height} map needs ${width * height} probabilities.`)

  const boxes: TextBox[] = []
  for (const component of components(probabilities, width, height, threshold)) {
    const w = component.right - component.left + 1
    const h = component.bottom - component.top + 1
    if (Math.min(w, h) < minSide) continue
    const score = meanInside(probabilities, width, component)
    if (score < boxThreshold) continue
    const grow = (w * h * unclipRatio) / (2 * (w + h))
    // The grown box in map coordinates, as continuous edges (a pixel spans [i, i + 1)).
    const left = component.left - grow
    const top = component.top - grow
    const right = component.right + 1 + grow
    const bottom = component.bottom + 1 + grow
    if (Math.min(right - left, bottom - top) < minSide + 2) continue
    const x0 = clamp(Math.round(left * scaleX), 0, imageWidth)
    const y0 = clamp(Math.round(top * scaleY), 0, imageHeight)
    const x1 = clamp(Math.round(right * scaleX), 0, imageWidth)
    const y1 = clamp(Math.round(bottom * scaleY), 0, imageHeight)
    if (x1 - x0 < 1 || y1 - y0 < 1) continue
    boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score })
  }
  return sortBoxes(boxes)
}

type Component = { left: number; top: number; right: number; bottom: number }

/** Bounding boxes of the 8-connected components of the pixels above the threshold. */
function components(
  probabilities: Float32Array,
  width: number,
  height: number,
  threshold: number,
): Component[] {
  const seen = new Uint8Array(width * height)
  const stack = new Int32Array(width * height)
  const found: Component[] = []
  for (let start = 0; start < seen.length; start++) {
    if (seen[start] || !((probabilities[start] ?? 0) > threshold)) continue
    seen[start] = 1
    let size = 0
    stack[size++] = start
    const box = { left: width, top: height, right: -1, bottom: -1 }
    while (size > 0) {
      const at = stack[--size] ?? 0
      const x = at % width
      const y = (at - x) / width
      if (x < box.left) box.left = x
      if (x > box.right) box.right = x
      if (y < box.top) box.top = y
      if (y > box.bottom) box.bottom = y
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy
        if (ny < 0 || ny >= height) continue
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx
          if (nx < 0 || nx >= width) continue
          const next = ny * width + nx
          if (seen[next] || !((probabilities[next] ?? 0) > threshold)) continue
          seen[next] = 1
          stack[size++] = next
        }
      }
    }
    found.push(box)
  }
  return found
}

function meanInside(probabilities: Float32Array, width: number, box: Component): number {
  let sum = 0
  for (let y = box.top; y <= box.bottom; y++)
    for (let x = box.left; x <= box.right; x++) sum += probabilities[y * width + x] ?? 0
  return sum / ((box.right - box.left + 1) * (box.bottom - box.top + 1))
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value))
}
