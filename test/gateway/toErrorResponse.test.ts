import { describe, expect, test } from 'vitest'
import { ConfigError } from '../../src/gateway/errors/config.ts'
import { GatewayError } from '../../src/gateway/errors/GatewayError.ts'
import { RouteNotFoundError } from '../../src/gateway/errors/http.ts'
import { DatabaseUnavailableError } from '../../src/gateway/errors/storage.ts'
import { toErrorResponse } from '../../src/gateway/http/toErrorResponse.ts'
import { BaseError } from '../../src/protocol/errors/BaseError.ts'
import { errorCodes } from '../../src/protocol/errors/codes.ts'
import { DecodeError } from '../../src/protocol/errors/DecodeError.ts'
import { deserializeError } from '../../src/protocol/errors/deserializeError.ts'
import { serializeError } from '../../src/protocol/errors/serializeError.ts'

describe('toErrorResponse', () => {
  test('default: a typed error keeps its code and short message', () => {
    expect(toErrorResponse(new RouteNotFoundError({ method: 'GET', path: '/v1/x' }))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'No route for GET /v1/x.' } },
      headers: {},
      internal: false,
    })
  })

  test('behavior: the status comes from the code table', () => {
    expect(toErrorResponse(new DatabaseUnavailableError()).status).toBe(503)
  })

  test('behavior: protocol errors answer with the status of their code', () => {
    const error = new DecodeError('The input ends early.', { code: 'PROTOCOL_TRUNCATED' })
    expect(toErrorResponse(error)).toEqual({
      status: 400,
      body: { error: { code: 'PROTOCOL_TRUNCATED', message: 'The input ends early.' } },
      headers: {},
      internal: false,
    })
  })

  test('behavior: details and causes stay out of the body', () => {
    const cause = new Error('SQLITE_IOERR at /var/lib/grid/grid.sqlite')
    const { body } = toErrorResponse(new DatabaseUnavailableError({ cause }))
    expect(JSON.stringify(body)).not.toContain('SQLITE_IOERR')
  })

  test('behavior: a fastify 4xx keeps its status and only status headers', () => {
    const error = Object.assign(new Error('Range Not Satisfiable'), {
      statusCode: 416,
      headers: { 'Content-Range': 'bytes */10', 'X-Internal': 'no' },
    })
    expect(toErrorResponse(error)).toEqual({
      status: 416,
      body: { error: { code: 'RANGE_NOT_SATISFIABLE', message: 'Range Not Satisfiable' } },
      headers: { 'Content-Range': 'bytes */10' },
      internal: false,
    })
  })

  test('error: anything else is a 500 with a fixed message and no stack', () => {
    const error = new Error('secret connection string postgres://u:p@h/db')
    const response = toErrorResponse(error)
    expect(response).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal server error.' } },
      headers: {},
      internal: true,
    })
    expect(toErrorResponse('a thrown string').status).toBe(500)
    expect(toErrorResponse(Object.assign(new Error('x'), { statusCode: 502 })).status).toBe(500)
  })
})

describe('GatewayError', () => {
  test('default: message, code, details and serialization', () => {
    const cause = new Error('EACCES: permission denied')
    const error = new GatewayError('Cannot do the thing.', {
      code: 'STORAGE_OPEN_FAILED',
      cause,
      details: { path: '/data/grid.sqlite' },
      metaMessages: ['Try the other thing.'],
    })
    expect(error.name).toBe('GatewayError')
    expect(error.cause).toBe(cause)
    expect(error.httpStatus).toBe(503)
    expect(error.message).toMatchInlineSnapshot(`
      "Cannot do the thing.

      Try the other thing.

      Cause: EACCES: permission denied

      Code: STORAGE_OPEN_FAILED"
    `)
    expect(serializeError(error)).toEqual({
      name: 'GatewayError',
      code: 'STORAGE_OPEN_FAILED',
      message: 'Cannot do the thing.',
      details: { path: '/data/grid.sqlite' },
    })
  })

  test('behavior: walk finds an error in the cause chain', () => {
    const root = new Error('root')
    const middle = new DatabaseUnavailableError({ cause: root })
    const top = new GatewayError('top', { code: 'HTTP_LISTEN_FAILED', cause: middle })
    expect(top.walk()).toBe(root)
    expect(top.walk((e) => e instanceof DatabaseUnavailableError)).toBe(middle)
    expect(top.walk((e) => e instanceof ConfigError)).toBeNull()
  })

  test('behavior: walk stops on a cyclic cause chain', () => {
    const a = new GatewayError('a', { code: 'BAD_REQUEST' })
    const b = new GatewayError('b', { code: 'BAD_REQUEST', cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    expect(a.walk((e) => e === 'never')).toBeNull()
  })

  test('behavior: subclasses carry a literal name and their details', () => {
    const config = new ConfigError('x', { code: 'CONFIG_INVALID_VALUE', source: '--port' })
    expect(config.name).toBe('ConfigError')
    expect(config.details).toEqual({ source: '--port' })
    expect(new DatabaseUnavailableError().name).toBe('DatabaseUnavailableError')
  })
})

describe('errorCodes', () => {
  test('behavior: every code has an HTTP status', () => {
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(info.httpStatus, code).toBeGreaterThanOrEqual(400)
      expect(info.httpStatus, code).toBeLessThan(600)
    }
  })

  test('behavior: gateway errors are protocol BaseErrors and keep their code across the wire', () => {
    const config = new ConfigError('x', { code: 'CONFIG_INVALID_VALUE', source: '--port' })
    expect(config).toBeInstanceOf(BaseError)
    const rebuilt = deserializeError(serializeError(config))
    expect(rebuilt).toBeInstanceOf(BaseError)
    expect(rebuilt.code).toBe('CONFIG_INVALID_VALUE')
  })
})
