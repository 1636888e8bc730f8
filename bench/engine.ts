/**
 * Engine benchmark: what the Engine proxy (page -> Web Worker -> onnxruntime-web -> page) costs
 * on top of raw onnxruntime-web session.run calls, measured side by side in one page of the built
 * app served by a real gateway, in Debian's Chromium, on WASM; onnxruntime-node CPU (same thread
 * count) is the reference column. Raw calls are timed inside the engine's worker by
 * engine.benchmark (session.run back to back on the same session and inputs); proxy calls are
 * timed on the page around `await engine.run(...)` with transferred inputs. Rounds of raw and
 * proxy calls alternate so that drift (thermal, the other core) hits both alike.
 *
 * Run: `npx tsx bench/engine.ts` (builds the app first if dist/ has no engine entry).
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
    for (const c of cases) {
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
    ].join('\n')
  } finally {
    await browser.close()
    await gateway.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runEngineBench())
}
