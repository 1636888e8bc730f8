/**
 * The load program (issue 9): one gateway, N simulated workers (real Node libp2p nodes over
 * WebSocket running src/p2p/workClient.ts with trivial compute, in 3 forked processes) and a
 * requester streaming Silero VAD jobs at a fixed rate, for a fixed time. Every 30 s it prints
 * results/s, job latency p50/p99 (submit -> result, the gateway's histogram), queue depth, the
 * gateway's RSS and heap, connected workers and any errors; at the end a summary with memory
 * growth after warm-up. Not a test: `npm run load -- --minutes 10 --workers 1000 --rate 300`.
 * Spot-checks are off (the workers answer zeros); the `verification` bench prices them.
 */
import '../src/p2p/polyfills.node.ts'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { parseManifest } from '../src/protocol/models/parseManifest.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import { testModels } from '../test/worker/engineModels.ts'
import { forkLoadProcess, SIMULATED_WORKER_GATEWAY_ARGS, send, waitReport } from './gridCapacity.ts'
import {
  createBenchApiKey,
  findModel,
  histogramQuantile,
  type MetricSamples,
  metric,
  processCpuSeconds,
  scrapeMetrics,
  sleep,
  submitBatch,
} from './gridGateway.ts'
import { table } from './measure.ts'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '300' },
    'sample-s': { type: 'string', default: '30' },
  },
})
const minutes = Number(values.minutes)
const workerCount = Number(values.workers)
const rate = Number(values.rate)
const sampleMs = Number(values['sample-s']) * 1000
for (const [name, value] of Object.entries({ minutes, workers: workerCount, rate })) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`load: --${name} must be a positive number.`)
    process.exit(2)
  }
}
const LOAD_PROCESSES = 3
const TICK_MS = 250

const rssMiB = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
  return line?.[1] ? Number(line[1]) / 1024 : Number.NaN
}

const gateway = await startGateway({ args: SIMULATED_WORKER_GATEWAY_ARGS })
const loads = Array.from({ length: LOAD_PROCESSES }, forkLoadProcess)
let failure: unknown
try {
  const url = gateway.url
  const secret = await createBenchApiKey(url)
  const network = (await (await fetch(new URL('/v1/network', url))).json()) as {
    multiaddrs: string[]
    chainId: number
  }
  const address = network.multiaddrs.find((ma) => ma.includes('/ws/'))
  if (!address) throw new Error('no WebSocket address')
  const silero = await findModel(url, testModels.silero.name)
  const manifest = parseManifest(
    await (await fetch(new URL(`/v1/models/${silero.id}`, url))).json(),
  )
  const t0 = performance.now()
  await Promise.all(
    loads.map(async (load, i) => {
      const count =
        Math.floor(workerCount / LOAD_PROCESSES) + (i < workerCount % LOAD_PROCESSES ? 1 : 0)
      send(load, {
        type: 'start',
        address,
        count,
        chainId: network.chainId,
        manifests: [{ id: manifest.id, inputs: manifest.inputs, outputs: manifest.outputs }],
      })
      await waitReport(load, 'ready', 300_000)
    }),
  )
  for (const load of loads) send(load, { type: 'slots', slots: 2 })
  console.error(
    `load: ${workerCount} workers connected in ${((performance.now() - t0) / 1000).toFixed(1)} s; streaming ${rate} jobs/s for ${minutes} min`,
  )

  // The requester: every tick, the jobs due by now (a fixed rate, whatever the gateway does).
  const inputs = Array.from({ length: 250 }, (_, i) =>
    testModels.silero.makeInputs({ samples: 512 }, 50_000 + i),
  )
  let submitted = 0
  let submitErrors = 0
  let running = true
  const started = performance.now()
  const requester = (async () => {
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - submitted
      for (let left = due; left > 0 && running; left -= 250) {
        const n = Math.min(250, left)
        try {
          await submitBatch(url, secret, silero.id, inputs.slice(0, n))
          submitted += n
        } catch {
          submitErrors++
          submitted += n
        }
      }
      await sleep(TICK_MS)
    }
  })()

  const rows: string[][] = []
  const endAt = started + minutes * 60_000
  let previous: MetricSamples = await scrapeMetrics(url)
  let previousAt = performance.now()
  let warm: { samples: MetricSamples; rss: number; heap: number } | undefined
  let maxRss = 0
  const cpu0 = processCpuSeconds(gateway.pid)
  while (performance.now() < endAt) {
    await sleep(Math.min(sampleMs, endAt - performance.now()))
    const now = await scrapeMetrics(url)
    const at = performance.now()
    const seconds = (at - previousAt) / 1000
    const delta = (name: string) => metric(now, name) - metric(previous, name)
    const p50 = histogramQuantile(previous, now, 'inference_grid_result_latency_seconds', 0.5)
    const p99 = histogramQuantile(previous, now, 'inference_grid_result_latency_seconds', 0.99)
    const rss = rssMiB(gateway.pid)
    const heap = metric(now, 'nodejs_heap_size_used_bytes') / 2 ** 20
    maxRss = Math.max(maxRss, rss)
    // Warm-up: the first sample window; memory growth is measured from its end.
    warm ??= { samples: now, rss, heap }
    rows.push([
      ((at - started) / 60_000).toFixed(1),
      (delta('inference_grid_results_accepted_total') / seconds).toFixed(0),
      (p50.value * 1000).toFixed(0),
      (p99.value * 1000).toFixed(0),
      String(metric(now, 'inference_grid_jobs{state="queued"}')),
      String(metric(now, 'inference_grid_workers_connected')),
      rss.toFixed(0),
      heap.toFixed(0),
      String(
        delta('inference_grid_results_rejected_total') +
          delta('inference_grid_protocol_errors_total'),
      ),
    ])
    console.error(`load: ${rows.at(-1)?.join(' | ')}`)
    previous = now
    previousAt = at
  }
  running = false
  await requester
  const end = await scrapeMetrics(url)
  const cpuSeconds = processCpuSeconds(gateway.pid) - cpu0
  const wallSeconds = (performance.now() - started) / 1000
  const results = metric(end, 'inference_grid_results_accepted_total')
  const base = warm?.samples ?? new Map()
  const p50 = histogramQuantile(base, end, 'inference_grid_result_latency_seconds', 0.5)
  const p99 = histogramQuantile(base, end, 'inference_grid_result_latency_seconds', 0.99)
  const rssEnd = rssMiB(gateway.pid)
  const heapEnd = metric(end, 'nodejs_heap_size_used_bytes') / 2 ** 20
  console.log(
    [
      `## Load: ${workerCount} simulated workers, ${rate} Silero jobs/s offered, ${minutes} min (load average ${(loadavg()[0] ?? 0).toFixed(2)} at the end)`,
      '',
      table(
        [
          'minute',
          'results/s',
          'latency p50 ms',
          'latency p99 ms',
          'queued',
          'workers',
          'gateway RSS MiB',
          'heap MiB',
          'errors',
        ],
        rows,
      ),
      '',
      `Summary: ${results} results in ${wallSeconds.toFixed(0)} s (${(results / wallSeconds).toFixed(0)}/s; ${submitted} offered, ${submitErrors} submit batches refused); latency after warm-up p50 ${(p50.value * 1000).toFixed(0)} ms, p99 ${(p99.value * 1000).toFixed(0)} ms; gateway CPU ${(cpuSeconds / wallSeconds).toFixed(2)} cores; RSS ${warm?.rss.toFixed(0)} MiB after warm-up, ${rssEnd.toFixed(0)} MiB at the end (max ${maxRss.toFixed(0)}); heap ${warm?.heap.toFixed(0)} -> ${heapEnd.toFixed(0)} MiB. latency: job submitted -> result accepted at the gateway (inference_grid_result_latency_seconds). errors: rejected results + protocol errors in the window.`,
    ].join('\n'),
  )
} catch (error) {
  failure = error
} finally {
  for (const load of loads) {
    send(load, { type: 'stop' })
    load.child.kill('SIGTERM')
  }
  await gateway.stop()
}
if (failure) {
  console.error('load:', failure)
  process.exit(1)
}
