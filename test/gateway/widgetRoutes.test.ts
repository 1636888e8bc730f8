// What partner pages load from the gateway: widget.js and widget.json (CORP cross-origin, CORS
// for SRI) and the /embed page (CORP cross-origin, still COEP/COOP), while everything else keeps
// CORP same-origin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/createGateway.ts'
import { createMetrics } from '../../src/gateway/metrics/createMetrics.ts'
import { openDatabase } from '../../src/gateway/storage/openDatabase.ts'
import { memoryLogger } from './memoryLogger.ts'

const indexHtml = '<!doctype html><title>fake app</title><div id="root"></div>\n'
const widgetJs = '(()=>{globalThis.InferenceGridWidget={}})();\n'
let root: string
let gateway: Gateway
let url: string

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ig-widget-http-'))
  const appDir = path.join(root, 'app')
  mkdirSync(path.join(appDir, 'widget'), { recursive: true })
  mkdirSync(path.join(appDir, 'assets'), { recursive: true })
  writeFileSync(path.join(appDir, 'index.html'), indexHtml)
  writeFileSync(path.join(appDir, 'widget.js'), widgetJs)
  writeFileSync(path.join(appDir, 'widget', '0.1.0.js'), widgetJs)
  writeFileSync(path.join(appDir, 'widget.json'), '{"version":"0.1.0"}\n')
  writeFileSync(path.join(appDir, 'assets', 'main-1a2b3c4d.js'), 'export {}\n')
  const { logger } = memoryLogger()
  const database = await openDatabase({ dataDir: path.join(root, 'data'), logger })
  gateway = createGateway({
    config: { host: '127.0.0.1', port: 0, appDir, publicUrl: undefined },
    logger,
    database,
    metrics: createMetrics({ version: '9.9.9-test' }),
    version: '9.9.9-test',
  })
  await gateway.start()
  url = gateway.address().url
})

afterAll(async () => {
  await gateway?.stop()
  rmSync(root, { recursive: true, force: true })
})

const get = (pathname: string, headers: Record<string, string> = {}) =>
  fetch(new URL(pathname, url), { headers })

describe('widget files', () => {
  test('default: widget.js loads cross-origin, with CORS so SRI can be checked', async () => {
    for (const pathname of ['/widget.js', '/widget/0.1.0.js']) {
      const response = await get(pathname, { origin: 'https://news.example' })
      expect(response.status, pathname).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^(application|text)\/javascript/)
      expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await response.text()).toBe(widgetJs)
    }
    const manifest = await get('/widget.json')
    expect(manifest.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    expect(manifest.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('behavior: the app itself stays same-origin only', async () => {
    for (const pathname of ['/', '/assets/main-1a2b3c4d.js', '/v1/nothing']) {
      const response = await get(pathname, { accept: 'text/html' })
      expect(response.headers.get('cross-origin-resource-policy'), pathname).toBe('same-origin')
      expect(response.headers.get('access-control-allow-origin'), pathname).toBeNull()
    }
  })
})

describe('GET /embed', () => {
  test('default: the app page, frameable by partner sites, still cross-origin isolated itself', async () => {
    const response = await get('/embed?partner=0x70997970C51812dc3A010C7d01b50e0d17dc79C8', {
      accept: 'text/html',
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(indexHtml)
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(response.headers.get('x-frame-options')).toBeNull()
    expect(response.headers.get('cache-control')).toBe('no-cache')
  })
})
