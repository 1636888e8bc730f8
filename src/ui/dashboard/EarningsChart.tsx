import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { type DailySums, dailySeries } from './dailySeries.ts'
import { creditsAsNumber, formatCredits } from './formatCredits.ts'

export type EarningsChartProps = {
  days: readonly DailySums[]
  /** The chart's accessible name. */
  label: string
  testId?: string
}

const DAY_S = 86_400
const VERIFIED = '#38bdf8'
const PENDING = '#a78bfa'

/**
 * Earnings per UTC day as bars (uPlot, canvas): the whole bar is verified + pending, its lower
 * part the verified share. The same figures are in a table below for screen readers and copying.
 */
export function EarningsChart({ days, label, testId }: EarningsChartProps) {
  const target = useRef<HTMLDivElement>(null)
  const series = dailySeries(days)
  const key = JSON.stringify(days)

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart is rebuilt when the figures (key) change
  useEffect(() => {
    const element = target.current
    if (!element || series.days.length === 0) return
    // Days without credit draw no bar (null), not a hairline at 0.
    const orNull = (micro: bigint) => (micro === 0n ? null : creditsAsNumber(micro))
    const total = series.verified.map((v, i) => orNull(v + (series.pending[i] ?? 0n)))
    const verified = series.verified.map(orNull)
    const bars = uPlot.paths.bars?.({ size: [0.7, 48] })
    const width = () => Math.max(280, element.clientWidth)
    const chart = new uPlot(
      {
        width: width(),
        height: 220,
        // A static key (the per-day figures are in the table below the chart).
        legend: { show: true, live: false },
        // The ledger's days are UTC: ticks at UTC midnight, whatever the browser's time zone.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        cursor: { points: { show: false } },
        scales: {
          // Half a day of room each side, so the first and last bars are whole.
          x: { time: true, range: (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          {
            stroke: '#94a3b8',
            grid: { show: false },
            ticks: { stroke: '#1e293b' },
            space: 48,
            incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S],
            // UTC days as MM-DD (the ledger's days are UTC).
            values: (_u, ticks) =>
              ticks.map((tick) => new Date(tick * 1000).toISOString().slice(5, 10)),
          },
          {
            stroke: '#94a3b8',
            grid: { stroke: '#1e293b' },
            ticks: { stroke: '#1e293b' },
            size: 70,
            values: (_u, ticks) => ticks.map((tick) => `${tick}`),
            label: 'credits',
          },
        ],
        series: [
          { value: (_u, t) => (t == null ? '' : new Date(t * 1000).toISOString().slice(0, 10)) },
          {
            label: 'All (verified + pending)',
            fill: PENDING,
            stroke: PENDING,
            paths: bars,
            points: { show: false },
            value: (_u, v) => (v == null ? '' : v.toFixed(6)),
          },
          {
            label: 'Verified',
            fill: VERIFIED,
            stroke: VERIFIED,
            paths: bars,
            points: { show: false },
            value: (_u, v) => (v == null ? '' : v.toFixed(6)),
          },
        ],
      },
      [series.days, total, verified],
      element,
    )
    const observer = new ResizeObserver(() => chart.setSize({ width: width(), height: 220 }))
    observer.observe(element)
    return () => {
      observer.disconnect()
      chart.destroy()
    }
  }, [key])

  if (series.days.length === 0)
    return <p className="dash-muted">No earnings yet: the chart appears with the first credit.</p>
  return (
    <figure className="dash-chart" data-testid={testId}>
      <div ref={target} role="img" aria-label={label} />
      <figcaption className="dash-muted">
        Bars: all credit written that day; the blue part is verified, the violet part pending.
      </figcaption>
      <details>
        <summary>Figures per day</summary>
        <table className="dash-table dash-compact">
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Verified</th>
              <th scope="col">Pending</th>
            </tr>
          </thead>
          <tbody>
            {[...days].map((day) => (
              <tr key={day.day}>
                <th scope="row">{day.day}</th>
                <td>{formatCredits(day.verified)}</td>
                <td>{formatCredits(day.pending)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}
