import { describe, expect, test } from 'vitest'
import { dailySeries } from '../../../src/ui/dashboard/dailySeries.ts'
import { creditsAsNumber, formatCredits } from '../../../src/ui/dashboard/formatCredits.ts'

describe('formatCredits', () => {
  test('default: micro-credits as credits, every significant digit', () => {
    expect(formatCredits('0')).toBe('0')
    expect(formatCredits('700')).toBe('0.0007')
    expect(formatCredits('14000')).toBe('0.014')
    expect(formatCredits('1000000')).toBe('1')
    expect(formatCredits('1234567891')).toBe('1,234.567891')
  })

  test('behavior: negative amounts (reversals) and integers beyond 2^53 stay exact', () => {
    expect(formatCredits('-2500000')).toBe('-2.5')
    expect(formatCredits(-1n)).toBe('-0.000001')
    expect(formatCredits('123456789012345678901')).toBe('123,456,789,012,345.678901')
    expect(creditsAsNumber('2500000')).toBe(2.5)
  })
})

describe('dailySeries', () => {
  test('default: every day from the first to the last, gaps as 0, at least 7 days', () => {
    const series = dailySeries([
      { day: '2026-11-25', verified: '700', pending: '1400' },
      { day: '2026-11-23', verified: '100', pending: '0' },
    ])
    expect(series.days.map((t) => new Date(t * 1000).toISOString().slice(0, 10))).toEqual([
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ])
    expect(series.verified).toEqual([0n, 0n, 0n, 0n, 100n, 0n, 700n])
    expect(series.pending).toEqual([0n, 0n, 0n, 0n, 0n, 0n, 1400n])
  })

  test('behavior: no days, no series', () => {
    expect(dailySeries([])).toEqual({ days: [], verified: [], pending: [] })
  })
})
