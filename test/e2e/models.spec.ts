/**
 * The browser's ModelStore (src/worker/models) in real Chromium against a real gateway: download
 * with progress, sha256 verification, Cache Storage across page loads, the download cap, quota
 * eviction, abort, list/clear/usage, and the same store inside a Web Worker.
 */
import type { BrowserContext, Page } from '@playwright/test'
import type { ModelSource } from '../../src/worker/engine/ModelSource.ts'
import type * as ModelsModule from '../../src/worker/models/index.ts'
import type { ModelStore } from '../../src/worker/models/ModelStore.ts'
import { bundleForBrowser } from '../fixtures/bundleForBrowser.ts'
import { expect, test } from './fixtures.ts'

type Models = typeof ModelsModule
type Summary = { id: `0x${string}`; name: string; size: number }
type Window = typeof globalThis & { IGModels: Models }

// Compile-time check: a ModelStore is what the engine takes as its model source.
const storeIsModelSource = (store: ModelStore): ModelSource => store
void storeIsModelSource

/** A blank same-origin page (fulfilled by Playwright, so the app's own requests stay out). */
const blankPath = '/__model-store-test'

let bundle: string
let models: Record<string, Summary>

test.beforeAll(async ({ gateway }) => {
  bundle = await bundleForBrowser('src/worker/models/index.ts', 'IGModels')
  const response = await fetch(new URL('/v1/models', gateway.url))
  const body = (await response.json()) as { models: Summary[] }
  models = Object.fromEntries(body.models.map((model) => [model.name, model]))
})

async function openStorePage(page: Page): Promise<void> {
  await page.route(`**${blankPath}`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>model store</title>' }),
  )
  await page.goto(blankPath)
  await page.addScriptTag({ content: bundle })
}

/** Counts the page's requests for model bytes (`/models/...`, not the `/v1/models` API). */
function countModelRequests(page: Page): { count: () => number } {
  let count = 0
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) count++
  })
  return { count: () => count }
}

function model(name: string): Summary {
  const found = models[name]
  if (!found) throw new Error(`the gateway has no ${name}`)
  return found
}

async function newStorePage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await openStorePage(page)
  return page
}

test.describe('ModelStore', () => {
  test('default: downloads with progress, verifies, caches; a new page makes no request for it', async ({
    page,
    context,
  }) => {
    const silero = model('silero-vad-v5')
    await openStorePage(page)
    const first = countModelRequests(page)
    const result = await page.evaluate(async (id) => {
      const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
      const manifest = await fetchManifest(id)
      const store = new ModelStore()
      const progress: { loaded: number; total: number }[] = []
      const bytes = await store.get(manifest, { onProgress: (p) => progress.push(p) })
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      return {
        size: bytes.byteLength,
        sha256: `0x${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`,
        events: progress.length,
        increasing: progress.every((p, i) => i === 0 || p.loaded > (progress[i - 1]?.loaded ?? 0)),
        last: progress.at(-1),
        listed: (await store.list()).map(({ id, name, size }) => ({ id, name, size })),
      }
    }, silero.id)
    expect(result.size).toBe(silero.size)
    expect(result.sha256).toBe(silero.id)
    expect(result.events).toBeGreaterThan(1)
    expect(result.increasing).toBe(true)
    expect(result.last).toMatchObject({ loaded: silero.size, total: silero.size })
    expect(result.listed).toEqual([{ id: silero.id, name: 'silero-vad-v5', size: silero.size }])
    expect(first.count()).toBe(1)

    // A second page load in the same context: served from Cache Storage, re-verified, no request.
    const second = await newStorePage(context)
    const requests = countModelRequests(second)
    const again = await second.evaluate(async (id) => {
      const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
      const bytes = await new ModelStore().get(await fetchManifest(id))
      return bytes.byteLength
    }, silero.id)
    expect(again).toBe(silero.size)
    expect(requests.count()).toBe(0)
  })

  test('error: a tampered model is refused with ModelIntegrityError and not cached', async ({
    page,
  }) => {
    const silero = model('silero-vad-v5')
    // The bytes only: /v1/models/:id (the manifest) passes untouched.
    await page.route(
      (url) => url.pathname === `/models/${silero.id}`,
      async (route) => {
        const response = await route.fetch()
        const body = await response.body()
        body[1000] = (body[1000] ?? 0) ^ 0xff
        await route.fulfill({ response, body })
      },
    )
    await openStorePage(page)
    const result = await page.evaluate(async (id) => {
      const { ModelStore, ModelIntegrityError, fetchManifest } = (globalThis as Window).IGModels
      const store = new ModelStore()
      const manifest = await fetchManifest(id)
      const error = await store.get(manifest).catch((e: unknown) => e)
      const cache = await caches.open(store.cacheName)
      return {
        isIntegrityError: error instanceof ModelIntegrityError,
        name: (error as Error).name,
        code: (error as { code?: string }).code,
        details: (error as { details?: unknown }).details,
        listed: (await store.list()).length,
        cached: (await cache.match(store.modelUrl(id))) !== undefined,
      }
    }, silero.id)
    expect(result).toMatchObject({
      isIntegrityError: true,
      name: 'ModelIntegrityError',
      code: 'MODEL_INTEGRITY',
      details: { expected: silero.id, actual: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
      listed: 0,
      cached: false,
    })
  })

  test('error: the download cap refuses before fetching, with the numbers', async ({ page }) => {
    const [silero, cls] = [model('silero-vad-v5'), model('ppocr-mobile-v2-cls')]
    await openStorePage(page)
    const requests = countModelRequests(page)
    const cap = silero.size + cls.size - 1
    const result = await page.evaluate(
      async ({ first, second, cap }) => {
        const { ModelStore, ModelDownloadCapError, fetchManifest } = (globalThis as Window).IGModels
        const store = new ModelStore({ maxDownloadBytes: cap })
        await store.get(await fetchManifest(first))
        const error = await store.get(await fetchManifest(second)).catch((e: unknown) => e)
        return {
          isCapError: error instanceof ModelDownloadCapError,
          code: (error as { code?: string }).code,
          details: (error as { details?: unknown }).details,
          usage: await store.usage(),
        }
      },
      { first: silero.id, second: cls.id, cap },
    )
    expect(result).toMatchObject({
      isCapError: true,
      code: 'MODEL_DOWNLOAD_CAP_EXCEEDED',
      details: {
        modelId: cls.id,
        size: cls.size,
        used: silero.size,
        maxDownloadBytes: cap,
        remaining: cls.size - 1,
      },
      usage: {
        modelBytes: silero.size,
        models: 1,
        maxDownloadBytes: cap,
        usedAgainstCap: silero.size,
      },
    })
    // Only silero was fetched: the refused model cost no traffic.
    expect(requests.count()).toBe(1)
  })

  test('default: usage() reports numbers; clear(id) and clear() empty the store', async ({
    page,
  }) => {
    const [silero, cls] = [model('silero-vad-v5'), model('ppocr-mobile-v2-cls')]
    await openStorePage(page)
    const result = await page.evaluate(
      async (ids) => {
        const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
        const store = new ModelStore()
        for (const id of ids) await store.get(await fetchManifest(id))
        const before = await store.usage()
        await store.clear(ids[0])
        const afterOne = (await store.list()).map((m) => m.id)
        await store.clear()
        return { before, afterOne, afterAll: await store.list(), usage: await store.usage() }
      },
      [silero.id, cls.id],
    )
    expect(result.before).toMatchObject({ models: 2, modelBytes: silero.size + cls.size })
    expect(result.before.usage).toBeGreaterThanOrEqual(silero.size + cls.size)
    expect(result.before.quota).toBeGreaterThan(result.before.usage)
    expect(result.afterOne).toEqual([cls.id])
    expect(result.afterAll).toEqual([])
    expect(result.usage).toMatchObject({ models: 0, modelBytes: 0 })
  })

  test('behavior: aborting mid-download stops the stream and caches nothing', async ({ page }) => {
    const rec = model('ppocr-v4-rec')
    await openStorePage(page)
    const result = await page.evaluate(async (id) => {
      const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
      const store = new ModelStore()
      const abort = new AbortController()
      let loaded = 0
      const error = await store
        .get(await fetchManifest(id), {
          signal: abort.signal,
          onProgress: (p) => {
            loaded = p.loaded
            abort.abort()
          },
        })
        .catch((e: unknown) => e)
      return {
        code: (error as { code?: string }).code,
        loaded,
        listed: (await store.list()).length,
      }
    }, rec.id)
    expect(result.code).toBe('MODEL_DOWNLOAD_ABORTED')
    expect(result.loaded).toBeGreaterThan(0)
    expect(result.loaded).toBeLessThan(rec.size)
    expect(result.listed).toBe(0)
  })

  test('behavior: over quota, the least recently used model is evicted and caching retried', async ({
    page,
    context,
  }) => {
    const [det, cls, silero] = [
      model('ppocr-v4-det'),
      model('ppocr-mobile-v2-cls'),
      model('silero-vad-v5'),
    ]
    await openStorePage(page)
    // Room for det + cls, not for silero as well.
    const cdp = await context.newCDPSession(page)
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: new URL(page.url()).origin,
      quotaSize: det.size + cls.size + silero.size - 500_000,
    })
    const result = await page.evaluate(
      async (ids) => {
        const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
        const events: { kind: string; modelId: string; code?: string }[] = []
        const store = new ModelStore({
          onEvent: (event) =>
            events.push({
              kind: event.kind,
              modelId: event.modelId,
              ...('error' in event ? { code: event.error.code } : {}),
            }),
        })
        const [detManifest, clsManifest, sileroManifest] = await Promise.all(
          ids.map((id) => fetchManifest(id)),
        )
        if (!detManifest || !clsManifest || !sileroManifest) throw new Error('no manifest')
        await store.get(detManifest)
        await store.get(clsManifest)
        const bytes = await store.get(sileroManifest)
        return { size: bytes.byteLength, events, listed: (await store.list()).map((m) => m.id) }
      },
      [det.id, cls.id, silero.id],
    )
    expect(result.size).toBe(silero.size)
    expect(result.events).toEqual([{ kind: 'evicted', modelId: det.id }])
    expect(result.listed).toEqual([silero.id, cls.id])
  })

  test('behavior: runs inside a Web Worker too (Cache Storage, fetch, WebCrypto there)', async ({
    page,
  }) => {
    const cls = model('ppocr-mobile-v2-cls')
    await openStorePage(page)
    const result = await page.evaluate(
      async ({ source, id }) => {
        const code = `${source}
          self.onmessage = async (event) => {
            const { ModelStore, fetchManifest } = self.IGModels
            const store = new ModelStore()
            try {
              const manifest = await fetchManifest(event.data)
              let events = 0
              const bytes = await store.get(manifest, { onProgress: () => events++ })
              self.postMessage({ size: bytes.byteLength, events, listed: (await store.list()).length })
            } catch (error) {
              self.postMessage({ error: { name: error.name, code: error.code } })
            }
          }`
        const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }))
        const worker = new Worker(url)
        const answer = await new Promise((resolve) => {
          worker.onmessage = (event) => resolve(event.data)
          worker.postMessage(id)
        })
        worker.terminate()
        return answer
      },
      { source: bundle, id: cls.id },
    )
    expect(result).toMatchObject({ size: cls.size, listed: 1 })
  })

  test('measure: fetch time per model, cold and cached', async ({ page }) => {
    await openStorePage(page)
    const timings = await page.evaluate(async (list) => {
      const { ModelStore, fetchManifest } = (globalThis as Window).IGModels
      const store = new ModelStore()
      const rows: { name: string; size: number; coldMs: number; cachedMs: number }[] = []
      for (const { id, name, size } of list) {
        const manifest = await fetchManifest(id)
        const t0 = performance.now()
        await store.get(manifest)
        const t1 = performance.now()
        await store.get(manifest)
        const t2 = performance.now()
        rows.push({ name, size, coldMs: Math.round(t1 - t0), cachedMs: Math.round(t2 - t1) })
      }
      return rows
    }, Object.values(models))
    for (const row of timings) {
      expect(row.coldMs).toBeGreaterThanOrEqual(0)
      test.info().annotations.push({
        type: 'timing',
        description: `${row.name} (${row.size} B): cold ${row.coldMs} ms, cached ${row.cachedMs} ms`,
      })
    }
    console.log(
      `model fetch in Chromium (download + sha256 + cache put | cache read + sha256):\n${timings
        .map(
          (r) =>
            `  ${r.name.padEnd(20)} ${String(r.size).padStart(9)} B  cold ${String(r.coldMs).padStart(4)} ms  cached ${String(r.cachedMs).padStart(4)} ms`,
        )
        .join('\n')}`,
    )
  })
})
