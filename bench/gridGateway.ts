/**
 * What the grid benchmarks ask of a running gateway, over its public HTTP surface only: an API key
 * with a high rate limit, job batches (CBOR), Prometheus samples and histogram quantiles, model
 * manifests; and the gateway process's CPU time from /proc.
 */
import { readFileSync } from 'node:fs'
import { encode as encodeCbor } from 'cborg'
import type { TensorMap } from '../src/protocol/tensor/Tensor.ts'

export const BENCH_OPERATOR_TOKEN = 'bench-grid-operator-token-0123456789'

/** Creates an API key that no benchmark load hits the rate limit of; returns its secret. */
export async function createBenchApiKey(baseUrl: string): Promise<string> {
  const response = await fetch(new URL('/v1/operator/api-keys', baseUrl), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${BENCH_OPERATOR_TOKEN}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ name: 'bench-grid', ratePerSecond: 1_000_000, burst: 1_000_000 }),
  })
  if (response.status !== 201)
    throw new Error(`api key: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { secret: string }).secret
}

export type ModelSummary = { id: string; name: string }

export async function findModel(baseUrl: string, name: string): Promise<ModelSummary> {
  const listing = (await (await fetch(new URL('/v1/models', baseUrl))).json()) as {
    models: ModelSummary[]
  }
  const found = listing.models.find((m) => m.name === name)
  if (!found) throw new Error(`The gateway does not serve ${name}.`)
  return found
}

/** Submits jobs in one `POST /v1/jobs:batch` (CBOR, tensors as byte strings); returns the ids. */
export async function submitBatch(
  baseUrl: string,
  secret: string,
  model: string,
  inputs: readonly TensorMap[],
): Promise<string[]> {
  const body = encodeCbor({
    jobs: inputs.map((tensors) => ({
      model,
      inputs: Object.fromEntries(
        Object.entries(tensors).map(([name, t]) => [
          name,
          { dtype: t.dtype, dims: [...t.dims], data: t.data },
        ]),
      ),
    })),
  })
  const response = await fetch(new URL('/v1/jobs:batch', baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/cbor' },
    body,
  })
  if (response.status !== 202)
    throw new Error(`batch submit: ${response.status} ${await response.text()}`)
  const reply = (await response.json()) as { jobs: { id: string }[] }
  return reply.jobs.map((j) => j.id)
}

/** One scrape of /metrics: sample name with its label text (as written) -> value. */
export type MetricSamples = Map<string, number>

export async function scrapeMetrics(baseUrl: string): Promise<MetricSamples> {
  const text = await (await fetch(new URL('/metrics', baseUrl))).text()
  const samples: MetricSamples = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

export const metric = (samples: MetricSamples, name: string): number => samples.get(name) ?? 0

/**
 * The q-quantile (0..1) of the observations a histogram gained between two scrapes, interpolated
 * linearly inside the bucket it falls in (as Prometheus' histogram_quantile does). In the
 * histogram's unit (seconds).
 */
export function histogramQuantile(
  before: MetricSamples,
  after: MetricSamples,
  name: string,
  q: number,
): { value: number; count: number } {
  const buckets: { le: number; count: number }[] = []
  for (const [key, value] of after) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key)
    if (!match?.[1]) continue
    buckets.push({ le: Number(match[1]), count: value - (before.get(key) ?? 0) })
  }
  buckets.sort((a, b) => a.le - b.le)
  const total = buckets.at(-1)?.count ?? 0
  if (total === 0) return { value: Number.NaN, count: 0 }
  const rank = q * total
  let lower = 0
  let below = 0
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return { value: lower, count: total }
      const inside = bucket.count - below
      const fraction = inside > 0 ? (rank - below) / inside : 0
      return { value: lower + (bucket.le - lower) * fraction, count: total }
    }
    lower = bucket.le
    below = bucket.count
  }
  return { value: lower, count: total }
}

/** User + system CPU seconds the process has used (all its threads), from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / 100
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
