import { BaseError, type ErrorDetails } from './BaseError'

/** Limits that keep a serialized error small enough for any message or log line. */
export const MAX_ERROR_MESSAGE_LENGTH = 4096
export const MAX_ERROR_DETAILS = 32
export const MAX_ERROR_DETAIL_KEY_LENGTH = 64
export const MAX_ERROR_DETAIL_STRING_LENGTH = 1024

/**
 * The form an error takes across a worker, wire or HTTP boundary. `code` is a string rather than
 * an `ErrorCode` because a peer may run a newer version with codes this one does not know.
 */
export type SerializedError = {
  name: string
  code: string
  message: string
  details: ErrorDetails
}

export type SerializeErrorReturnType = SerializedError

/**
 * Turns any thrown value into `{ name, code, message, details }`, clipped to the wire limits, so it
 * can be posted to a Web Worker, encoded in an `error` message or returned as JSON, and rebuilt
 * with its type by `deserializeError`. Non-BaseError values become INTERNAL.
 */
export function serializeError(err: unknown): SerializeErrorReturnType {
  if (err instanceof BaseError) {
    return {
      name: err.name,
      code: err.code,
      message: clip(err.shortMessage, MAX_ERROR_MESSAGE_LENGTH),
      details: clipDetails(err.details),
    }
  }
  return {
    name: 'InternalError',
    code: 'INTERNAL',
    message: clip(err instanceof Error ? err.message : 'Unknown error.', MAX_ERROR_MESSAGE_LENGTH),
    details: err instanceof Error ? { originalName: clip(err.name, 64) } : {},
  }
}

function clipDetails(details: ErrorDetails): ErrorDetails {
  const entries = Object.entries(details)
    .filter(([key]) => key.length <= MAX_ERROR_DETAIL_KEY_LENGTH)
    .slice(0, MAX_ERROR_DETAILS)
    .map(([key, value]) => [key, clipValue(value)] as const)
  return Object.fromEntries(entries)
}

function clipValue(value: ErrorDetails[string]): ErrorDetails[string] {
  if (typeof value === 'string') return clip(value, MAX_ERROR_DETAIL_STRING_LENGTH)
  // NaN and Infinity have no place on the wire (the decoder rejects them).
  if (typeof value === 'number' && !Number.isFinite(value)) return null
  return value
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text
  // Do not cut a surrogate pair in half: a lone surrogate is not well-formed text.
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max
  return text.slice(0, end)
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff
}
