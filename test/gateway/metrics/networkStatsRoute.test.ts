// GET /v1/network/stats against a real gateway: real SQLite, the libp2p host, a simulated worker
// (a real Node libp2p node running the work client) completing jobs. Every figure in the JSON must
// equal the value parsed from /metrics, read right after it while nothing moves.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { histogramQuantile } from '../../../src/gateway/metrics/histogramQuantile.ts'
import type { NetworkStats } from '../../../src/protocol/network/NetworkStats.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

let grid: TestJobNetwork
let worker: SimulatedWorker | undefined

beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
})

afterAll(async () => {
  await worker?.stop()
  await grid.stop({ remove: true })
})

type Sample = { name: string; labels: Record<string, string>; value: number }

/** Parses Prometheus text exposition (what /metrics answers) into samples. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`Not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] ?? ''] = pair[2] ?? ''
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) })
  }
  return samples
}

async function read(): Promise<{ stats: NetworkStats; metrics: Sample[] }> {
  const response = await fetch(`${grid.baseUrl}/v1/network/stats`)
  expect(response.status).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const stats = (await response.json()) as NetworkStats
  const metrics = parseMetrics(await (await fetch(`${grid.baseUrl}/metrics`)).text())
  return { stats, metrics }
}

/** The sum of a metric's samples whose labels include `labels` (throws when it has none). */
function metricValue(metrics: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = metrics.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  if (found.length === 0) throw new Error(`/metrics has no ${name}`)
  return found.reduce((total, s) => total + s.value, 0)
}

/** What the stats should say, computed from /metrics alone. */
function expectedFrom(metrics: Sample[]) {
  const latencyBuckets = metrics
    .filter((s) => s.name === 'inference_grid_result_latency_seconds_bucket')
    .map((s) => ({
      le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le),
      count: s.value,
    }))
  const verdicts: Record<string, number> = {}
  for (const s of metrics.filter((s) => s.name === 'inference_grid_verdicts_total'))
    verdicts[s.labels.decision ?? ''] = (verdicts[s.labels.decision ?? ''] ?? 0) + s.value
  return {
    workers: {
      online: metricValue(metrics, 'inference_grid_workers_connected'),
      freeSlots: metricValue(metrics, 'inference_grid_worker_free_slots'),
    },
    jobs: {
      queued: metricValue(metrics, 'inference_grid_jobs', { state: 'queued' }),
      leased: metricValue(metrics, 'inference_grid_jobs', { state: 'leased' }),
      activeLeases: metricValue(metrics, 'inference_grid_leases_active'),
      submitted: metricValue(metrics, 'inference_grid_jobs_submitted_total'),
      completed: metricValue(metrics, 'inference_grid_jobs_completed_total'),
      failed: metricValue(metrics, 'inference_grid_jobs_failed_total'),
      cancelled: metricValue(metrics, 'inference_grid_jobs_cancelled_total'),
    },
    results: {
      accepted: metricValue(metrics, 'inference_grid_results_accepted_total'),
      // A labelled counter with no sample yet prints no line: zero.
      rejected: metrics
        .filter((s) => s.name === 'inference_grid_results_rejected_total')
        .reduce((total, s) => total + s.value, 0),
    },
    latency: {
      count: metricValue(metrics, 'inference_grid_result_latency_seconds_count'),
      sumSeconds: metricValue(metrics, 'inference_grid_result_latency_seconds_sum'),
      p50Seconds: histogramQuantile(0.5, latencyBuckets),
      p90Seconds: histogramQuantile(0.9, latencyBuckets),
      p99Seconds: histogramQuantile(0.99, latencyBuckets),
    },
    verdicts,
    models: metrics
      .filter((s) => s.name === 'inference_grid_model_workers')
      .map((s) => ({ name: s.labels.model ?? '', workers: s.value }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    backends: metrics
      .filter((s) => s.name === 'inference_grid_backend_workers')
      .map((s) => ({ name: s.labels.backend ?? '', workers: s.value }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }
}

describe('GET /v1/network/stats', () => {
  test('default: an idle grid: no workers, nothing queued, every model served by nobody', async () => {
    const { stats, metrics } = await read()
    expect(stats).toMatchObject(expectedFrom(metrics))
    expect(stats).toMatchObject({
      workers: { online: 0, freeSlots: 0 },
      jobs: { queued: 0, completed: 0 },
      latency: { count: 0, p50Seconds: null },
      models: [
        { name: 'test-echo', workers: 0 },
        { name: 'test-sum', workers: 0 },
      ],
      backends: [],
    })
    expect(Date.parse(stats.at)).not.toBeNaN()
  })

  test('behavior: queued jobs are the queue depth, in the JSON as in /metrics', async () => {
    await submitJobs(
      grid.network,
      Array.from({ length: 12 }, () => ({})),
    )
    const { stats, metrics } = await read()
    expect(stats).toMatchObject(expectedFrom(metrics))
    expect(stats.jobs).toMatchObject({ queued: 12, submitted: 12, completed: 0 })
  })

  test('behavior: after a worker completed them, every figure equals /metrics', async () => {
    worker = await startSimulatedWorker({
      gateway: grid.multiaddrs,
      chainId: TEST_CHAIN_ID,
      slots: 4,
      // Offering two backends, it counts under each.
      backends: [
        { backend: 'wasm', selfTests: [] },
        { backend: 'webgpu', selfTests: [] },
      ],
    })
    await eventually(async () => (await read()).stats.jobs.completed === 12, {
      timeoutMs: 30_000,
      what: '12 completed jobs',
    })
    // Idle again: wait for the gauges to settle (the last slot frees after the ack).
    await eventually(async () => (await read()).stats.workers.freeSlots === 4, {
      timeoutMs: 30_000,
      what: 'the worker idle',
    })
    const { stats, metrics } = await read()
    expect(stats).toMatchObject(expectedFrom(metrics))
    expect(stats).toMatchObject({
      workers: { online: 1, freeSlots: 4 },
      jobs: { queued: 0, leased: 0, activeLeases: 0, completed: 12 },
      results: { accepted: 12, rejected: 0 },
      latency: { count: 12 },
      models: [
        { name: 'test-echo', workers: 1 },
        { name: 'test-sum', workers: 1 },
      ],
      backends: [
        { name: 'wasm', workers: 1 },
        { name: 'webgpu', workers: 1 },
      ],
    })
    expect(stats.latency.p50Seconds).toBeGreaterThan(0)
    // The gateway is younger than a minute: the 60 s window holds every completion, over the
    // gateway's real age, and the rate is their quotient.
    const minute = stats.throughput.find((w) => w.windowSeconds === 60)
    expect(minute?.completed).toBe(12)
    expect(minute?.seconds).toBeGreaterThan(0)
    expect(minute?.seconds).toBeLessThanOrEqual(60)
    expect(minute?.jobsPerSecond).toBeCloseTo(12 / (minute?.seconds ?? 1), 9)
    expect(stats.throughput.map((w) => w.windowSeconds)).toEqual([10, 60])
  })

  test('behavior: a stopped worker leaves the online count and the models', async () => {
    await worker?.stop()
    worker = undefined
    await eventually(async () => (await read()).stats.workers.online === 0, {
      timeoutMs: 30_000,
      what: 'the worker gone',
    })
    const { stats, metrics } = await read()
    expect(stats).toMatchObject(expectedFrom(metrics))
    expect(stats.models.map((m) => m.workers)).toEqual([0, 0])
    expect(stats.backends).toEqual([])
  })
})
