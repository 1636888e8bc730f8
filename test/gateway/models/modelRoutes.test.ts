import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { responseHeaders } from '../../../src/gateway/http/isolationHeaders.ts'
import type { ModelId } from '../../../src/protocol/messages.ts'
import { parseManifest } from '../../../src/protocol/models/parseManifest.ts'
import { rawRequest } from '../rawRequest.ts'
import {
  customModelBytes,
  dictionaryFile,
  type ModelGateway,
  packageFile,
  sha256,
  startModelGateway,
} from './modelFixtures.ts'

const token = 'test-operator-token-0123456789'
const silero = packageFile('silero-vad-v5')
const sileroId = sha256(silero)
const bytes = customModelBytes()

let root: string
let app: ModelGateway
let noToken: ModelGateway

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ig-model-http-'))
  app = await startModelGateway({ root, operatorToken: token, maxModelUploadBytes: 1_000_000 })
  // Only the missing token matters there: no built-ins keeps it quick.
  noToken = await startModelGateway({ root, builtins: [] })
})

afterAll(async () => {
  await app?.stop()
  await noToken?.stop()
  rmSync(root, { recursive: true, force: true })
})

const get = (pathname: string, init?: RequestInit) => fetch(new URL(pathname, app.url), init)

const upload = (
  data: Uint8Array | ReadableStream<Uint8Array>,
  {
    name = 'my-cls',
    auth = `Bearer ${token}`,
    type = 'application/octet-stream',
    url = app.url,
  } = {},
) =>
  fetch(new URL(`/v1/models?name=${encodeURIComponent(name)}`, url), {
    method: 'POST',
    headers: { authorization: auth, 'content-type': type },
    body: data,
    // A stream body needs half duplex in Node's fetch.
    ...(data instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit)

describe('GET /v1/models', () => {
  test('default: the four built-ins with id, name, task, size, description', async () => {
    const response = await get('/v1/models')
    expect(response.status).toBe(200)
    const body = (await response.json()) as { models: Record<string, unknown>[] }
    expect(body.models.find((m) => m.name === 'silero-vad-v5')).toEqual({
      id: sileroId,
      name: 'silero-vad-v5',
      task: 'vad',
      size: silero.byteLength,
      description: expect.stringContaining('Silero VAD v5'),
    })
    expect(body.models.map((m) => m.name)).toEqual(
      expect.arrayContaining(['ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-mobile-v2-cls']),
    )
  })
})

describe('GET /v1/models/:id', () => {
  test('default: the manifest JSON, which parseManifest accepts', async () => {
    const response = await get(`/v1/models/${sileroId}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const manifest = parseManifest(await response.json())
    expect(manifest).toMatchObject({ id: sileroId, name: 'silero-vad-v5', size: silero.byteLength })
  })

  test('behavior: an ETag; If-None-Match answers 304', async () => {
    const first = await rawRequest(app.url, `/v1/models/${sileroId}`)
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const again = await rawRequest(app.url, `/v1/models/${sileroId}`, {
      headers: { 'if-none-match': etag },
    })
    expect(again.status).toBe(304)
    expect(again.body.byteLength).toBe(0)
  })

  test.each([
    ['0x1234', 400, 'MODEL_INVALID_ID'],
    [`0x${'AB'.repeat(32)}`, 400, 'MODEL_INVALID_ID'],
    [`0x${'ab'.repeat(32)}`, 404, 'MODEL_NOT_FOUND'],
  ])('error: %s answers %i %s', async (id, status, code) => {
    const response = await get(`/v1/models/${id}`)
    expect(response.status).toBe(status)
    expect((await response.json()).error.code).toBe(code)
  })
})

describe('GET /models/:id', () => {
  test('default: the bytes, immutable, with the isolation headers', async () => {
    const response = await rawRequest(app.url, `/models/${sileroId}`)
    expect(response.status).toBe(200)
    expect(response.body.equals(silero)).toBe(true)
    expect(response.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': String(silero.byteLength),
      etag: `"${sileroId}"`,
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=31536000, immutable',
    })
    for (const [name, value] of Object.entries(responseHeaders))
      expect(response.headers[name.toLowerCase()], name).toBe(value)
  })

  test.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, silero.byteLength - 1],
    ['bytes=-10', silero.byteLength - 10, silero.byteLength - 1],
    ['bytes=1000-999999999', 1000, silero.byteLength - 1],
  ])('behavior: Range %s answers 206 with those bytes', async (range, start, end) => {
    const response = await rawRequest(app.url, `/models/${sileroId}`, { headers: { range } })
    expect(response.status).toBe(206)
    expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/${silero.byteLength}`)
    expect(response.headers['content-length']).toBe(String(end - start + 1))
    expect(response.body.equals(silero.subarray(start, end + 1))).toBe(true)
  })

  test.each([['bytes=99999999-'], ['bytes=-0']])('error: Range %s answers 416', async (range) => {
    const response = await rawRequest(app.url, `/models/${sileroId}`, { headers: { range } })
    expect(response.status).toBe(416)
    expect(response.headers['content-range']).toBe(`bytes */${silero.byteLength}`)
    expect(JSON.parse(response.text).error.code).toBe('RANGE_NOT_SATISFIABLE')
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp')
  })

  test('behavior: several ranges, or If-Range with another tag, get the whole file', async () => {
    const multi = await rawRequest(app.url, `/models/${sileroId}`, {
      headers: { range: 'bytes=0-1,5-6' },
    })
    expect(multi.status).toBe(200)
    const ifRange = await rawRequest(app.url, `/models/${sileroId}`, {
      headers: { range: 'bytes=0-1', 'if-range': '"0xother"' },
    })
    expect(ifRange.status).toBe(200)
    expect(ifRange.body.byteLength).toBe(silero.byteLength)
  })

  test('behavior: HEAD gives the length without the body; If-None-Match gives 304', async () => {
    const head = await rawRequest(app.url, `/models/${sileroId}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe(String(silero.byteLength))
    expect(head.body.byteLength).toBe(0)
    const cached = await rawRequest(app.url, `/models/${sileroId}`, {
      headers: { 'if-none-match': `"${sileroId}"` },
    })
    expect(cached.status).toBe(304)
  })

  test('default: the rec model serves its dictionary asset', async () => {
    const { models } = (await (await get('/v1/models')).json()) as {
      models: { id: ModelId; name: string }[]
    }
    const rec = models.find((m) => m.name === 'ppocr-v4-rec')
    const response = await rawRequest(app.url, `/models/${rec?.id}/dictionary`)
    const dictionary = readFileSync(dictionaryFile)
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(response.headers.etag).toBe(`"${sha256(dictionary)}"`)
    expect(response.body.equals(dictionary)).toBe(true)
    const none = await rawRequest(app.url, `/models/${sileroId}/dictionary`)
    expect(none.status).toBe(404)
    expect(JSON.parse(none.text).error.code).toBe('MODEL_NOT_FOUND')
  })

  test.each([
    ['/models/not-an-id', 400, 'MODEL_INVALID_ID'],
    [`/models/0x${'ab'.repeat(32)}`, 404, 'MODEL_NOT_FOUND'],
  ])('error: %s answers %i %s', async (pathname, status, code) => {
    const response = await rawRequest(app.url, pathname)
    expect(response.status).toBe(status)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(response.text).error.code).toBe(code)
  })
})

describe('POST /v1/models', () => {
  test('default: an operator adds a model; the gateway serves it and its manifest', async () => {
    const response = await upload(bytes)
    expect(response.status).toBe(201)
    const id = sha256(bytes)
    expect(response.headers.get('location')).toBe(`/v1/models/${id}`)
    expect(await response.json()).toEqual({
      created: true,
      model: {
        id,
        name: 'my-cls',
        task: 'custom',
        size: bytes.byteLength,
        description: 'An ONNX model added by the operator of this gateway.',
      },
    })
    const manifest = parseManifest(await (await get(`/v1/models/${id}`)).json())
    expect(manifest.source).toMatchObject({ kind: 'operator', sha256: id })
    const file = await rawRequest(app.url, `/models/${id}`)
    expect(file.body.equals(bytes)).toBe(true)

    const again = await upload(bytes, { name: 'my-cls-again' })
    expect(again.status).toBe(200)
    expect((await again.json()).created).toBe(false)
  })

  test('behavior: a streamed (chunked) body is accepted too', async () => {
    const variant = Buffer.concat([bytes, Buffer.from([0xc2, 0x3e, 0x01, 0x21])])
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < variant.byteLength; i += 65_536)
          controller.enqueue(variant.subarray(i, i + 65_536))
        controller.close()
      },
    })
    const response = await upload(stream, { name: 'streamed-cls' })
    expect(response.status).toBe(201)
    expect((await response.json()).model.id).toBe(sha256(variant))
  })

  test.each([
    [
      'garbage bytes',
      () => upload(new TextEncoder().encode('garbage'), { name: 'garbage' }),
      400,
      'MODEL_INVALID_ONNX',
    ],
    ['an empty body', () => upload(new Uint8Array(), { name: 'empty' }), 400, 'MODEL_INVALID_ONNX'],
    [
      'a wrong token',
      () => upload(bytes, { auth: 'Bearer wrong-token-0123456789' }),
      401,
      'OPERATOR_UNAUTHORIZED',
    ],
    ['no token', () => upload(bytes, { auth: '' }), 401, 'OPERATOR_UNAUTHORIZED'],
    [
      'a Basic header',
      () => upload(bytes, { auth: `Basic ${token}` }),
      401,
      'OPERATOR_UNAUTHORIZED',
    ],
    ['a bad name', () => upload(bytes, { name: 'Bad Name' }), 400, 'MODEL_MANIFEST_INVALID'],
    ['no name', () => upload(bytes, { name: '' }), 400, 'BAD_REQUEST'],
    [
      'a taken name',
      () =>
        upload(Buffer.concat([bytes, Buffer.from([0xc2, 0x3e, 0x01, 0x22])]), {
          name: 'silero-vad-v5',
        }),
      409,
      'MODEL_NAME_TAKEN',
    ],
    [
      'another content type',
      () => upload(bytes, { type: 'application/json' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a declared length over the limit',
      () => upload(packageFile('silero-vad-v5')),
      413,
      'MODEL_TOO_LARGE',
    ],
  ])('error: %s', async (_, send, status, code) => {
    const response = await send()
    expect(response.status).toBe(status)
    expect((await response.json()).error.code).toBe(code)
  })

  test('error: a streamed body over the limit is cut off with 413 and leaves nothing', async () => {
    const big = packageFile('ppocr-v4-det')
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= big.byteLength) return controller.close()
        controller.enqueue(big.subarray(sent, sent + 65_536))
        sent += 65_536
      },
    })
    const response = await upload(stream, { name: 'too-big' })
    expect(response.status).toBe(413)
    expect((await response.json()).error.code).toBe('MODEL_TOO_LARGE')
    expect(
      readdirSync(path.join(app.dataDir, 'models')).filter((f) => f.endsWith('.part')),
    ).toEqual([])
  })

  test('error: without a configured token the route is off, and says how to turn it on', async () => {
    const response = await upload(bytes, { url: noToken.url })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "OPERATOR_API_DISABLED",
          "message": "Adding models is disabled on this gateway: start it with --operator-token <token> (or set INFERENCE_GRID_OPERATOR_TOKEN) to enable operator routes.",
        },
      }
    `)
  })
})
