import type { Counter } from 'prom-client'
import type { Logger } from '../logging/createLogger.ts'
import type { LimitName } from './LimitName.ts'

export type LimitReporterComponents = {
  /** `inference_grid_limit_rejections_total{limit}`. */
  counter: Counter<'limit'>
  logger: Logger
  now?: (() => number) | undefined
}

export type LimitReporter = {
  /**
   * Counts one refusal and logs it (a warn line naming the limit and who hit it). Lines are
   * sampled per (limit, subject): at most one per `logIntervalMs`, carrying how many refusals
   * it stands for, so a flood of refusals cannot flood the log too.
   */
  reject(limit: LimitName, subject: string, details?: Record<string, unknown>): void
}

export type CreateLimitReporterReturnType = LimitReporter

const LOG_INTERVAL_MS = 10_000
const MAX_TRACKED = 10_000

/** The one place where a tripped abuse limit becomes a metric and a log line. */
export function createLimitReporter(
  components: LimitReporterComponents,
): CreateLimitReporterReturnType {
  const now = components.now ?? Date.now
  const logger = components.logger.child({ name: 'gateway:limits' })
  /** Per (limit, subject): when the last line was written and refusals since. */
  const recent = new Map<string, { loggedAt: number; unlogged: number }>()
  return {
    reject(limit, subject, details = {}) {
      components.counter.inc({ limit })
      const key = `${limit}\u0000${subject}`
      const at = now()
      const entry = recent.get(key)
      if (entry && at - entry.loggedAt < LOG_INTERVAL_MS) {
        entry.unlogged++
        return
      }
      if (recent.size >= MAX_TRACKED) {
        for (const [k, e] of recent) if (at - e.loggedAt >= LOG_INTERVAL_MS) recent.delete(k)
        if (recent.size >= MAX_TRACKED) recent.clear()
      }
      recent.set(key, { loggedAt: at, unlogged: 0 })
      logger.warn(
        { limit, subject, refusedSinceLastLine: (entry?.unlogged ?? 0) + 1, ...details },
        'limit refused a request',
      )
    },
  }
}
