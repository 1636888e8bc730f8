import { describe, expect, test } from 'vitest'
import { backoffDelay } from '../../src/p2p/backoffDelay.ts'

const mid = () => 0.5

describe('backoffDelay', () => {
  test('default: 500 ms doubling, capped at 30 s', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((attempt) => backoffDelay({ attempt, random: mid }))).toEqual(
      [500, 1000, 2000, 4000, 30_000, 30_000, 30_000],
    )
  })

  test('args: initialMs, maxMs, factor', () => {
    expect(
      [0, 1, 2, 3].map((attempt) =>
        backoffDelay({ attempt, initialMs: 100, maxMs: 1000, factor: 3, random: mid }),
      ),
    ).toEqual([100, 300, 900, 1000])
  })

  test('behavior: jitter spreads by at most half of jitter either way, never past maxMs', () => {
    expect(backoffDelay({ attempt: 2, random: () => 0 })).toBe(1800)
    expect(backoffDelay({ attempt: 2, random: () => 0.999_999 })).toBe(2200)
    expect(backoffDelay({ attempt: 10, random: () => 0.999_999 })).toBe(30_000)
    expect(backoffDelay({ attempt: 2, jitter: 0, random: () => 0 })).toBe(2000)
  })

  test('behavior: huge or negative attempts stay finite and in range', () => {
    expect(backoffDelay({ attempt: 10_000, random: mid })).toBe(30_000)
    expect(backoffDelay({ attempt: -3, random: mid })).toBe(500)
  })
})
