import type { MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client'
import { InternalError } from '../../protocol/errors/InternalError.ts'
import type { NetworkStats, ThroughputWindow } from '../../protocol/network/NetworkStats.ts'
import type { CounterWindow } from './createCounterWindow.ts'
import { BACKEND_WORKERS_METRIC, MODEL_WORKERS_METRIC } from './createModelMetrics.ts'
import { histogramQuantile } from './histogramQuantile.ts'

/** The counter the throughput windows are measured on. */
export const JOBS_COMPLETED_METRIC = 'inference_grid_jobs_completed_total'
/** The windows the network page shows, in seconds. */
export const THROUGHPUT_WINDOWS_S = [10, 60] as const

export type ReadNetworkStatsParameters = {
  registry: Registry
  /** Samples of the jobs-completed counter (see registerNetworkStatsRoute). */
  completed: CounterWindow
  /** Milliseconds since the epoch. */
  now: number
}

type Values = MetricValueWithName<string>[]

/**
 * The network page's figures, read from the registry's metric objects by name: the same objects
 * `/metrics` serializes, so both show the same numbers (gauges collect from the scheduler at each
 * read, as they do at each scrape).
 */
export async function readNetworkStats({
  registry,
  completed,
  now,
}: ReadNetworkStatsParameters): Promise<NetworkStats> {
  const read = async (name: string): Promise<Values> => {
    const metric = registry.getSingleMetric(name)
    if (!metric)
      throw new InternalError(`The metric ${name} is not registered on this gateway.`, {
        code: 'INTERNAL',
        details: { metric: name },
      })
    const object: MetricObjectWithValues<MetricValueWithName<string>> = await metric.get()
    return object.values
  }
  const sum = (values: Values) => values.reduce((total, v) => total + v.value, 0)
  const one = async (name: string) => sum(await read(name))

  const jobStates = await read('inference_grid_jobs')
  const state = (name: string) => sum(jobStates.filter((v) => v.labels.state === name))
  const completedTotal = await one(JOBS_COMPLETED_METRIC)
  const latency = await read('inference_grid_result_latency_seconds')
  const buckets = latency
    .filter((v) => v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: toBound(v.labels.le), count: v.value }))
  const quantile = (q: number) => histogramQuantile(q, buckets)
  const verdicts: Record<string, number> = {}
  for (const v of await read('inference_grid_verdicts_total')) {
    const decision = String(v.labels.decision ?? 'unknown')
    verdicts[decision] = (verdicts[decision] ?? 0) + v.value
  }
  const byLabel = async (name: string, label: string) =>
    (await read(name))
      .map((v) => ({ name: String(v.labels[label] ?? ''), workers: v.value }))
      .sort((a, b) => a.name.localeCompare(b.name))
  const models = await byLabel(MODEL_WORKERS_METRIC, 'model')
  const backends = await byLabel(BACKEND_WORKERS_METRIC, 'backend')

  return {
    at: new Date(now).toISOString(),
    workers: {
      online: await one('inference_grid_workers_connected'),
      freeSlots: await one('inference_grid_worker_free_slots'),
    },
    jobs: {
      queued: state('queued'),
      leased: state('leased'),
      activeLeases: await one('inference_grid_leases_active'),
      submitted: await one('inference_grid_jobs_submitted_total'),
      completed: completedTotal,
      failed: await one('inference_grid_jobs_failed_total'),
      cancelled: await one('inference_grid_jobs_cancelled_total'),
    },
    results: {
      accepted: await one('inference_grid_results_accepted_total'),
      rejected: await one('inference_grid_results_rejected_total'),
    },
    throughput: THROUGHPUT_WINDOWS_S.map((windowSeconds): ThroughputWindow => {
      const { increase, seconds } = completed.rise(now, completedTotal, windowSeconds * 1000)
      return {
        windowSeconds,
        completed: increase,
        seconds,
        jobsPerSecond: seconds > 0 ? increase / seconds : 0,
      }
    }),
    latency: {
      count: sum(latency.filter((v) => v.metricName?.endsWith('_count'))),
      sumSeconds: sum(latency.filter((v) => v.metricName?.endsWith('_sum'))),
      p50Seconds: quantile(0.5),
      p90Seconds: quantile(0.9),
      p99Seconds: quantile(0.99),
    },
    verdicts,
    models,
    backends,
  }
}

function toBound(le: string | number | undefined): number {
  if (le === '+Inf' || le === undefined) return Number.POSITIVE_INFINITY
  return Number(le)
}
