import type { BaseError } from '../protocol/errors/BaseError.ts'
import { deserializeError } from '../protocol/errors/deserializeError.ts'
import { SdkError } from './SdkError.ts'

export type ErrorFromResponseParameters = {
  status: number
  /** The response body as text (the gateway's errors are always JSON). */
  body: string
  /** The Retry-After header, when present (429 and 503 carry it). */
  retryAfter?: string | null | undefined
  /** What was asked, for the message of a response that is not the gateway's error JSON. */
  what: string
}

/**
 * Rebuilds the gateway's `{ error: { code, message } }` as the typed error that owns the code
 * (TensorError for TENSOR_*, ModelError for MODEL_*; a BaseError named after the gateway's class
 * for gateway codes such as API_KEY_INVALID or JOB_INPUT_MISMATCH), so callers branch on `code`
 * and `instanceof` exactly as inside the grid. The HTTP status and Retry-After go in `details`.
 * A body that is not that JSON (a proxy's HTML page) becomes SDK_INVALID_RESPONSE.
 */
export function errorFromResponse(parameters: ErrorFromResponseParameters): BaseError {
  const { status, body, retryAfter, what } = parameters
  const parsed = parseJson(body)
  const error =
    typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : undefined
  const fields =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}
  const { code, message } = fields
  if (typeof code !== 'string' || typeof message !== 'string') {
    return new SdkError(
      `${what} failed with HTTP ${status}, and the answer is not the gateway's error JSON (is the URL the gateway's?).`,
      { code: 'SDK_INVALID_RESPONSE', details: { status, body: body.slice(0, 200) } },
    )
  }
  const retryAfterS = retryAfter ? Number(retryAfter) : Number.NaN
  return deserializeError({
    code,
    message,
    details: {
      ...(typeof fields.details === 'object' && fields.details !== null ? fields.details : {}),
      status,
      ...(Number.isFinite(retryAfterS) ? { retryAfterS } : {}),
    },
  })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
