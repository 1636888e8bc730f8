export type CreateCounterWindowParameters = {
  /** The longest window asked for, in ms: older samples are dropped (one is kept before it). */
  spanMs: number
}

export type CounterWindow = {
  /** Records the counter's value at time `at` (ms). */
  record(at: number, value: number): void
  /**
   * The counter's rise over the last `windowMs` up to (`at`, `value`): measured from the newest
   * sample at or before the window's start, or from the oldest sample when none is that old.
   */
  rise(at: number, value: number, windowMs: number): { increase: number; seconds: number }
}

/**
 * Samples of a monotonic counter over time, to turn a Prometheus counter into a rate over a recent
 * window (what PromQL's `increase()` does with scrapes) without a second count kept beside it.
 */
export function createCounterWindow({ spanMs }: CreateCounterWindowParameters): CounterWindow {
  const samples: { at: number; value: number }[] = []
  return {
    record(at, value) {
      samples.push({ at, value })
      // Keep exactly one sample at or before the longest window's start.
      while (samples.length > 1 && (samples[1]?.at ?? at) <= at - spanMs) samples.shift()
    },
    rise(at, value, windowMs) {
      let from = samples[0]
      for (const sample of samples) {
        if (sample.at > at - windowMs) break
        from = sample
      }
      if (!from || from.at > at) return { increase: 0, seconds: 0 }
      return { increase: Math.max(0, value - from.value), seconds: (at - from.at) / 1000 }
    },
  }
}
