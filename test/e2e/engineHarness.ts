/**
 * Puts the built engine into a page of the built app served by the gateway: the engine entry
 * (src/worker/index.ts, found through Vite's dist/.vite/manifest.json) is imported into the page,
 * so the test drives the real worker, the real onnxruntime-web chunks and the real .wasm assets,
 * all same-origin under the gateway's cross-origin isolation headers. Model bytes are answered by
 * page.route from the npm packages. Shared by the engine specs and bench/engine.ts, so the code
 * that runs in the page is written without DOM types.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import type * as WorkerModule from '../../src/worker/index.ts'
import { modelBytes, type TestModelName, testModels } from '../worker/engineModels.ts'

const root = path.resolve(import.meta.dirname, '../..')

/** What the page holds after openEnginePage: the engine module and a test model source. */
export type EngineHarness = {
  engine: typeof WorkerModule
  /** Serves model bytes from /__engine-test/models/<manifest.name>, with progress. */
  modelSource: WorkerModule.ModelSource
  /** How many times modelSource.get was called, per model name. */
  fetches: Record<string, number>
}

/** globalThis in the page: `(globalThis as unknown as HarnessGlobal).engineHarness`. */
export type HarnessGlobal = { engineHarness: EngineHarness }

/** URL path of the engine's entry chunk in the built app. */
export function engineEntryPath(): string {
  const manifestPath = path.join(root, 'dist/.vite/manifest.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<
    string,
    { file: string }
  >
  const entry = manifest['src/worker/index.ts']
  if (!entry)
    throw new Error(`${manifestPath} has no src/worker/index.ts entry: run npx vite build`)
  return `/${entry.file}`
}

/** Opens the app, routes model bytes, imports the engine entry; returns the entry's path. */
export async function openEnginePage(page: Page, url = '/'): Promise<string> {
  const byName = new Map(
    (Object.keys(testModels) as TestModelName[]).map((model) => [testModels[model].name, model]),
  )
  await page.route('**/__engine-test/models/*', async (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop() ?? '')
    const model = byName.get(name)
    if (!model) return route.fulfill({ status: 404, body: 'unknown test model' })
    return route.fulfill({
      status: 200,
      body: Buffer.from(modelBytes(model)),
      headers: { 'content-type': 'application/octet-stream' },
    })
  })
  await page.goto(url)
  const entry = engineEntryPath()
  await page.evaluate(async (entryPath) => {
    const engine = (await import(entryPath)) as typeof WorkerModule
    const fetches: Record<string, number> = {}
    const modelSource: WorkerModule.ModelSource = {
      async get(manifest, options = {}) {
        fetches[manifest.name] = (fetches[manifest.name] ?? 0) + 1
        const response = await fetch(`/__engine-test/models/${encodeURIComponent(manifest.name)}`, {
          signal: options.signal ?? null,
        })
        if (!response.ok) throw new Error(`model fetch failed: ${response.status}`)
        const bytes = new Uint8Array(await response.arrayBuffer())
        options.onProgress?.({ loadedBytes: bytes.byteLength, totalBytes: bytes.byteLength })
        return bytes
      },
    }
    const value: EngineHarness = { engine, modelSource, fetches }
    ;(globalThis as unknown as HarnessGlobal).engineHarness = value
  }, entry)
  return entry
}

/** onnxruntime-web prints WebGPU warnings as console errors: those are not failures. */
export function isOrtWarning(text: string): boolean {
  return /onnxruntime|\[W:|VerifyEachNodeIsAssignedToAnEp|webgpu/i.test(text)
}
