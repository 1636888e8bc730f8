/**
 * Engine benchmark: what the Engine proxy (page -> Web Worker -> onnxruntime-web -> page) costs
 * on top of raw onnxruntime-web session.run calls, measured side by side in one page of the built
 * app served by a real gateway, in Debian's Chromium, on WASM; onnxruntime-node CPU (same thread
 * count) is the reference column. Raw calls are timed inside the engine's worker by
 * engine.benchmark (session.run back to back on the same session and inputs); proxy calls are
 * timed on the page around `await engine.run(...)` with transferred inputs. Rounds of raw and
 * proxy calls alternate so that drift (thermal, the other core) hits both alike.
 *
 * A second table compares, for Silero, jobs run one per engine.run() call with jobs run k per
 * engine.runBatch() call (k = 8, 16): wall time per job and the per-job overhead on top of its own
 * session.run, measured in alternating rounds on the same loaded model.
 *
 * Run: `npx tsx bench/engine.ts` (builds the app first if dist/ has no engine entry);
 * `BENCH_ENGINE_MODELS=silero` measures only the models named (comma-separated: silero, cls,
 * rec, det).
 */
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { checkAppBuild } from '../src/gateway/app/checkAppBuild.ts'
import { chromiumArgs, chromiumPath } from '../test/fixtures/chromium.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import {
  buildManifest,
  type InputSize,
  modelBytes,
  nodeSession,
  type TestModelName,
  testModels,
  toNodeFeeds,
} from '../test/worker/engineModels.ts'
import { fmt, measure, summarize, table } from './measure.ts'

const root = path.resolve(import.meta.dirname, '..')
const viteManifest = path.join(root, 'dist/.vite/manifest.json')

type Case = {
  model: TestModelName
  label: string
  size: InputSize
  /** Calls per side (raw and proxy), split over `rounds`. */
  calls: number
  rounds: number
}

const cases: Case[] = [
  {
    model: 'silero',
    label: 'Silero VAD v5 [1,512]',
    size: { samples: 512 },
    calls: 600,
    rounds: 3,
  },
  {
    model: 'cls',
    label: 'PP-OCR cls [1,3,48,192]',
    size: { height: 48, width: 192 },
    calls: 150,
    rounds: 3,
  },
  {
    model: 'rec',
    label: 'PP-OCRv4 rec [1,3,48,320]',
    size: { height: 48, width: 320 },
    calls: 45,
    rounds: 3,
  },
  {
    model: 'det',
    label: 'PP-OCRv4 det [1,3,640,640]',
    size: { height: 640, width: 640 },
    calls: 24,
    rounds: 3,
  },
]

/** The slice of the engine module the page-side code uses (typed here without DOM types). */
type PageTensor = { dtype: string; dims: readonly number[]; data: Uint8Array }
type PageEngine = {
  init(parameters?: { backends?: string[] }): Promise<{
    wasm: { threads: number; crossOriginIsolated: boolean }
    runtime: { version: string }
  }>
  loadModel(manifest: unknown, options?: { backends?: string[] }): Promise<unknown>
  run(parameters: {
    modelId: string
    inputs: Record<string, PageTensor>
    backend?: string
  }): Promise<{ inferenceMs: number }>
  runBatch(parameters: {
    modelId: string
    items: { inputs: Record<string, PageTensor> }[]
  }): Promise<{ items: ({ ok: true; inferenceMs: number } | { ok: false })[] }>
  getStatus(): Promise<unknown>
  benchmark(parameters: {
    modelId: string
    inputs: Record<string, PageTensor>
    iterations: number
    warmup?: number
    backend?: string
  }): Promise<{ runMs: number[] }>
  dispose(): Promise<void>
}
type PageGlobal = { benchEngine: PageEngine }

/** Builds the app when dist/ is missing or older than its sources; returns the engine entry. */
export async function ensureBuilt(): Promise<string> {
  const status = await checkAppBuild({ rootDir: root, outDir: path.join(root, 'dist') })
  if (!existsSync(viteManifest) || status.status === 'stale' || status.status === 'missing') {
    console.error(
      `bench: dist/ is ${existsSync(viteManifest) ? status.status : 'missing'}, building the app (vite build)...`,
    )
    const { build } = await import('vite')
    await build({ root, logLevel: 'warn' })
  }
  const manifest = JSON.parse(readFileSync(viteManifest, 'utf8')) as Record<
    string,
    { file: string }
  >
  const entry = manifest['src/worker/index.ts']
  if (!entry) throw new Error(`${viteManifest} has no src/worker/index.ts entry: rebuild the app`)
  return `/${entry.file}`
}

/** Batch sizes compared with single runs for Silero; jobs per round divide by each. */
const batchSizes = [1, 8, 16] as const
const batchJobsPerRound = 96
const batchRounds = 15

type BatchRow = {
  k: number
  calls: number
  jobs: number
  /** All wall time of this k / all its jobs, ms. */
  perJob: number
  /** Median session.run time of one job, ms. */
  inference: number
  /** Median over calls of (call wall time - its items' session.run times) / k, ms. */
  overhead: number
  overheadP10: number
  /** Jobs per second over all rounds (sum of jobs / sum of wall time). */
  throughput: number
  /** Median over rounds of (k=1 round wall time / this k's round wall time): paired, adjacent in time. */
  speedup: number
}

type Row = {
  label: string
  calls: number
  raw: number
  proxy: number
  overhead: number
  overheadP10: number
  node: number
}

/** The q-quantile (0..1) of a sample. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

export async function runEngineBench(): Promise<string> {
  const entry = await ensureBuilt()
  const gateway = await startGateway({ appDir: 'dist' })
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() })
  try {
    const page = await browser.newPage()
    // tsx (esbuild keepNames) wraps named functions in __name(): the functions this program
    // sends to page.evaluate need it defined in the page too.
    await page.addInitScript({ content: 'globalThis.__name = (fn) => fn' })
    const byName = new Map(cases.map((c) => [testModels[c.model].name, c.model]))
    await page.route('**/__bench/models/*', async (route) => {
      const name = decodeURIComponent(
        new URL(route.request().url()).pathname.split('/').pop() ?? '',
      )
      const model = byName.get(name)
      if (!model) return route.fulfill({ status: 404 })
      return route.fulfill({ status: 200, body: Buffer.from(modelBytes(model)) })
    })
    await page.goto(gateway.url)
    const info = await page.evaluate(async (entryPath) => {
      const module = (await import(entryPath)) as {
        createWorkerEngine(parameters: {
          modelSource: { get(manifest: { name: string }): Promise<Uint8Array> }
        }): PageEngine
      }
      const engine = module.createWorkerEngine({
        modelSource: {
          async get(manifest) {
            const response = await fetch(`/__bench/models/${encodeURIComponent(manifest.name)}`)
            return new Uint8Array(await response.arrayBuffer())
          },
        },
      })
      ;(globalThis as unknown as PageGlobal).benchEngine = engine
      return engine.init({ backends: ['wasm'] })
    }, entry)
    const threads = info.wasm.threads
    const loadBefore = loadavg()[0] ?? 0
    // The floor: a round trip to the worker that computes nothing.
    const roundTrip = await page.evaluate(async () => {
      const engine = (globalThis as unknown as PageGlobal).benchEngine
      const times: number[] = []
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now()
        await engine.getStatus()
        times.push(performance.now() - t0)
      }
      return times
    })

    const rows: Row[] = []
    const only = process.env.BENCH_ENGINE_MODELS?.split(',').map((m) => m.trim())
    for (const c of cases.filter((c) => !only || only.includes(c.model))) {
      const started = performance.now()
      const manifest = await buildManifest(c.model)
      const inputs = testModels[c.model].makeInputs(c.size, 1234)
      const perRound = Math.ceil(c.calls / c.rounds)
      const measured = await page.evaluate(
        async ({ manifest, inputs, perRound, rounds }) => {
          const engine = (globalThis as unknown as PageGlobal).benchEngine
          const modelId = (manifest as { id: string }).id
          await engine.loadModel(manifest, { backends: ['wasm'] })
          // Fresh copies for every proxy call: run() transfers (detaches) its inputs.
          const copies = (n: number) =>
            Array.from({ length: n }, () =>
              Object.fromEntries(
                Object.entries(inputs).map(([name, t]) => [name, { ...t, data: t.data.slice() }]),
              ),
            )
          const raw: number[] = []
          const proxy: number[] = []
          const overhead: number[] = []
          // Warm both paths (first runs allocate and compile).
          await engine.benchmark({ modelId, inputs, iterations: 1, warmup: 2 })
          for (const warm of copies(2)) await engine.run({ modelId, inputs: warm })
          for (let round = 0; round < rounds; round++) {
            const result = await engine.benchmark({
              modelId,
              inputs,
              iterations: perRound,
              warmup: 0,
            })
            raw.push(...result.runMs)
            for (const copy of copies(perRound)) {
              const t0 = performance.now()
              const { inferenceMs } = await engine.run({ modelId, inputs: copy })
              const wall = performance.now() - t0
              proxy.push(wall)
              overhead.push(wall - inferenceMs)
            }
          }
          return { raw, proxy, overhead }
        },
        { manifest, inputs, perRound, rounds: c.rounds },
      )
      const session = await nodeSession(c.model, threads)
      const feeds = toNodeFeeds(inputs)
      const heavy = c.model === 'det' || c.model === 'rec'
      const node = await measure(() => session.run(feeds), {
        warmup: heavy ? 2 : 10,
        minRuns: heavy ? 10 : 50,
        minMs: heavy ? 1500 : 500,
      })
      const raw = summarize(measured.raw).median
      const proxy = summarize(measured.proxy).median
      rows.push({
        label: c.label,
        calls: measured.proxy.length,
        raw,
        proxy,
        overhead: summarize(measured.overhead).median,
        overheadP10: quantile(measured.overhead, 0.1),
        node: node.median,
      })
      console.error(
        `bench: engine: ${c.label}: ${((performance.now() - started) / 1000).toFixed(1)} s`,
      )
    }
    const silero = await buildManifest('silero')
    const batchMeasured = await page.evaluate(
      async ({ manifest, inputs, sizes, perRound, rounds }) => {
        const engine = (globalThis as unknown as PageGlobal).benchEngine
        const modelId = (manifest as { id: string }).id
        await engine.loadModel(manifest, { backends: ['wasm'] })
        // Fresh copies for every call: run() and runBatch() transfer (detach) their inputs.
        const copy = () =>
          Object.fromEntries(
            Object.entries(inputs).map(([name, t]) => [name, { ...t, data: t.data.slice() }]),
          )
        const results = sizes.map((k) => ({
          k,
          perJob: [] as number[],
          overhead: [] as number[],
          inference: [] as number[],
          roundMs: [] as number[],
          jobs: 0,
          wallMs: 0,
        }))
        for (const result of results) {
          // Warm each path.
          if (result.k === 1) await engine.run({ modelId, inputs: copy() })
          else await engine.runBatch({ modelId, items: [{ inputs: copy() }, { inputs: copy() }] })
        }
        for (let round = 0; round < rounds; round++) {
          // Rotate the order so that drift hits every mode alike.
          for (let m = 0; m < results.length; m++) {
            const result = results[(m + round) % results.length]
            if (!result) continue
            const { k } = result
            const calls = Array.from({ length: perRound / k }, () =>
              Array.from({ length: k }, () => ({ inputs: copy() })),
            )
            const roundStart = performance.now()
            for (const items of calls) {
              const t0 = performance.now()
              let inferenceMs = 0
              if (k === 1) {
                inferenceMs = (await engine.run({ modelId, inputs: items[0]?.inputs ?? {} }))
                  .inferenceMs
                result.inference.push(inferenceMs)
              } else {
                const batch = await engine.runBatch({ modelId, items })
                for (const item of batch.items) {
                  if (!item.ok) continue
                  inferenceMs += item.inferenceMs
                  result.inference.push(item.inferenceMs)
                }
              }
              const wall = performance.now() - t0
              result.perJob.push(wall / k)
              result.overhead.push((wall - inferenceMs) / k)
            }
            const roundMs = performance.now() - roundStart
            result.roundMs[round] = roundMs
            result.wallMs += roundMs
            result.jobs += perRound
          }
        }
        return results
      },
      {
        manifest: silero,
        inputs: testModels.silero.makeInputs({ samples: 512 }, 4321),
        sizes: [...batchSizes],
        perRound: batchJobsPerRound,
        rounds: batchRounds,
      },
    )
    const singleRounds = batchMeasured.find((m) => m.k === 1)?.roundMs ?? []
    const batchRows: BatchRow[] = batchMeasured.map((m) => ({
      k: m.k,
      calls: m.perJob.length,
      jobs: m.jobs,
      perJob: m.wallMs / m.jobs,
      speedup: summarize(m.roundMs.map((ms, round) => (singleRounds[round] ?? 0) / ms)).median,
      inference: summarize(m.inference).median,
      overhead: summarize(m.overhead).median,
      overheadP10: quantile(m.overhead, 0.1),
      throughput: (1000 * m.jobs) / m.wallMs,
    }))
    const singleRow = batchRows.find((r) => r.k === 1)
    await page.evaluate(() => (globalThis as unknown as PageGlobal).benchEngine.dispose())

    const chromiumVersion = browser.version()
    const loadAfter = loadavg()[0] ?? 0
    const body = table(
      [
        'model (input), WASM',
        'calls/side',
        'raw ORT-web ms',
        'via Engine proxy ms',
        'proxy / raw',
        'overhead ms/call',
        'overhead p10 ms',
        'overhead %',
        `ORT-node CPU ms (${threads} thr)`,
      ],
      rows.map((r) => [
        r.label,
        String(r.calls),
        fmt(r.raw),
        fmt(r.proxy),
        r.raw > 0 ? (r.proxy / r.raw).toFixed(3) : '-',
        fmt(r.overhead),
        fmt(r.overheadP10),
        r.raw > 0 ? `${((100 * r.overhead) / r.raw).toFixed(1)}%` : '-',
        fmt(r.node),
      ]),
    )
    return [
      `## Engine (Chromium ${chromiumVersion}, onnxruntime-web ${info.runtime.version} WASM, ${threads} threads, cross-origin isolated: ${info.wasm.crossOriginIsolated})`,
      '',
      `Machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after (other processes share these cores: per-call overheads of a few ms are thread wake-up delays under load). Round trip page -> worker -> page with no compute (getStatus): median ${fmt(summarize(roundTrip).median)} ms.`,
      '',
      body,
      '',
      'raw: session.run timed inside the engine worker (same session, same inputs, back to back).',
      'proxy: `await engine.run()` timed on the page: message to the worker, queue, input checks, tensors in and out (transferred), message back.',
      "overhead: median over calls of (proxy wall time - the same call's session.run time); p10: its 10th percentile, what a call costs when no other process delays a thread wake-up. overhead %: median overhead / raw median. Goals: <= 3% on rec/det, <= 0.1 ms/call on Silero.",
      '',
      `### Batching: Silero VAD v5 [1,512], k jobs per call (k = 1: engine.run; k > 1: engine.runBatch), ${batchRounds} alternating rounds of ${batchJobsPerRound} jobs per k`,
      '',
      table(
        [
          'jobs per call',
          'calls',
          'ms/job',
          'session.run ms/job',
          'overhead ms/job',
          'overhead p10 ms/job',
          'jobs/s',
          'throughput vs k=1',
          'overhead vs k=1',
        ],
        batchRows.map((r) => [
          String(r.k),
          String(r.calls),
          fmt(r.perJob),
          fmt(r.inference),
          fmt(r.overhead),
          fmt(r.overheadP10),
          r.throughput.toFixed(0),
          r.speedup.toFixed(3),
          singleRow && singleRow.overhead > 0 ? (r.overhead / singleRow.overhead).toFixed(3) : '-',
        ]),
      ),
      '',
      "ms/job: all wall time on the page / all jobs of that k (jobs/s is its inverse). session.run: median of each job's own run. overhead: median over calls of (call wall time - its jobs' session.run times) / k: messaging, queue, input checks and tensor transfers per job; p10: its 10th percentile (a call no other process delayed). throughput vs k=1: median over rounds of the k=1 round's wall time / this k's, rounds of all k back to back. A long call is preempted by other processes more often than a short one: on a loaded machine the medians of long calls carry that, the p10 shows the cost without it.",
      '',
    ].join('\n')
  } finally {
    await browser.close()
    await gateway.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runEngineBench())
}
