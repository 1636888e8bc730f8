import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type DecodeErrorCode = ErrorCodeOf<'DecodeError'>

export type DecodeErrorType = DecodeError & { name: 'DecodeError' }

/**
 * Bytes from a peer could not be read as a work-protocol message. Not retryable as is: the
 * sender has a bug or speaks another version; the connection should be dropped.
 */
export class DecodeError extends BaseError<DecodeErrorCode> {
  override name = 'DecodeError' as const
}
