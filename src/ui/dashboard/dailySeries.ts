export type DailySums = { day: string; verified: string; pending: string }

export type DailySeries = {
  /** UTC midnight of each day, in seconds (uPlot's x unit). */
  days: number[]
  /** Micro-credits per day, as bigint so nothing is lost before the chart rounds. */
  verified: bigint[]
  pending: bigint[]
}

const DAY_S = 86_400

/**
 * Per-day sums as continuous series: every day from the first with an entry (at least `minDays`
 * before the last) to the last, days without entries as 0, so the chart's gaps are true gaps.
 */
export function dailySeries(sums: readonly DailySums[], { minDays = 7 } = {}): DailySeries {
  const byDay = new Map(sums.map((sum) => [sum.day, sum]))
  const seconds = sums.map((sum) => Date.parse(`${sum.day}T00:00:00Z`) / 1000)
  if (seconds.length === 0) return { days: [], verified: [], pending: [] }
  const last = Math.max(...seconds)
  const first = Math.min(Math.min(...seconds), last - (minDays - 1) * DAY_S)
  const series: DailySeries = { days: [], verified: [], pending: [] }
  for (let t = first; t <= last; t += DAY_S) {
    const sum = byDay.get(new Date(t * 1000).toISOString().slice(0, 10))
    series.days.push(t)
    series.verified.push(BigInt(sum?.verified ?? 0))
    series.pending.push(BigInt(sum?.pending ?? 0))
  }
  return series
}
