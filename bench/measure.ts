/** Small timing helpers shared by the benchmark programs (never used by tests). */

export type Sample = { median: number; p99: number; mean: number; runs: number }

/** Runs `fn` for `warmup` calls, then at least `minRuns` calls and `minMs` of wall time. */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  options: { warmup?: number; minRuns?: number; minMs?: number; maxRuns?: number } = {},
): Promise<Sample> {
  const { warmup = 20, minRuns = 50, minMs = 300, maxRuns = 100_000 } = options
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  const start = performance.now()
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minMs)) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return summarize(times)
}

export function summarize(times: readonly number[]): Sample {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  const mean = sorted.reduce((s, t) => s + t, 0) / Math.max(1, sorted.length)
  return { median: at(0.5), p99: at(0.99), mean, runs: sorted.length }
}

/** A markdown table with right-aligned numeric columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`
  return [
    line(headers),
    `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`,
    ...rows.map(line),
  ].join('\n')
}

export const fmt = (n: number, digits = 3) =>
  n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(digits)
