/**
 * The grid seen from one real contributor tab (issue 4, figures a and b): Debian's Chromium opens
 * the built app served by a real gateway and presses Start, so libp2p runs in the page and
 * onnxruntime-web in the Engine's Web Worker, exactly the contributor path (whatever it does:
 * slots, pipelining, batching).
 *
 * (a) Per-job overhead, one worker: Silero VAD jobs submitted one at a time. Gateway side: the
 *     inference_grid_worker_overhead_seconds histogram (assignment handed to the session -> result
 *     received, minus the worker's reported inferenceMs), quantiles of the observations made during
 *     the run. Requester side: POST /v1/jobs -> GET /v1/jobs/:id?wait= returning the result, minus
 *     inferenceMs.
 * (b) Throughput, same tab: raw onnxruntime-web (Engine.benchmark: session.run back to back
 *     inside a second Engine's Web Worker in the same page, same model bytes, WASM, same thread
 *     default) vs the grid (jobs queued through POST /v1/jobs:batch, the contributor's slots full):
 *     jobs/s between the first and the last job finished. Raw and grid rounds alternate.
 *
 * Transport: WebRTC-Direct inside a private network namespace (bench/grid.ts re-executes this file
 * under `unshare -n` as root, like test/run-e2e.sh; IG_NETNS=1), WebSocket otherwise.
 * Run alone: `npx tsx bench/gridBrowser.ts`.
 */
import { cpus, loadavg } from 'node:os'
import { chromium, type Page } from '@playwright/test'
import type { TensorMap } from '../src/protocol/tensor/Tensor.ts'
import { chromiumArgs, chromiumPath } from '../test/fixtures/chromium.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import { type TestModelName, testModels } from '../test/worker/engineModels.ts'
import { ensureBuilt } from './engine.ts'
import {
  BENCH_OPERATOR_TOKEN,
  createBenchApiKey,
  findModel,
  histogramQuantile,
  scrapeMetrics,
  submitBatch,
} from './gridGateway.ts'
import { fmt, summarize, table } from './measure.ts'
import { createCpuPinning } from './pinCpus.ts'

const LATENCY_WARMUP = 20
const LATENCY_JOBS = 250

type ThroughputCase = {
  model: TestModelName
  label: string
  inputs: (seed: number) => TensorMap
  /** Per round; rounds of raw and grid alternate so that drift (other processes) hits both. */
  rawCalls: number
  gridJobs: number
  rounds: number
  goal: number
}

const throughputCases: ThroughputCase[] = [
  {
    model: 'silero',
    label: 'Silero VAD v5 [1,512]',
    inputs: (seed) => testModels.silero.makeInputs({ samples: 512 }, seed),
    rawCalls: 600,
    gridJobs: 300,
    rounds: 3,
    goal: 0.8,
  },
  {
    model: 'rec',
    label: 'PP-OCRv4 rec [1,3,48,320]',
    inputs: (seed) => testModels.rec.makeInputs({ height: 48, width: 320 }, seed),
    rawCalls: 8,
    gridJobs: 8,
    rounds: 4,
    goal: 0.95,
  },
]

type PageTensor = { dtype: string; dims: readonly number[]; data: Uint8Array }
type BenchEngine = {
  init(parameters?: { backends?: string[] }): Promise<{
    wasm: { threads: number; crossOriginIsolated: boolean }
    runtime: { version: string }
  }>
  loadModel(manifest: unknown, options?: { backends?: string[] }): Promise<unknown>
  benchmark(parameters: {
    modelId: string
    inputs: Record<string, PageTensor>
    iterations: number
    warmup?: number
    backend?: string
  }): Promise<{ runMs: number[] }>
  dispose(): Promise<void>
}
type BenchModule = {
  createWorkerEngine(): BenchEngine
  fetchManifest(id: string, options: { baseUrl: string }): Promise<unknown>
}
type PageGlobal = { gridBenchEngine: BenchEngine; gridBenchModule: BenchModule }

type JobView = {
  id: string
  status: string
  finishedAt: string | null
  error: { code: string; message: string } | null
  results: { backend: string; inferenceMs: number; totalMs: number }[]
}

export type GridBrowserReturnType = { transport: string; text: string }

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

export async function runGridBrowserBench(): Promise<GridBrowserReturnType> {
  const entry = await ensureBuilt()
  const netns = process.env.IG_NETNS === '1'
  const gateway = await startGateway({
    appDir: 'dist',
    args: [
      '--operator-token',
      BENCH_OPERATOR_TOKEN,
      '--log-level',
      'warn',
      // In the namespace: every interface (lo and the veth), so the tab dials WebRTC-Direct over
      // the veth first, as gridWorker.spec does. Outside: WebSocket only (Chromium would find no
      // WebRTC candidate on loopback alone).
      '--p2p-listen',
      netns ? '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct' : '/ip4/127.0.0.1/tcp/0/ws',
      // No onnxruntime-node spot-checks: on this machine they would take CPU from the tab being
      // measured (a gateway runs elsewhere in production). The `verification` suite prices them.
      '--spot-check-probation',
      '0',
      '--spot-check-floor',
      '0',
    ],
  })
  const pinning = createCpuPinning()
  pinning?.pinGateway(gateway.pid)
  const browser = await chromium.launch({
    executablePath: pinning?.browserExecutable(chromiumPath()) ?? chromiumPath(),
    args: chromiumArgs(),
  })
  try {
    const url = gateway.url
    const secret = await createBenchApiKey(url)
    const auth = { authorization: `Bearer ${secret}` }
    const page = await browser.newPage()
    await page.addInitScript({ content: 'globalThis.__name = (fn) => fn' })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    const started = performance.now()
    await page.goto(url)
    await page.getByTestId('contribute-toggle').click()
    await page
      .getByTestId('contributor-state')
      .filter({ hasText: 'connected' })
      .waitFor({ timeout: 90_000 })
    for (const model of ['silero', 'rec'] as const) {
      await page
        .getByTestId(`model-${testModels[model].name}`)
        .filter({ hasText: 'ready on WASM' })
        .waitFor({ timeout: 60_000 })
    }
    const transport = (await page.getByTestId('connection-type').textContent()) ?? '?'
    const remoteAddr = (await page.getByTestId('connection-type').getAttribute('title')) ?? '?'
    console.error(
      `bench: grid: tab contributing over ${transport} (${remoteAddr}) after ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    const ids = {
      silero: (await findModel(url, testModels.silero.name)).id,
      rec: (await findModel(url, testModels.rec.name)).id,
    }

    // (a) One job at a time.
    const submitOne = async (seed: number) => {
      const inputs = testModels.silero.makeInputs({ samples: 512 }, seed)
      const t0 = performance.now()
      const response = await fetch(new URL('/v1/jobs', url), {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: ids.silero,
          inputs: Object.fromEntries(
            Object.entries(inputs).map(([name, t]) => [
              name,
              { dtype: t.dtype, dims: t.dims, data: b64(t.data) },
            ]),
          ),
        }),
      })
      if (response.status !== 202) throw new Error(`submit: ${await response.text()}`)
      const { id } = (await response.json()) as { id: string }
      const view = await waitForJob(url, auth, id)
      const wall = performance.now() - t0
      const result = view.results[0]
      if (view.status !== 'completed' || !result)
        throw new Error(`job ${id} ${view.status}: ${JSON.stringify(view.error)}`)
      return {
        wall,
        inferenceMs: result.inferenceMs,
        totalMs: result.totalMs,
        backend: result.backend,
      }
    }
    for (let i = 0; i < LATENCY_WARMUP; i++) await submitOne(i)
    const before = await scrapeMetrics(url)
    const requesterOverhead: number[] = []
    const workerOverhead: number[] = []
    const inference: number[] = []
    const backendsSeen = new Set<string>()
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const { wall, inferenceMs, totalMs, backend } = await submitOne(1000 + i)
      requesterOverhead.push(wall - inferenceMs)
      workerOverhead.push(totalMs - inferenceMs)
      inference.push(inferenceMs)
      backendsSeen.add(backend)
    }
    const after = await scrapeMetrics(url)
    const name = 'inference_grid_worker_overhead_seconds'
    const gatewayP50 = histogramQuantile(before, after, name, 0.5)
    const gatewayP99 = histogramQuantile(before, after, name, 0.99)
    const requester = summarize(requesterOverhead)
    const requesterP99 = requester.p99
    const inWorker = summarize(workerOverhead)

    // (b) Raw onnxruntime-web in a second Engine of the same tab vs the grid.
    const info = await page.evaluate(
      async ({ entryPath, ids, baseUrl }) => {
        const module = (await import(entryPath)) as BenchModule
        const engine = module.createWorkerEngine()
        ;(globalThis as unknown as PageGlobal).gridBenchEngine = engine
        const info = await engine.init({ backends: ['wasm'] })
        for (const id of ids)
          await engine.loadModel(await module.fetchManifest(id, { baseUrl }), {
            backends: ['wasm'],
          })
        return info
      },
      { entryPath: entry, ids: [ids.silero, ids.rec], baseUrl: url },
    )
    const throughputRows: string[][] = []
    for (const c of throughputCases) {
      const caseStarted = performance.now()
      const modelId = ids[c.model as 'silero' | 'rec']
      const rawInputs = c.inputs(7)
      let rawCalls = 0
      let rawSeconds = 0
      let gridJobs = 0
      let gridSeconds = 0
      const gridInference: number[] = []
      const roundRatios: number[] = []
      for (let round = 0; round < c.rounds; round++) {
        const raw = await runRaw(page, modelId, rawInputs, c.rawCalls)
        rawCalls += c.rawCalls
        rawSeconds += raw
        const grid = await runGrid(url, secret, auth, modelId, c, round)
        gridJobs += grid.jobs
        gridSeconds += grid.seconds
        roundRatios.push(grid.jobs / grid.seconds / (c.rawCalls / raw))
        gridInference.push(...grid.inferenceMs)
        for (const b of grid.backends) backendsSeen.add(b)
      }
      const rawRate = rawCalls / rawSeconds
      const gridRate = gridJobs / gridSeconds
      throughputRows.push([
        c.label,
        `${rawCalls} / ${gridJobs + c.rounds}`,
        fmt(rawRate),
        fmt(gridRate),
        fmt(summarize(gridInference).median),
        (gridRate / rawRate).toFixed(3),
        `${Math.min(...roundRatios).toFixed(2)} - ${Math.max(...roundRatios).toFixed(2)}`,
        `>= ${c.goal}`,
      ])
      console.error(
        `bench: grid: ${c.label}: raw ${fmt(rawRate)} jobs/s, grid ${fmt(gridRate)} jobs/s (${((performance.now() - caseStarted) / 1000).toFixed(1)} s)`,
      )
    }
    await page.evaluate(() => (globalThis as unknown as PageGlobal).gridBenchEngine.dispose())
    await page.getByTestId('contribute-toggle').click()
    if (errors.length > 0) console.error(`bench: grid: page errors: ${errors.join(' | ')}`)

    const ms = (s: number) => fmt(s * 1000)
    const latencyTable = table(
      ['measured at', 'jobs', 'overhead p50 ms', 'overhead p99 ms', 'goal p50 / p99 ms'],
      [
        [
          'gateway: assign -> result, minus inference',
          String(gatewayP50.count),
          ms(gatewayP50.value),
          ms(gatewayP99.value),
          '<= 3 / <= 15',
        ],
        [
          'of which in the tab: assignment received -> result signed, minus inference',
          String(inWorker.runs),
          fmt(inWorker.median),
          fmt(inWorker.p99),
          '-',
        ],
        [
          'requester: POST -> result (long-poll), minus inference',
          String(requester.runs),
          fmt(requester.median),
          fmt(requesterP99),
          '-',
        ],
      ],
    )
    const throughputTable = table(
      [
        'model (input), WASM',
        'raw calls / grid jobs',
        'raw ORT-web jobs/s',
        'grid jobs/s',
        'grid inference ms (median)',
        'grid / raw',
        'per-round range',
        'goal',
      ],
      throughputRows,
    )
    const text = [
      `### One contributor tab (Chromium ${browser.version()}, onnxruntime-web ${info.runtime.version} WASM, ${info.wasm.threads} threads, cross-origin isolated: ${info.wasm.crossOriginIsolated}; transport measured: ${transport}; backends that ran grid jobs: ${[...backendsSeen].join(', ')}; ${pinning?.describe ?? 'CPUs shared by the gateway and the browser'})`,
      '',
      `Machine: ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(2)} at the end (other processes share these cores; the gateway and the requester run on them too).`,
      '',
      `(a) Per-job overhead: ${LATENCY_JOBS} Silero VAD [1,512] jobs, one at a time (median inference ${fmt(summarize(inference).median)} ms).`,
      '',
      latencyTable,
      '',
      'gateway: the inference_grid_worker_overhead_seconds histogram (assignment handed to the work session -> accepted result received, minus the inferenceMs the worker signed): quantiles of this run, interpolated inside buckets 0.5 ms wide up to 3 ms, then 4, 5, 7.5, 10, 12.5, 15, 20, 30 ms. requester: wall time of POST /v1/jobs and GET /v1/jobs/:id?wait= (JSON) minus the same inferenceMs.',
      '',
      '(b) Throughput, same tab: alternating rounds of raw and grid per model (Silero 3, rec 4).',
      '',
      throughputTable,
      '',
      'raw: Engine.benchmark, session.run back to back inside a second Engine Web Worker of the same page (same model bytes, WASM, same thread default), timed on the page around the call. grid: jobs queued with POST /v1/jobs:batch (CBOR) and run by the contributor path (libp2p in the page, the Engine in its Web Worker, results hashed and signed); rate = (jobs - 1) / (last finishedAt - first finishedAt) per round. grid / raw: totals over all rounds; per-round range: the same ratio for each raw round and the grid round after it (how much other processes moved the figure).',
      '',
    ].join('\n')
    return { transport, text }
  } finally {
    await browser.close()
    await gateway.stop()
  }
}

async function waitForJob(url: string, auth: Record<string, string>, id: string): Promise<JobView> {
  for (let i = 0; i < 20; i++) {
    const response = await fetch(new URL(`/v1/jobs/${id}?wait=30`, url), { headers: auth })
    const view = (await response.json()) as JobView
    if (['completed', 'failed', 'cancelled'].includes(view.status)) return view
  }
  throw new Error(`job ${id} did not settle`)
}

/** Seconds for `calls` back-to-back session.run calls in the bench Engine's worker. */
async function runRaw(
  page: Page,
  modelId: string,
  inputs: TensorMap,
  calls: number,
): Promise<number> {
  return page.evaluate(
    async ({ modelId, inputs, calls }) => {
      const engine = (globalThis as unknown as PageGlobal).gridBenchEngine
      await engine.benchmark({ modelId, inputs, iterations: 1, warmup: 3, backend: 'wasm' })
      const t0 = performance.now()
      await engine.benchmark({ modelId, inputs, iterations: calls, warmup: 0, backend: 'wasm' })
      return (performance.now() - t0) / 1000
    },
    { modelId, inputs, calls },
  )
}

async function runGrid(
  url: string,
  secret: string,
  auth: Record<string, string>,
  modelId: string,
  c: ThroughputCase,
  round: number,
): Promise<{ jobs: number; seconds: number; inferenceMs: number[]; backends: Set<string> }> {
  const inputs = Array.from({ length: c.gridJobs }, (_, i) => c.inputs(50_000 + round * 10_000 + i))
  const ids: string[] = []
  for (let i = 0; i < inputs.length; i += 1000)
    ids.push(...(await submitBatch(url, secret, modelId, inputs.slice(i, i + 1000))))
  const last = ids.at(-1)
  if (last) await waitForJob(url, auth, last)
  const views: JobView[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]
        if (id) views.push(await waitForJob(url, auth, id))
      }
    }),
  )
  const failed = views.filter((v) => v.status !== 'completed')
  if (failed.length > 0)
    throw new Error(`${failed.length} grid jobs did not complete: ${JSON.stringify(failed[0])}`)
  const finished = views.map((v) => Date.parse(v.finishedAt ?? '')).sort((a, b) => a - b)
  const first = finished[0] ?? 0
  const lastAt = finished.at(-1) ?? 0
  return {
    jobs: views.length - 1,
    seconds: Math.max(0.001, (lastAt - first) / 1000),
    inferenceMs: views.map((v) => v.results[0]?.inferenceMs ?? 0),
    backends: new Set(views.map((v) => v.results[0]?.backend ?? '?')),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { text } = await runGridBrowserBench()
  console.log(text)
}
