import { describe, expect, test } from 'vitest'
import { histogramQuantile } from '../../../src/gateway/metrics/histogramQuantile.ts'

const inf = Number.POSITIVE_INFINITY

describe('histogramQuantile', () => {
  test('default: interpolates inside the bucket the rank falls in', () => {
    // 10 observations: 4 <= 0.1, 8 <= 0.5, 10 <= 1.
    const buckets = [
      { le: 0.1, count: 4 },
      { le: 0.5, count: 8 },
      { le: 1, count: 10 },
      { le: inf, count: 10 },
    ]
    // Rank 5 is the first of the 4 in (0.1, 0.5]: a quarter of the way.
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.2, 12)
    // Rank 2 in the first bucket: from 0.
    expect(histogramQuantile(0.2, buckets)).toBeCloseTo(0.05, 12)
    expect(histogramQuantile(1, buckets)).toBe(1)
  })

  test('behavior: a rank in the +Inf bucket answers the highest finite bound', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: inf, count: 10 },
      ]),
    ).toBe(1)
  })

  test('behavior: unsorted buckets (label order) give the same answer', () => {
    expect(
      histogramQuantile(0.5, [
        { le: inf, count: 2 },
        { le: 2, count: 2 },
        { le: 1, count: 0 },
      ]),
    ).toBe(1.5)
  })

  test('behavior: nothing observed is null', () => {
    expect(histogramQuantile(0.5, [{ le: inf, count: 0 }])).toBeNull()
    expect(histogramQuantile(0.5, [])).toBeNull()
  })
})
