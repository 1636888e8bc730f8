import { describe, expect, test } from 'vitest'
import { spotCheckRate } from '../../../src/gateway/verification/spotCheckRate.ts'

const policy = { floor: 0.01, probation: 10 }
const rate = (validStreak: number, invalid = 0, suspended = false) =>
  spotCheckRate(policy, { validStreak, invalid, suspended })

describe('spotCheckRate', () => {
  test('behavior: new identities are always checked, then less after a long valid run', () => {
    expect(rate(0)).toBe(1)
    expect(rate(9)).toBe(1)
    expect(rate(10)).toBeCloseTo((10 / 11) ** 3)
    expect(rate(99)).toBeCloseTo(0.01)
    expect(rate(20)).toBeCloseTo((10 / 21) ** 3)
    expect(rate(10_000)).toBe(0.01)
  })

  test('behavior: after an invalid result the probation is four times longer', () => {
    expect(rate(39, 1)).toBe(1)
    expect(rate(40, 1)).toBeCloseTo((40 / 41) ** 3)
  })

  test('behavior: the operator floor holds, and suspended identities are always checked', () => {
    expect(
      spotCheckRate(
        { floor: 0.5, probation: 10 },
        { validStreak: 1000, invalid: 0, suspended: false },
      ),
    ).toBe(0.5)
    expect(rate(1000, 0, true)).toBe(1)
  })

  test('behavior: a long honest run costs a bounded number of checks (about 1.5 x probation + floor)', () => {
    let expected = 0
    for (let streak = 0; streak < 1000; streak++) expected += rate(streak)
    expect(expected).toBeGreaterThan(15)
    expect(expected).toBeLessThan(15 + 0.01 * 1000 + 1)
  })
})
