import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { BaseError } from '../../../src/protocol/errors/BaseError.ts'
import { tensorToTypedArray } from '../../../src/protocol/tensor/tensorToTypedArray.ts'
import { readPng } from '../../../src/sdk/cli/readPng.node.ts'
import { assertImage } from '../../../src/sdk/ocr/assertImage.ts'
import type { OcrImage } from '../../../src/sdk/ocr/OcrImage.ts'
import { prepareDetInput } from '../../../src/sdk/ocr/prepareDetInput.ts'
import { prepareRecInput } from '../../../src/sdk/ocr/prepareRecInput.ts'
import { splitIntoBatches } from '../../../src/sdk/ocr/splitIntoBatches.ts'

function solid(width: number, height: number, rgb: [number, number, number]): OcrImage {
  const pixels = new Uint8Array(width * height * 3)
  for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3)
  return { width, height, channels: 3, pixels }
}

const values = (tensor: Parameters<typeof tensorToTypedArray>[0]) =>
  tensorToTypedArray(tensor) as Float32Array

describe('prepareDetInput', () => {
  test('default: sides rounded to multiples of 32, never scaled up', () => {
    const { tensor, width, height, scaleX, scaleY } = prepareDetInput(
      solid(100, 50, [255, 255, 255]),
    )
    expect(tensor.dims).toEqual([1, 3, 64, 96])
    expect([width, height]).toEqual([96, 64])
    expect(scaleX).toBeCloseTo(100 / 96, 9)
    expect(scaleY).toBeCloseTo(50 / 64, 9)
  })

  test('behavior: the longer side is scaled down to 960; tiny images get 32', () => {
    expect(prepareDetInput(solid(2000, 1000, [0, 0, 0])).tensor.dims).toEqual([1, 3, 480, 960])
    expect(prepareDetInput(solid(5, 5, [0, 0, 0])).tensor.dims).toEqual([1, 3, 32, 32])
    expect(prepareDetInput(solid(400, 200, [0, 0, 0]), { maxSide: 200 }).tensor.dims).toEqual([
      1, 3, 96, 192,
    ])
  })

  test('behavior: channels are B, G, R, normalized with ImageNet statistics in that order', () => {
    const data = values(prepareDetInput(solid(32, 32, [255, 0, 0])).tensor)
    const plane = 32 * 32
    expect(data[0]).toBeCloseTo((0 - 0.485) / 0.229, 5) // B
    expect(data[plane]).toBeCloseTo((0 - 0.456) / 0.224, 5) // G
    expect(data[2 * plane]).toBeCloseTo((1 - 0.406) / 0.225, 5) // R
  })

  test('behavior: transparent pixels count as white (RGBA)', () => {
    const image: OcrImage = {
      width: 32,
      height: 32,
      channels: 4,
      pixels: new Uint8Array(32 * 32 * 4),
    }
    expect(values(prepareDetInput(image).tensor)[0]).toBeCloseTo((1 - 0.485) / 0.229, 5)
  })
})

describe('prepareRecInput', () => {
  test('default: 48 high, width from the aspect ratio, padded with 0 to 320', () => {
    const image = solid(200, 50, [255, 255, 255])
    const tensor = prepareRecInput(image)
    expect(tensor.dims).toEqual([1, 3, 48, 320])
    const data = values(tensor)
    // ceil(48 * 200 / 50) = 192 columns of white (1), then padding (0).
    expect(data[191]).toBeCloseTo(1, 6)
    expect(data[192]).toBe(0)
    expect(data[319]).toBe(0)
  })

  test('behavior: a long line keeps its ratio, rounded up to a multiple of 8 time steps', () => {
    expect(prepareRecInput(solid(1001, 40, [0, 0, 0])).dims).toEqual([1, 3, 48, 1208])
    expect(prepareRecInput(solid(4000, 10, [0, 0, 0])).dims).toEqual([1, 3, 48, 3200])
  })

  test('behavior: only the box is read, black to -1', () => {
    const image = solid(100, 100, [255, 255, 255])
    for (let y = 10; y < 30; y++)
      for (let x = 10; x < 50; x++) image.pixels.fill(0, (y * 100 + x) * 3, (y * 100 + x) * 3 + 3)
    const data = values(prepareRecInput(image, { x: 10, y: 10, width: 40, height: 20 }))
    expect(Math.max(...data.subarray(0, 96))).toBeCloseTo(-1, 6)
  })
})

describe('images', () => {
  test('error: size, channels and pixels that disagree are OCR_INVALID_IMAGE', () => {
    const bad = [
      { width: 0, height: 4, channels: 3, pixels: new Uint8Array(0) },
      { width: 2, height: 2, channels: 2, pixels: new Uint8Array(8) },
      { width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) },
    ] as OcrImage[]
    for (const image of bad) {
      const error = (() => {
        try {
          assertImage(image)
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(BaseError)
      expect((error as BaseError).code).toBe('OCR_INVALID_IMAGE')
    }
  })

  test('default: readPng decodes the fixture to RGBA; other bytes are OCR_INVALID_IMAGE', () => {
    const file = path.join(import.meta.dirname, '../../fixtures/ocr/inference-grid.png')
    const image = readPng(readFileSync(file))
    expect([image.width, image.height, image.channels]).toEqual([720, 230, 4])
    expect(image.pixels.length).toBe(720 * 230 * 4)
    expect(() => readPng(new TextEncoder().encode('GIF89a...'), 'x.gif')).toThrow(
      /x\.gif is not a PNG image/,
    )
  })
})

describe('splitIntoBatches', () => {
  const job = (bytes: number) => ({
    model: 'm',
    inputs: { x: { dtype: 'uint8' as const, dims: [bytes], data: new Uint8Array(bytes) } },
  })

  test('default: everything in one batch when it fits', () => {
    expect(splitIntoBatches([job(10), job(10)]).map((b) => b.length)).toEqual([2])
    expect(splitIntoBatches([])).toEqual([])
  })

  test('behavior: consecutive batches within the byte and count budgets, order kept', () => {
    const jobs = [job(40), job(40), job(40), job(100), job(1), job(1), job(1)]
    const batches = splitIntoBatches(jobs, { maxBytes: 90, maxJobs: 2 })
    expect(batches.map((b) => b.map((j) => j.inputs.x.data.byteLength))).toEqual([
      [40, 40],
      [40],
      [100], // larger than the budget: alone
      [1, 1],
      [1],
    ])
    expect(batches.flat()).toEqual(jobs)
  })
})
