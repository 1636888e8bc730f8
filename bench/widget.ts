/**
 * Widget benchmark: the size of widget.js (the partner's cost on every page view: budget 15 KB
 * gzip) and the time from the visitor's Start to the first job completed, in the partner widget's
 * iframe on another site and, side by side in the same run, on the grid's own contributor page.
 * Each Start with a job already queued: Start -> worker code -> engine -> model self-tests ->
 * connect -> hello -> assign -> run -> result accepted. Cold = a fresh browser profile (models
 * downloaded); warm = Start again in the same profile (models from Cache Storage).
 *
 * The browser partitions third-party storage as Chrome, Firefox and Safari do (Playwright's
 * default turns partitioning off; see test/fixtures/partnerPages.ts), and the gateway listens on
 * WebSocket only, on 127.0.0.1, so no network namespace is needed.
 *
 * Run: `npx tsx bench/widget.ts` (builds the app first if dist/ has no widget.json).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { Browser } from '@playwright/test'
import {
  launchWithStoragePartitioning,
  PARTNER,
  partnerHtml,
  widgetScript,
} from '../test/fixtures/partnerPages.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import { startPartnerServer } from '../test/fixtures/startPartnerServer.ts'
import { testModels } from '../test/worker/engineModels.ts'
import { fmt, table } from './measure.ts'

const root = path.resolve(import.meta.dirname, '..')
const OPERATOR_TOKEN = 'widget-bench-operator-token'
const ROUNDS = 2

type WidgetManifest = { version: string; integrity: string; bytes: number; gzipBytes: number }

async function ensureBuilt(): Promise<WidgetManifest> {
  const file = path.join(root, 'dist/widget.json')
  if (!existsSync(file)) {
    console.error('bench: widget: dist/ has no widget.json, building the app (vite build)...')
    const { build } = await import('vite')
    await build({ root, logLevel: 'warn' })
  }
  return JSON.parse(readFileSync(file, 'utf8')) as WidgetManifest
}

export async function runWidgetBench(): Promise<string> {
  const manifest = await ensureBuilt()
  const code = readFileSync(path.join(root, 'dist/widget.js'))
  const gzip = gzipSync(code, { level: 9 }).length
  const brotli = brotliCompressSync(code).length
  const sizeTable = table(
    ['widget.js', 'bytes', 'gzip -9', 'brotli', 'gzip / 15 KB budget'],
    [
      [
        `v${manifest.version}`,
        String(code.length),
        String(gzip),
        String(brotli),
        `${((gzip / (15 * 1024)) * 100).toFixed(0)} %`,
      ],
    ],
  )

  const gateway = await startGateway({
    appDir: 'dist',
    args: ['--operator-token', OPERATOR_TOKEN, '--p2p-listen', '/ip4/127.0.0.1/tcp/0/ws'],
  })
  const partner = await startPartnerServer('127.0.0.2')
  const grid = new URL(gateway.url).origin
  partner.setPage('/article', {
    body: partnerHtml('', widgetScript(grid, `data-partner="${PARTNER}"`)),
  })
  let browser: Browser | undefined
  try {
    const apiKey = await createApiKey(gateway.url)
    browser = await launchWithStoragePartitioning()
    let seed = 0
    /** Queues one Silero job, presses Start, returns ms from the click to the job's finish. */
    const startToFirstJob = async (start: () => Promise<void>) => {
      const id = await submitSileroJob(gateway.url, apiKey, seed++)
      const clickedAt = Date.now()
      await start()
      const finishedAt = await waitFinished(gateway.url, apiKey, id)
      return finishedAt - clickedAt
    }
    const samples: Record<string, number[]> = {}
    const add = (key: string, ms: number) => {
      samples[key] = [...(samples[key] ?? []), ms]
    }
    let isolation = { widget: false, page: false }
    for (let round = 0; round < ROUNDS; round++) {
      // The widget on the partner site: cold, then warm (Stop, reopen the card, Start).
      {
        const context = await browser.newContext()
        const page = await context.newPage()
        await page.goto(`${partner.origin}/article`)
        const start = () => page.getByRole('button', { name: 'Start' }).click()
        add('widget cold', await startToFirstJob(start))
        isolation.widget = await (page.frame({ url: /\/embed\?/ })?.evaluate(isIsolated) ??
          Promise.resolve(false))
        await page.getByRole('button', { name: 'Stop' }).click()
        await page.getByRole('button', { name: 'Lend compute?' }).click()
        add('widget warm', await startToFirstJob(start))
        await context.close()
      }
      // The contributor page on the grid's own origin, the same way.
      {
        const context = await browser.newContext()
        const page = await context.newPage()
        await page.goto(gateway.url)
        const toggle = page.getByTestId('contribute-toggle')
        add('page cold', await startToFirstJob(() => toggle.click()))
        isolation = {
          ...isolation,
          page: await page.evaluate(isIsolated),
        }
        await page.reload()
        add('page warm', await startToFirstJob(() => toggle.click()))
        await context.close()
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0
    const rows = ['cold', 'warm'].map((kind) => {
      const widget = median(samples[`widget ${kind}`] ?? [])
      const page = median(samples[`page ${kind}`] ?? [])
      return [
        kind,
        fmt(widget / 1000, 2),
        fmt(page / 1000, 2),
        `${(widget / page).toFixed(2)}x`,
        String(samples[`widget ${kind}`]?.length ?? 0),
      ]
    })
    const timeTable = table(
      [
        'Start -> first job (s, median)',
        'widget iframe',
        'contributor page',
        'widget / page',
        'runs',
      ],
      rows,
    )
    return [
      '## Partner widget',
      '',
      sizeTable,
      '',
      timeTable,
      '',
      `Widget iframe on a non-isolated partner page: crossOriginIsolated ${isolation.widget} (WASM single-threaded); contributor page: ${isolation.page}. Every Start self-tests each model the gateway serves before the hello. Browser: Chromium with third-party storage partitioning on; gateway over WebSocket on 127.0.0.1.`,
    ].join('\n')
  } finally {
    await browser?.close()
    await partner.close()
    await gateway.stop()
  }
}

/** Runs in the page: no DOM types in this Node program. */
const isIsolated = () =>
  (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated

async function createApiKey(url: string): Promise<string> {
  const response = await fetch(new URL('/v1/operator/api-keys', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'widget-bench', ratePerSecond: 100, burst: 100 }),
  })
  if (response.status !== 201) throw new Error(`api key: HTTP ${response.status}`)
  return ((await response.json()) as { secret: string }).secret
}

async function submitSileroJob(url: string, apiKey: string, seed: number): Promise<string> {
  const inputs = testModels.silero.makeInputs({ samples: 512 }, 500 + seed)
  const response = await fetch(new URL('/v1/jobs', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: testModels.silero.name,
      inputs: Object.fromEntries(
        Object.entries(inputs).map(([name, t]) => [
          name,
          { dtype: t.dtype, dims: t.dims, data: Buffer.from(t.data).toString('base64') },
        ]),
      ),
    }),
  })
  if (response.status !== 202) throw new Error(`submit: HTTP ${response.status}`)
  return ((await response.json()) as { id: string }).id
}

async function waitFinished(url: string, apiKey: string, id: string): Promise<number> {
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    const response = await fetch(new URL(`/v1/jobs/${id}?wait=20`, url), {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    const view = (await response.json()) as { status: string; finishedAt: string | null }
    if (view.status === 'completed' && view.finishedAt) return Date.parse(view.finishedAt)
    if (view.status === 'failed' || view.status === 'cancelled')
      throw new Error(`job ${id} ${view.status}`)
  }
  throw new Error(`job ${id} did not finish in 180 s`)
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runWidgetBench())
