export type BackoffDelayParameters = {
  /** Failed attempts so far in a row: 0 for the first retry. */
  attempt: number
  /** Delay of the first retry, ms. Default 500. */
  initialMs?: number | undefined
  /** Longest delay, ms. Default 30 000. */
  maxMs?: number | undefined
  /** Growth per attempt. Default 2. */
  factor?: number | undefined
  /** Spread, as a fraction of the delay (0..1), so tabs that lost the same gateway do not return in step. Default 0.2. */
  jitter?: number | undefined
  /** A number in [0, 1); Math.random by default (tests pass a constant). */
  random?: (() => number) | undefined
}

/**
 * Exponential backoff with jitter for reconnecting to a gateway that went away:
 * min(maxMs, initialMs * factor^attempt), then spread by +-jitter/2 of itself, never above maxMs.
 */
export function backoffDelay(parameters: BackoffDelayParameters): number {
  const {
    attempt,
    initialMs = 500,
    maxMs = 30_000,
    factor = 2,
    jitter = 0.2,
    random = Math.random,
  } = parameters
  const steps = Math.max(0, Math.floor(attempt))
  const base = Math.min(maxMs, initialMs * factor ** Math.min(steps, 64))
  const spread = base * Math.min(1, Math.max(0, jitter)) * (random() - 0.5)
  return Math.max(0, Math.min(maxMs, Math.round(base + spread)))
}
