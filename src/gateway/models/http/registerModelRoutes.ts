import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ModelError } from '../../../protocol/errors/ModelError.ts'
import type { ModelId } from '../../../protocol/messages.ts'
import { isModelId } from '../../../protocol/models/isModelId.ts'
import { HttpError } from '../../errors/http.ts'
import { toErrorResponse } from '../../http/toErrorResponse.ts'
import type { ModelRegistry, RegisteredModel } from '../ModelRegistry.ts'
import { checkOperatorToken } from './checkOperatorToken.ts'
import { parseRange } from './parseRange.ts'

export type ModelRoutesOptions = {
  registry: ModelRegistry
  /** Enables `POST /v1/models`; without it that route answers 403. */
  operatorToken?: string | undefined
  /** Largest model `POST /v1/models` accepts. */
  maxUploadBytes: number
}

/** Model files are content-addressed: the bytes behind a URL never change. */
const immutable = 'public, max-age=31536000, immutable'

/**
 * The model routes:
 * - `GET /v1/models`: `{ models: [{ id, name, task, size, description }] }`
 * - `GET /v1/models/:id`: the manifest as JSON (tensors in base64), with an ETag
 * - `GET /models/:id`: the ONNX bytes (ETag = id, single byte ranges, cached forever)
 * - `GET /models/:id/:asset`: a file the model needs (`dictionary` for PP-OCR rec), the same way
 * - `POST /v1/models?name=<slug>[&description=...]`: an operator adds a model (octet-stream body,
 *   `Authorization: Bearer <operator token>`); 201 with the summary, 200 if already known
 */
export async function registerModelRoutes(
  app: FastifyInstance,
  { registry, operatorToken, maxUploadBytes }: ModelRoutesOptions,
): Promise<void> {
  app.get('/v1/models', async (_request, reply) => {
    reply.header('cache-control', 'no-cache')
    return { models: registry.list() }
  })

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request, reply) => {
    const model = lookup(registry, request.params.id)
    reply.header('cache-control', 'no-cache').header('etag', model.manifestEtag)
    if (request.headers['if-none-match'] === model.manifestEtag) return reply.code(304).send()
    return reply.type('application/json; charset=utf-8').send(model.manifestJson)
  })

  // HEAD is declared rather than left to fastify, whose automatic HEAD would read the whole file
  // and answer Content-Length: 0.
  app.route<{ Params: { id: string } }>({
    method: ['GET', 'HEAD'],
    url: '/models/:id',
    handler: async (request, reply) => {
      const model = lookup(registry, request.params.id)
      return sendImmutableFile(request, reply, {
        file: model.file,
        size: model.manifest.size,
        etag: `"${model.manifest.id}"`,
        contentType: 'application/octet-stream',
      })
    },
  })

  app.route<{ Params: { id: string; asset: string } }>({
    method: ['GET', 'HEAD'],
    url: '/models/:id/:asset',
    handler: async (request, reply) => {
      const model = lookup(registry, request.params.id)
      const { asset: name } = request.params
      const asset = Object.hasOwn(model.manifest.assets ?? {}, name)
        ? model.manifest.assets?.[name]
        : undefined
      const file = model.assetFiles[name]
      if (!asset || !file)
        throw new ModelError(`The model ${model.manifest.name} has no asset named ${name}.`, {
          code: 'MODEL_NOT_FOUND',
          details: { modelId: model.manifest.id, asset: name.slice(0, 64) },
        })
      return sendImmutableFile(request, reply, {
        file,
        size: asset.size,
        etag: `"${asset.sha256}"`,
        contentType: asset.mediaType,
      })
    },
  })

  // Uploads are streamed to disk by the registry: the parser hands over the raw request stream.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_request, payload, done) =>
      done(null, payload),
    )
    scope.post<{ Querystring: { name?: string; description?: string } }>(
      '/v1/models',
      {
        // Refused before a byte of the body is read.
        onRequest: async (request) => {
          checkOperatorToken(request.headers.authorization, operatorToken)
          const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
          if (type !== 'application/octet-stream')
            throw new HttpError(
              'Send the ONNX file as the body with Content-Type: application/octet-stream.',
              { code: 'UNSUPPORTED_MEDIA_TYPE' },
            )
          const length = Number(request.headers['content-length'])
          if (Number.isFinite(length) && length > maxUploadBytes)
            throw new ModelError(
              `The model is larger than this gateway accepts (${maxUploadBytes} bytes; see --max-model-upload-mib).`,
              { code: 'MODEL_TOO_LARGE', details: { maxBytes: maxUploadBytes, length } },
            )
        },
        // A refusal before the body is read (bad token, too large) must not wait for the client
        // to finish sending it, nor leave the connection busy: close it after the answer.
        onSend: async (request, reply) => {
          if (!request.raw.complete) reply.header('connection', 'close')
        },
      },
      async (request, reply) => {
        const { name, description } = request.query
        if (typeof name !== 'string' || name === '')
          throw new HttpError('Name the model: POST /v1/models?name=<slug>.', {
            code: 'BAD_REQUEST',
          })
        const aborted = new AbortController()
        request.raw.once('close', () => {
          if (!request.raw.complete) aborted.abort(new Error('The client went away.'))
        })
        const { model, created } = await registry.add({
          body: request.body as Readable,
          name,
          description,
          maxBytes: maxUploadBytes,
          signal: aborted.signal,
        })
        const { id, task, size } = model.manifest
        return reply
          .code(created ? 201 : 200)
          .header('location', `/v1/models/${id}`)
          .send({
            created,
            model: {
              id,
              name: model.manifest.name,
              task,
              size,
              description: model.manifest.description,
            },
          })
      },
    )
  })
}

function lookup(registry: ModelRegistry, id: string): RegisteredModel {
  if (!isModelId(id))
    throw new ModelError('A model id is 0x and 64 lowercase hex digits (the sha256 of the file).', {
      code: 'MODEL_INVALID_ID',
      details: { id: id.slice(0, 80) },
    })
  const model = registry.get(id as ModelId)
  if (!model)
    throw new ModelError(`No model ${id} on this gateway (GET /v1/models lists them).`, {
      code: 'MODEL_NOT_FOUND',
      details: { modelId: id },
    })
  return model
}

type ImmutableFile = { file: string; size: number; etag: string; contentType: string }

function sendImmutableFile(
  request: FastifyRequest,
  reply: FastifyReply,
  { file, size, etag, contentType }: ImmutableFile,
): FastifyReply {
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('cache-control', immutable)
    .type(contentType)
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send()
  // If-Range naming another version means "send it all"; ours never changes, so it rarely does.
  const ifRange = request.headers['if-range']
  const range =
    ifRange === undefined || ifRange === etag
      ? parseRange(request.headers.range, size)
      : ({ kind: 'full' } as const)
  if (range.kind === 'unsatisfiable') {
    const { body } = toErrorResponse(
      new HttpError(`The file has ${size} bytes; the requested range lies outside it.`, {
        code: 'RANGE_NOT_SATISFIABLE',
      }),
    )
    return reply
      .code(416)
      .header('content-range', `bytes */${size}`)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(body)
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1]
  reply.header('content-length', String(end - start + 1))
  if (range.kind === 'partial')
    reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`)
  if (request.method === 'HEAD') return reply.send()
  return reply.send(createReadStream(file, { start, end }))
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*')
}
