import { BaseError } from '../../protocol/errors/BaseError.ts'
import type { ErrorCode } from '../../protocol/errors/codes.ts'
import type { HttpErrorCode } from '../errors/http.ts'

/** The body of every error response: `{ error: { code, message } }`. */
export type ErrorResponseBody = { error: { code: ErrorCode; message: string } }

export type ToErrorResponseReturnType = {
  status: number
  body: ErrorResponseBody
  /** Headers the status needs (Content-Range on 416, Allow on 405). */
  headers: Record<string, string>
  /** True for failures of the gateway itself (5xx): those are logged with their stack. */
  internal: boolean
}

/** For errors raised by fastify or its plugins, which carry a status but not our code. */
const codeByHttpStatus: Readonly<Record<number, HttpErrorCode | 'NOT_FOUND'>> = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
}

/**
 * Turns anything thrown while handling a request into a status and a body that is safe to send.
 * Typed errors (the gateway's and the protocol's) keep their code and short message, with the
 * status their codes table gives; fastify's own 4xx errors keep their status; anything else is a
 * 500 with a fixed sentence, because its message may carry internals.
 */
export function toErrorResponse(error: unknown): ToErrorResponseReturnType {
  if (error instanceof BaseError) {
    const code: ErrorCode = error.code
    return {
      status: error.httpStatus,
      body: { error: { code, message: error.shortMessage } },
      headers: {},
      internal: error.httpStatus >= 500,
    }
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Their 4xx messages describe the request ("Range Not Satisfiable"), not the server: safe.
    const message = error instanceof Error ? error.message : 'Bad request.'
    // The status stays the plugin's own (a 429 stays a 429) even when no code names it exactly.
    return {
      status,
      body: { error: { code: codeByHttpStatus[status] ?? 'BAD_REQUEST', message } },
      headers: protocolHeaders(error),
      internal: false,
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'Internal server error.' } },
    headers: {},
    internal: true,
  }
}

/** Headers that belong to the status itself; anything else an error carries is dropped. */
const statusHeaders = new Set(['content-range', 'allow', 'retry-after'])

/** http-errors (used by @fastify/send) carries them, e.g. the file size in Content-Range on a 416. */
function protocolHeaders(error: unknown): Record<string, string> {
  const headers = (error as { headers?: unknown }).headers
  if (!headers || typeof headers !== 'object') return {}
  return Object.fromEntries(
    Object.entries(headers).filter(
      (entry): entry is [string, string] =>
        statusHeaders.has(entry[0].toLowerCase()) && typeof entry[1] === 'string',
    ),
  )
}
