const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 })

/** A count: 12,345. */
export function formatCount(value: number): string {
  return integer.format(value)
}

/** Jobs per second: two significant decimals below 10 (0.35), one below 100, none above. */
export function formatRate(value: number): string {
  if (value === 0) return '0'
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0
  return new Intl.NumberFormat('en', { maximumFractionDigits: digits }).format(value)
}

/** A duration given in seconds: 850 µs, 12 ms, 1.4 s, 2.5 min; a dash for none. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—'
  if (seconds < 0.001) return `${Math.round(seconds * 1e6)} µs`
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 120) return `${(Math.round(seconds * 10) / 10).toString()} s`
  return `${(Math.round(seconds / 6) / 10).toString()} min`
}
