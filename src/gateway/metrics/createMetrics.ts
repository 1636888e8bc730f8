import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export type CreateMetricsParameters = {
  version: string
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC); on by default. */
  collectDefaults?: boolean | undefined
}

export type HttpLabels = 'method' | 'route' | 'status'

export type GatewayMetrics = {
  registry: Registry
  httpRequestsTotal: Counter<HttpLabels>
  httpRequestDurationSeconds: Histogram<HttpLabels>
}

/**
 * The gateway's Prometheus registry. Each gateway gets its own registry rather than prom-client's
 * global one, so that several gateways in one test process do not share or double-register series.
 */
export function createMetrics({
  version,
  collectDefaults = true,
}: CreateMetricsParameters): GatewayMetrics {
  const registry = new Registry()
  if (collectDefaults) collectDefaultMetrics({ register: registry })

  new Gauge({
    name: 'inference_grid_gateway_info',
    help: 'Constant 1, labelled with the gateway version.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version }, 1)

  const httpRequestsTotal = new Counter<HttpLabels>({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const httpRequestDurationSeconds = new Histogram<HttpLabels>({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response.',
    labelNames: ['method', 'route', 'status'],
    // From static files served from the page cache (sub-millisecond) to slow API calls.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return { registry, httpRequestsTotal, httpRequestDurationSeconds }
}
