// The app's Content-Security-Policy and framing headers as the gateway's HTTP server sends them:
// the grid's own pages are not framable, /embed is (partner sites frame it), and every policy
// allows exactly what the built app needs (same-origin scripts, wasm, the libp2p WebSockets).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHttpServer } from '../../../src/gateway/http/createHttpServer.ts'
import { createMetrics } from '../../../src/gateway/metrics/createMetrics.ts'
import type { GatewayDatabase } from '../../../src/gateway/storage/GatewayDatabase.ts'
import { openDatabase } from '../../../src/gateway/storage/openDatabase.ts'
import { memoryLogger } from '../memoryLogger.ts'
import { rawRequest } from '../rawRequest.ts'

const indexHtml = '<!doctype html><title>fake app</title><div id="root"></div>\n'
const html = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } }

let root: string
let database: GatewayDatabase
const servers: FastifyInstance[] = []
let sources: () => readonly string[] = () => ['ws://127.0.0.1:8701']
let url: string

async function serve(appDir: string, connectSources?: () => readonly string[]) {
  const { logger } = memoryLogger()
  const server = createHttpServer(
    { appDir, version: '9.9.9-test', startedAt: performance.now() },
    { logger, metrics: createMetrics({ version: '9.9.9-test' }), database, connectSources },
  )
  servers.push(server)
  await server.listen({ host: '127.0.0.1', port: 0 })
  const address = server.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}/`
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ig-csp-'))
  const appDir = path.join(root, 'app')
  mkdirSync(path.join(appDir, 'assets'), { recursive: true })
  writeFileSync(path.join(appDir, 'index.html'), indexHtml)
  writeFileSync(path.join(appDir, 'assets', 'engine.worker-1a2b3c4d.js'), 'export {}\n')
  writeFileSync(path.join(appDir, 'widget.js'), '(()=>{})();\n')
  const { logger } = memoryLogger()
  database = await openDatabase({ dataDir: path.join(root, 'data'), logger })
  url = await serve(appDir, () => sources())
})

afterAll(async () => {
  for (const server of servers) await server.close()
  await database?.close()
  rmSync(root, { recursive: true, force: true })
})

/** A policy as directive -> sources, so each check names the directive it is about. */
function parsePolicy(header: unknown): Map<string, string[]> {
  expect(typeof header, 'Content-Security-Policy header').toBe('string')
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name = '', ...values]) => [name, values]),
  )
}

function expectAppPolicy(policy: Map<string, string[]>) {
  expect(policy.get('default-src')).toEqual(["'self'"])
  // onnxruntime-web compiles wasm; nothing may run inline or through eval.
  expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
  expect(policy.get('worker-src')).toEqual(["'self'"])
  expect(policy.get('style-src')).toEqual(["'self'"])
  expect(policy.get('object-src')).toEqual(["'none'"])
  expect(policy.get('base-uri')).toEqual(["'none'"])
  for (const values of policy.values()) {
    expect(values).not.toContain("'unsafe-inline'")
    expect(values).not.toContain("'unsafe-eval'")
  }
}

describe('the grid pages', () => {
  test.each([['/'], ['/dashboard'], ['/network'], ['/dashboard/anything'], ['/index.html']])(
    'default: %s has the app policy and cannot be framed',
    async (pathname) => {
      const response = await rawRequest(url, pathname, html)
      expect(response.status).toBe(200)
      expect(response.text).toBe(indexHtml)
      const policy = parsePolicy(response.headers['content-security-policy'])
      expectAppPolicy(policy)
      expect(policy.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:8701'])
      expect(policy.get('frame-ancestors')).toEqual(["'none'"])
      expect(response.headers['x-frame-options']).toBe('DENY')
      expect(response.headers['x-content-type-options']).toBe('nosniff')
      expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    },
  )

  test.each([['/assets/engine.worker-1a2b3c4d.js'], ['/healthz'], ['/v1/nope'], ['/%zz']])(
    'behavior: %s carries it too (workers take the policy of their script)',
    async (pathname) => {
      const response = await rawRequest(url, pathname, html)
      const policy = parsePolicy(response.headers['content-security-policy'])
      expectAppPolicy(policy)
      expect(policy.get('frame-ancestors')).toEqual(["'none'"])
    },
  )

  test('behavior: a 304 keeps the policy', async () => {
    const first = await rawRequest(url, '/assets/engine.worker-1a2b3c4d.js')
    const response = await rawRequest(url, '/assets/engine.worker-1a2b3c4d.js', {
      headers: { 'if-none-match': String(first.headers.etag) },
    })
    expect(response.status).toBe(304)
    expectAppPolicy(parsePolicy(response.headers['content-security-policy']))
  })
})

describe('/embed', () => {
  test('default: framable by any partner site, otherwise the same policy', async () => {
    const response = await rawRequest(
      url,
      '/embed?partner=0x70997970C51812dc3A010C7d01b50e0d17dc79C8&origin=https%3A%2F%2Fnews.example',
      html,
    )
    expect(response.status).toBe(200)
    const policy = parsePolicy(response.headers['content-security-policy'])
    expectAppPolicy(policy)
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:8701'])
    expect(policy.get('frame-ancestors')).toEqual(['*'])
    expect(response.headers['x-frame-options']).toBeUndefined()
  })
})

describe('connect-src', () => {
  test('behavior: follows the libp2p listeners as they change', async () => {
    sources = () => ['ws://127.0.0.1:9001', 'wss://grid.example:443']
    try {
      const response = await rawRequest(url, '/', html)
      expect(parsePolicy(response.headers['content-security-policy']).get('connect-src')).toEqual([
        "'self'",
        'ws://127.0.0.1:9001',
        'wss://grid.example:443',
      ])
    } finally {
      sources = () => ['ws://127.0.0.1:8701']
    }
  })

  test('error: a node that cannot answer (stopping) keeps the last policy, never a 500', async () => {
    await rawRequest(url, '/', html)
    sources = () => {
      throw new Error('The job network has not started: await start() first.')
    }
    try {
      const response = await rawRequest(url, '/', html)
      expect(response.status).toBe(200)
      expect(parsePolicy(response.headers['content-security-policy']).get('connect-src')).toEqual([
        "'self'",
        'ws://127.0.0.1:8701',
      ])
    } finally {
      sources = () => ['ws://127.0.0.1:8701']
    }
  })

  test('behavior: without a job network the pages connect to their own origin only', async () => {
    const bare = await serve(path.join(root, 'app'))
    const response = await rawRequest(bare, '/', html)
    expect(parsePolicy(response.headers['content-security-policy']).get('connect-src')).toEqual([
      "'self'",
    ])
  })
})

describe('app directory without index.html', () => {
  test('behavior: the build-it page runs nothing and cannot be framed', async () => {
    const missing = await serve(path.join(root, 'no-app'))
    const response = await rawRequest(missing, '/', html)
    expect(response.status).toBe(503)
    const policy = parsePolicy(response.headers['content-security-policy'])
    expect(policy.get('default-src')).toEqual(["'none'"])
    expect(policy.get('frame-ancestors')).toEqual(["'none'"])
  })
})
