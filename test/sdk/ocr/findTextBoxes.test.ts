import { describe, expect, test } from 'vitest'
import { findTextBoxes } from '../../../src/sdk/ocr/findTextBoxes.ts'
import { sortBoxes } from '../../../src/sdk/ocr/sortBoxes.ts'

/** A width x height map of 0.01 with rectangles filled with a probability. */
function map(
  width: number,
  height: number,
  rects: { x: number; y: number; w: number; h: number; p: number }[],
): Float32Array {
  const out = new Float32Array(width * height).fill(0.01)
  for (const { x, y, w, h, p } of rects)
    for (let row = y; row < y + h; row++) out.fill(p, row * width + x, row * width + x + w)
  return out
}

describe('findTextBoxes', () => {
  test('default: a component grows by area * 1.5 / perimeter on each side', () => {
    // 20 x 6 core: grow = 120 * 1.5 / 52 = 3.46 px.
    const probabilities = map(64, 32, [{ x: 10, y: 5, w: 20, h: 6, p: 0.9 }])
    const [box, ...rest] = findTextBoxes({ probabilities, width: 64, height: 32 })
    expect(rest).toEqual([])
    expect(box).toMatchObject({ x: 7, y: 2, width: 26, height: 12 })
    expect(box?.score).toBeCloseTo(0.9, 6)
  })

  test('behavior: boxes are mapped to image pixels and clipped to the image', () => {
    const probabilities = map(64, 32, [{ x: 1, y: 1, w: 20, h: 6, p: 0.9 }])
    const [box] = findTextBoxes({
      probabilities,
      width: 64,
      height: 32,
      scaleX: 2,
      scaleY: 1.5,
      imageWidth: 128,
      imageHeight: 48,
    })
    // Map edges [-2.46, 24.46] x [-2.46, 10.46] -> clipped at 0; right 48.9 -> 49, bottom 15.7 -> 16.
    expect(box).toMatchObject({ x: 0, y: 0, width: 49, height: 16 })
  })

  test('behavior: weak blobs (mean below 0.6), specks and pixels under 0.3 are not text', () => {
    const probabilities = map(64, 32, [
      { x: 2, y: 2, w: 20, h: 6, p: 0.45 }, // above the 0.3 threshold, below the 0.6 box score
      { x: 40, y: 2, w: 2, h: 2, p: 0.99 }, // a 2 px speck
      { x: 2, y: 20, w: 30, h: 8, p: 0.25 }, // under the threshold
    ])
    expect(findTextBoxes({ probabilities, width: 64, height: 32 })).toEqual([])
  })

  test('behavior: diagonal neighbours join one component (8-connectivity)', () => {
    const probabilities = map(32, 32, [
      { x: 4, y: 4, w: 6, h: 6, p: 0.9 },
      { x: 10, y: 10, w: 6, h: 6, p: 0.9 },
    ])
    expect(findTextBoxes({ probabilities, width: 32, height: 32, boxThreshold: 0.3 })).toHaveLength(
      1,
    )
  })

  test('behavior: boxes come back in reading order: lines top to bottom, words left to right', () => {
    const probabilities = map(96, 48, [
      { x: 60, y: 26, w: 20, h: 6, p: 0.9 }, // line 2, right
      { x: 50, y: 5, w: 20, h: 6, p: 0.9 }, // line 1, right (a pixel lower than its neighbour)
      { x: 5, y: 27, w: 20, h: 6, p: 0.9 }, // line 2, left
      { x: 5, y: 4, w: 20, h: 6, p: 0.9 }, // line 1, left
    ])
    const boxes = findTextBoxes({ probabilities, width: 96, height: 48 })
    expect(boxes.map((b) => [b.x < 40 ? 'left' : 'right', b.y < 20 ? 1 : 2])).toEqual([
      ['left', 1],
      ['right', 1],
      ['left', 2],
      ['right', 2],
    ])
  })

  test('error: a map of the wrong size throws', () => {
    expect(() =>
      findTextBoxes({ probabilities: new Float32Array(10), width: 4, height: 4 }),
    ).toThrow(RangeError)
  })
})

describe('sortBoxes', () => {
  test('behavior: a box lower by less than half a line height stays on the line', () => {
    const a = { x: 100, y: 10, width: 50, height: 30 }
    const b = { x: 0, y: 24, width: 50, height: 30 }
    const c = { x: 0, y: 60, width: 50, height: 30 }
    expect(sortBoxes([c, a, b])).toEqual([b, a, c])
  })
})
