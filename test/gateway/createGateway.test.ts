import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/createGateway.ts'
import { ListenError } from '../../src/gateway/errors/http.ts'
import { isolationHeaders, responseHeaders } from '../../src/gateway/http/isolationHeaders.ts'
import { createMetrics } from '../../src/gateway/metrics/createMetrics.ts'
import { openDatabase } from '../../src/gateway/storage/openDatabase.ts'
import viteConfig from '../../vite.config.ts'
import { memoryLogger } from './memoryLogger.ts'
import { rawRequest } from './rawRequest.ts'

const indexHtml = '<!doctype html><title>fake app</title><div id="root"></div>\n'
/** Bytes 0..255 twice, so a range's content is checkable by position. */
const assetBytes = Buffer.from([...Array(512).keys()].map((i) => i % 256))
const secret = 'SECRET-OUTSIDE-THE-APP-DIR'

let root: string
const started: Gateway[] = []

type StartOptions = { appDir?: string; port?: number; publicUrl?: string }

/** A gateway as main builds it, on a temp data dir and 127.0.0.1 port 0. */
async function start({ appDir = path.join(root, 'app'), port = 0, publicUrl }: StartOptions = {}) {
  const log = memoryLogger()
  const dataDir = mkdtempSync(path.join(root, 'data-'))
  const database = await openDatabase({ dataDir, logger: log.logger })
  const gateway = createGateway({
    config: { host: '127.0.0.1', port, appDir, publicUrl },
    logger: log.logger,
    database,
    metrics: createMetrics({ version: '9.9.9-test' }),
    version: '9.9.9-test',
  })
  await gateway.start()
  started.push(gateway)
  return { gateway, database, dataDir, url: gateway.address().url, lines: log.lines }
}

let app: Awaited<ReturnType<typeof start>>

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ig-http-'))
  mkdirSync(path.join(root, 'app', 'assets'), { recursive: true })
  writeFileSync(path.join(root, 'app', 'index.html'), indexHtml)
  writeFileSync(path.join(root, 'app', 'assets', 'main-4f3c2a1b.js'), assetBytes)
  writeFileSync(path.join(root, 'app', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(path.join(root, 'app', '.env'), secret)
  // Files next to the app directory that a traversal would reach.
  writeFileSync(path.join(root, 'secret.txt'), secret)
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: secret }))
  app = await start()
})

afterAll(async () => {
  for (const gateway of started) await gateway.stop()
  rmSync(root, { recursive: true, force: true })
})

const get = (pathname: string, init?: RequestInit) => fetch(new URL(pathname, app.url), init)
const html = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } }

describe('GET /healthz', () => {
  test('default', async () => {
    const response = await get('/healthz')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(body).toEqual({
      status: 'ok',
      version: '9.9.9-test',
      uptimeS: expect.any(Number),
      db: 'ok',
    })
    expect(body.uptimeS).toBeGreaterThanOrEqual(0)
  })

  test('error: 503 when the database fails', async () => {
    const broken = await start()
    await broken.database.close()
    const response = await fetch(new URL('/healthz', broken.url))
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ status: 'error', db: 'error' })
    expect(broken.lines().find((l) => l.msg === 'health check: database failed')).toBeDefined()
  })
})

describe('GET /metrics', () => {
  test('default: Prometheus text with process and runtime metrics', async () => {
    const response = await get('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    for (const name of [
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text).toMatch(new RegExp(`^${name} `, 'm'))
    expect(text).toContain('inference_grid_gateway_info{version="9.9.9-test"} 1')
  })

  test('behavior: counts requests by method, route and status', async () => {
    await get('/healthz')
    await get('/v1/nope')
    const text = await (await get('/metrics')).text()
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m,
    )
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m,
    )
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+$/m,
    )
  })
})

describe('isolation headers', () => {
  test('default: the same three headers as the Vite dev server', () => {
    expect(isolationHeaders).toEqual(viteConfig.server?.headers)
    expect(isolationHeaders).toEqual(viteConfig.preview?.headers)
  })

  test.each([
    ['/'],
    ['/assets/main-4f3c2a1b.js'],
    ['/healthz'],
    ['/metrics'],
    ['/v1/nope'],
    ['/dashboard'],
    ['/%zz'],
    ['/../secret.txt'],
  ])('behavior: on %s', async (pathname) => {
    const response = await rawRequest(app.url, pathname, html)
    for (const [name, value] of Object.entries(responseHeaders))
      expect(response.headers[name.toLowerCase()], name).toBe(value)
  })

  // Conditional requests go through rawRequest: fetch() adds Cache-Control: no-cache to any
  // request that carries If-None-Match, which rightly makes the server answer 200.
  test('behavior: on a 304', async () => {
    const first = await rawRequest(app.url, '/assets/main-4f3c2a1b.js')
    const etag = String(first.headers.etag)
    const response = await rawRequest(app.url, '/assets/main-4f3c2a1b.js', {
      headers: { 'if-none-match': etag },
    })
    expect(response.status).toBe(304)
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp')
  })
})

describe('static app', () => {
  test('default: / serves index.html to any client, revalidated each time', async () => {
    const response = await get('/', { headers: { accept: '*/*' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('etag')).toBeTruthy()
    expect(response.headers.get('last-modified')).toBeTruthy()
    expect(await response.text()).toBe(indexHtml)
  })

  test('behavior: hashed assets are immutable, with type and length', async () => {
    const response = await get('/assets/main-4f3c2a1b.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^(application|text)\/javascript/)
    expect(response.headers.get('content-length')).toBe(String(assetBytes.length))
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(Buffer.from(await response.arrayBuffer())).toEqual(assetBytes)
  })

  test('behavior: other files are revalidated', async () => {
    const response = await get('/favicon.svg')
    expect(response.headers.get('content-type')).toBe('image/svg+xml')
    expect(response.headers.get('cache-control')).toBe('no-cache')
  })

  test('behavior: 304 for a matching If-Modified-Since', async () => {
    const first = await rawRequest(app.url, '/favicon.svg')
    const response = await rawRequest(app.url, '/favicon.svg', {
      headers: { 'if-modified-since': String(first.headers['last-modified']) },
    })
    expect(response.status).toBe(304)
    expect(response.body.length).toBe(0)
  })

  test('behavior: 200 again once the ETag no longer matches', async () => {
    const response = await rawRequest(app.url, '/favicon.svg', {
      headers: { 'if-none-match': 'W/"stale"' },
    })
    expect(response.status).toBe(200)
  })

  test('behavior: a Range request gets 206 and exactly those bytes', async () => {
    const response = await get('/assets/main-4f3c2a1b.js', { headers: { range: 'bytes=250-265' } })
    expect(response.status).toBe(206)
    expect(response.headers.get('content-range')).toBe(`bytes 250-265/${assetBytes.length}`)
    expect(response.headers.get('content-length')).toBe('16')
    expect(Buffer.from(await response.arrayBuffer())).toEqual(assetBytes.subarray(250, 266))
  })

  test('error: an unsatisfiable range gets 416 with the size', async () => {
    const response = await get('/assets/main-4f3c2a1b.js', { headers: { range: 'bytes=9000-' } })
    expect(response.status).toBe(416)
    expect(response.headers.get('content-range')).toBe(`bytes */${assetBytes.length}`)
    expect(await response.json()).toMatchObject({ error: { code: 'RANGE_NOT_SATISFIABLE' } })
  })

  test('behavior: client routes fall back to index.html for browsers', async () => {
    // Not /dashboard or /network: those are routes of their own now (any Accept, no Vary).
    for (const route of ['/settings', '/dashboard/earnings?tab=1']) {
      const response = await get(route, html)
      expect(response.status, route).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(response.headers.get('vary')).toBe('Accept')
      expect(await response.text()).toBe(indexHtml)
    }
  })

  test('error: unknown paths that do not accept HTML get a JSON 404', async () => {
    const response = await get('/missing.js', { headers: { accept: '*/*' } })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /missing.js.' },
    })
  })

  test('error: unknown API paths get a JSON 404 even from a browser', async () => {
    for (const [method, pathname] of [
      ['GET', '/v1/nope'],
      ['POST', '/v1/nope'],
      ['GET', '/v1'],
    ] as const) {
      const response = await get(pathname, { method, headers: html.headers })
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(await response.json()).toEqual({
        error: { code: 'NOT_FOUND', message: `No route for ${method} ${pathname}.` },
      })
    }
  })

  test('error: a malformed URL gets a JSON 400', async () => {
    const response = await rawRequest(app.url, '/%zz')
    expect(response.status).toBe(400)
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'BAD_REQUEST' } })
  })

  test.each([
    ['/../secret.txt'],
    ['/../package.json'],
    ['/..%2fsecret.txt'],
    ['/%2e%2e/secret.txt'],
    ['/%2e%2e%2fsecret.txt'],
    ['/%2E%2E/package.json'],
    ['/..%5csecret.txt'],
    ['/%252e%252e/secret.txt'],
    ['/assets/../../secret.txt'],
    ['/assets/..%2f..%2fsecret.txt'],
    ['/assets/%2e%2e/%2e%2e/secret.txt'],
    ['//secret.txt'],
    ['/.env'],
  ])('error: %s is not served', async (pathname) => {
    for (const headers of [{}, html.headers]) {
      const response = await rawRequest(app.url, pathname, { headers })
      expect(response.text).not.toContain(secret)
      // Either refused, or (for a browser) the app shell: never a file from outside the app.
      if (response.status < 400) expect(response.text).toBe(indexHtml)
    }
  })

  test('error: stack traces never reach clients', async () => {
    for (const pathname of ['/%zz', '/v1/nope', '/../secret.txt']) {
      const response = await rawRequest(app.url, pathname)
      expect(response.text).not.toMatch(/\bat .+:\d+:\d+/)
      expect(response.text).not.toContain('node_modules')
    }
  })
})

describe('app directory without index.html', () => {
  test('behavior: a page says to run npm run build; the API still works', async () => {
    const empty = await start({ appDir: path.join(root, 'not-built') })
    const response = await fetch(empty.url)
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(await response.text()).toContain('Run <code>npm run build</code>')
    expect((await fetch(new URL('/dashboard', empty.url), html)).status).toBe(503)
    expect((await fetch(new URL('/healthz', empty.url))).status).toBe(200)
    expect(empty.lines().find((l) => l.level === 'warn')?.msg).toMatch(/no built app/)
  })
})

describe('request log', () => {
  test('default: one line per request with method, path, status and duration', async () => {
    await get('/favicon.svg?token=hidden')
    const line = app.lines().find((l) => l.msg === 'request' && l.path === '/favicon.svg')
    expect(line).toMatchObject({
      level: 'info',
      name: 'gateway:http',
      method: 'GET',
      status: 200,
      durationMs: expect.any(Number),
      reqId: expect.any(String),
    })
    // Query strings may carry secrets: never logged.
    expect(JSON.stringify(app.lines())).not.toContain('token=hidden')
  })

  test('behavior: probes log at debug', async () => {
    await get('/healthz')
    const probes = app.lines().filter((l) => l.msg === 'request' && l.path === '/healthz')
    expect(probes.length).toBeGreaterThan(0)
    for (const probe of probes) expect(probe.level).toBe('debug')
  })
})

describe('createGateway', () => {
  test('default: logs where it listens and keeps one gateway id across restarts', async () => {
    const first = await start()
    const id = first.gateway.gatewayId()
    expect(first.lines().find((l) => l.msg === 'listening')).toMatchObject({
      name: 'gateway:main',
      url: first.url,
      port: first.gateway.address().port,
      gatewayId: id,
      appReady: true,
    })
    await first.gateway.stop()
    expect(first.gateway.isStarted()).toBe(false)

    const log = memoryLogger('silent')
    const database = await openDatabase({ dataDir: first.dataDir, logger: log.logger })
    const second = createGateway({
      config: { host: '127.0.0.1', port: 0, appDir: root, publicUrl: undefined },
      logger: log.logger,
      database,
      metrics: createMetrics({ version: 'x', collectDefaults: false }),
    })
    await second.start()
    expect(second.gatewayId()).toBe(id)
    await second.stop()
  })

  test('behavior: the address shows the bound port and the public URL', async () => {
    const proxied = await start({ publicUrl: 'https://grid.example.org/' })
    const address = proxied.gateway.address()
    expect(address.port).toBeGreaterThan(0)
    expect(address.listenUrl).toBe(`http://127.0.0.1:${address.port}/`)
    expect(address.url).toBe('https://grid.example.org/')
  })

  test('behavior: stop closes the server and the database', async () => {
    const temporary = await start()
    await temporary.gateway.stop()
    await temporary.gateway.stop() // idempotent
    await expect(fetch(temporary.url)).rejects.toThrow()
    await expect(temporary.database.check()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
  })

  test('error: the port is taken', async () => {
    const port = app.gateway.address().port
    const error = await start({ port }).catch((e) => e)
    expect(error).toBeInstanceOf(ListenError)
    expect(error.code).toBe('HTTP_LISTEN_FAILED')
    expect(error.shortMessage).toBe(
      `Port ${port} on 127.0.0.1 is already in use. Stop the process using it, or pass --port with another port (0 picks a free one).`,
    )
  })
})
