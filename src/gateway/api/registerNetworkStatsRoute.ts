import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { createCounterWindow } from '../metrics/createCounterWindow.ts'
import {
  JOBS_COMPLETED_METRIC,
  readNetworkStats,
  THROUGHPUT_WINDOWS_S,
} from '../metrics/readNetworkStats.ts'

export type NetworkStatsRouteComponents = {
  /** The gateway's Prometheus registry, the one `/metrics` prints. */
  registry: Registry
  now?: (() => number) | undefined
  /** How often the jobs-completed counter is sampled for the throughput windows; default 1 s. */
  sampleIntervalMs?: number | undefined
}

/**
 * `GET /v1/network/stats`: the network page's figures as JSON (see NetworkStats), computed from
 * the same metric objects as `/metrics`. The throughput windows need the completed-jobs counter's
 * recent history: it is sampled every second from when the server is ready until it closes.
 */
export function registerNetworkStatsRoute(
  app: FastifyInstance,
  components: NetworkStatsRouteComponents,
): void {
  const { registry } = components
  const now = components.now ?? Date.now
  const intervalMs = components.sampleIntervalMs ?? 1000
  const longestMs = Math.max(...THROUGHPUT_WINDOWS_S) * 1000
  const completed = createCounterWindow({ spanMs: longestMs })
  let timer: ReturnType<typeof setInterval> | undefined

  const sample = async () => {
    const metric = registry.getSingleMetric(JOBS_COMPLETED_METRIC)
    const values = (await metric?.get())?.values ?? []
    completed.record(
      now(),
      values.reduce((total, v) => total + v.value, 0),
    )
  }

  app.addHook('onReady', async () => {
    await sample()
    timer = setInterval(() => {
      sample().catch((error: unknown) =>
        app.log.error({ err: error }, 'network stats sample failed'),
      )
    }, intervalMs)
    timer.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    timer = undefined
  })

  app.get('/v1/network/stats', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return readNetworkStats({ registry, completed, now: now() })
  })
}
